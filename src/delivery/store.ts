// Every query the delivery layer makes, in one place: the four outbox collections (db/models/outbox.ts explains why
// every state change is an insert) and the delivery.* audit lines. Nothing else in src/delivery touches a model.
//
// The hot path's writes (claims, retry answers, final records, audit lines) are inserts grouped per tick
// (batcher.ts); each caller still learns whether its own document went in or met a unique index ("duplicate"),
// which is how the protocol in attempt.ts tells who won.
// sanitizeFilter is on (db/connection.ts): query operators written here are marked with mongoose.trusted().
import { trusted, Types } from "mongoose";
import type { AuditDoc } from "../db/models/audit.js";
import type { Models } from "../db/models/index.js";
import type { OutboxAttemptDoc, OutboxDoneDoc, OutboxItemDoc, OutboxRetryDoc } from "../db/models/outbox.js";
import { bulkWriteErrors, isDuplicateKey } from "../db/duplicateKey.js";
import { createInsertBatcher, type Insert } from "./batcher.js";

/** A new outbox document, its _id chosen by the caller (the final record reuses it). */
export type NewOutboxItem = Omit<OutboxItemDoc, "_id"> & { _id: Types.ObjectId };

export interface DueQuery {
  /** Due at or before this time. */
  at: Date;
  /** Items already in this worker's hands (queued, in flight, or waiting for clean-up). */
  exclude: readonly string[];
  /** Only items of a higher priority than this (a full buffer looks only for messages that jump the queue). */
  abovePriority?: number;
  limit: number;
}

export interface OutboxStore {
  // --- Queueing and reading (outbox.ts) ---
  /** Inserts the items whose key is not pending already; returns those that went in. */
  insertItems(docs: readonly NewOutboxItem[]): Promise<NewOutboxItem[]>;
  /** The keys among `keys` that have a final record. */
  finalKeys(keys: readonly string[]): Promise<Set<string>>;
  countFinal(keys: readonly string[]): Promise<number>;
  findDone(key: string): Promise<OutboxDoneDoc | null>;
  /** The pending item (without its upload). */
  findItem(key: string): Promise<OutboxItemDoc | null>;
  retriesOfKey(key: string): Promise<OutboxRetryDoc[]>;
  retriesOfItems(itemIds: readonly string[]): Promise<OutboxRetryDoc[]>;
  doneByRef(purpose: string, refIds: readonly string[]): Promise<OutboxDoneDoc[]>;
  /** Pending items of these refIds, without params or upload. */
  pendingByRef(purpose: string, refIds: readonly string[]): Promise<OutboxItemDoc[]>;
  pendingKeys(filter: { purpose?: string; refId?: string }): Promise<string[]>;

  // --- The worker (queue.ts, attempt.ts, outcomes.ts, cleanup.ts) ---
  /** Due pending items, most urgent first. */
  findDue(q: DueQuery): Promise<OutboxItemDoc[]>;
  /** Attempt n's claim: "inserted" means this caller may make the attempt. */
  insertAttempt: Insert<OutboxAttemptDoc>;
  /** Attempt n's non-final answer: "inserted" means this caller's answer stands. */
  insertRetry: Insert<OutboxRetryDoc>;
  /** The message's final record: "inserted" means this caller's outcome stands. */
  insertDone: Insert<OutboxDoneDoc>;
  insertAudit: Insert<AuditDoc>;
  isFinal(key: string): Promise<boolean>;
  findAttempt(attemptId: string): Promise<OutboxAttemptDoc | null>;
  findRetry(attemptId: string): Promise<OutboxRetryDoc | null>;
  /** Deletes pending items by _id (on FerretDB each delete scans the collection: call it with batches). */
  deleteItems(itemIds: readonly string[]): Promise<void>;
  deleteRetries(keys: readonly string[]): Promise<void>;
}

/** The _id of attempt n's claim and of its answer: `<key>#<n>`, unique, so one worker makes attempt n. */
export function attemptId(key: string, n: number): string {
  return `${key}#${n}`;
}

export function createOutboxStore(models: Models): OutboxStore {
  const { OutboxItem, OutboxAttempt, OutboxRetry, OutboxDone, Audit } = models;
  const objectIds = (ids: readonly string[]) => ids.map((x) => new Types.ObjectId(x));
  const byRef = (purpose: string, refIds: readonly string[]) => ({ purpose, refId: trusted({ $in: [...refIds] }) });

  return {
    async insertItems(docs) {
      if (docs.length === 0) return [];
      try {
        await OutboxItem.insertMany(docs, { ordered: false, lean: true });
        return [...docs];
      } catch (err) {
        const writeErrors = bulkWriteErrors(err);
        if (!writeErrors || writeErrors.some((e) => !isDuplicateKey(e))) throw err;
        const refused = new Set(writeErrors.map((e) => e.index));
        return docs.filter((_, i) => !refused.has(i));
      }
    },

    async finalKeys(keys) {
      if (keys.length === 0) return new Set();
      const done = await OutboxDone.find({ key: trusted({ $in: [...keys] }) }, { _id: 0, key: 1 }).lean<{ key: string }[]>();
      return new Set(done.map((d) => d.key));
    },

    countFinal: (keys) => OutboxDone.countDocuments({ key: trusted({ $in: [...keys] }) }),
    findDone: (key) => OutboxDone.findOne({ key }).lean<OutboxDoneDoc>(),
    findItem: (key) => OutboxItem.findOne({ key }, { upload: 0 }).lean<OutboxItemDoc>(),
    retriesOfKey: (key) => OutboxRetry.find({ key }).lean<OutboxRetryDoc[]>(),
    retriesOfItems: (itemIds) => OutboxRetry.find({ itemId: trusted({ $in: [...itemIds] }) }).lean<OutboxRetryDoc[]>(),
    doneByRef: (purpose, refIds) => OutboxDone.find(byRef(purpose, refIds)).lean<OutboxDoneDoc[]>(),
    pendingByRef: (purpose, refIds) => OutboxItem.find(byRef(purpose, refIds), { params: 0, upload: 0 }).lean<OutboxItemDoc[]>(),

    async pendingKeys(filter) {
      const q: Record<string, unknown> = {};
      if (filter.purpose !== undefined) q.purpose = filter.purpose;
      if (filter.refId !== undefined) q.refId = filter.refId;
      const pending = await OutboxItem.find(q, { _id: 0, key: 1 }).lean<{ key: string }[]>();
      return pending.map((p) => p.key);
    },

    findDue: (q) =>
      OutboxItem.find({
        status: "pending",
        notBefore: trusted({ $lte: q.at }),
        _id: trusted({ $nin: objectIds(q.exclude) }),
        ...(q.abovePriority !== undefined ? { priority: trusted({ $gt: q.abovePriority }) } : {}),
      })
        .sort({ priority: -1, notBefore: 1, _id: 1 })
        .limit(q.limit)
        .lean<OutboxItemDoc[]>(),

    insertAttempt: createInsertBatcher<OutboxAttemptDoc>((docs) => OutboxAttempt.insertMany(docs, { ordered: false, lean: true })),
    insertRetry: createInsertBatcher<OutboxRetryDoc>((docs) => OutboxRetry.insertMany(docs, { ordered: false, lean: true })),
    insertDone: createInsertBatcher<OutboxDoneDoc>((docs) => OutboxDone.insertMany(docs, { ordered: false, lean: true })),
    insertAudit: createInsertBatcher<AuditDoc>((docs) => Audit.insertMany(docs, { ordered: false, lean: true })),

    isFinal: async (key) => (await OutboxDone.exists({ key })) !== null,
    findAttempt: (attemptId) => OutboxAttempt.findById(attemptId).lean<OutboxAttemptDoc>(),
    findRetry: (attemptId) => OutboxRetry.findById(attemptId).lean<OutboxRetryDoc>(),

    async deleteItems(itemIds) {
      if (itemIds.length) await OutboxItem.deleteMany({ _id: trusted({ $in: objectIds(itemIds) }) });
    },
    async deleteRetries(keys) {
      if (keys.length) await OutboxRetry.deleteMany({ key: trusted({ $in: [...keys] }) });
    },
  };
}
