// Enqueueing messages and reading what became of them. Enqueueing is idempotent by `key`: a key that is pending
// or already final is never queued again, so a job that runs twice or a replayed update sends nothing twice.
import { EventEmitter } from "node:events";
import { trusted, Types } from "mongoose";
import type { Models } from "../db/models/index.js";
import type {
  DeliveryStatus,
  IfInterrupted,
  OutboxDoneDoc,
  OutboxIdentity,
  OutboxItemDoc,
  OutboxRetryDoc,
} from "../db/models/outbox.js";
import { bulkWriteErrors, isDuplicateKey } from "../db/duplicateKey.js";

export interface OutboxMessage {
  /** Idempotency key, unique for all time: e.g. `directive:<directiveId>:<telegramId>`, `rollup:<date>:<telegramId>`. */
  key: string;
  /** What the message is for ("directive", "reminder", "rollup"...): hooks and reports filter on it. */
  purpose: string;
  /** Groups the messages of one broadcast or job run, e.g. the directive id. */
  refId?: string | null;
  /** A reporting bucket within refId, e.g. the recipient's cluster key. */
  group?: string | null;
  chatId: number;
  /** The recipient's Telegram id when the chat is a person (403 marks them as having blocked the bot). */
  personId?: number | null;
  /** Bot API method; default "sendMessage". */
  method?: string;
  /** Its parameters except chat_id; JSON-serialisable (inline keyboards included). */
  params: Record<string, unknown>;
  /** A file to upload with the message (a generated chart): sent as params[field]. Keep it small. */
  upload?: { field: "photo" | "document"; data: Uint8Array; filename: string };
  /** Not before this time (default: now). */
  notBefore?: Date;
  /** Higher goes first (default 0). A broadcast to thousands can be overtaken by a reminder with priority 1. */
  priority?: number;
  /**
   * If a worker dies during the Telegram call, or the call gets no answer after the request went out (a timeout,
   * a dropped connection), nobody can know whether the message arrived (Telegram has no idempotency key).
   * "fail" (default): record it as failed, reason "interrupted" (crash) or "unknown" (no answer) — never a second
   * copy. "retry": send again — never a gap, at the risk of a second copy.
   */
  ifInterrupted?: IfInterrupted;
}

export interface EnqueueResult {
  /** Newly queued. */
  enqueued: number;
  /** Keys that were already pending or final: nothing queued. */
  duplicates: number;
}

/** A message as it stands: pending, or its final record. */
export interface DeliveryRecord extends OutboxIdentity {
  id: string;
  status: DeliveryStatus;
  /** Send attempts made so far. */
  attempts: number;
  /** When the next attempt is due (pending only). */
  nextAttemptAt: Date | null;
  reason: string | null;
  errorCode: number | null;
  error: string | null;
  sentAt: Date | null;
  messageId: number | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface OutboxService {
  enqueue(messages: OutboxMessage | readonly OutboxMessage[]): Promise<EnqueueResult>;
  get(key: string): Promise<DeliveryRecord | null>;
  /** Every message of one or more refIds (pending and final). */
  listByRef(purpose: string, refIds: string | readonly string[]): Promise<DeliveryRecord[]>;
  /** Messages not yet final. */
  pendingCount(filter?: { purpose?: string; refId?: string }): Promise<number>;
  /** Called after every enqueue that queued something (a local worker wakes up instead of waiting for its poll). */
  onEnqueued(listener: () => void): () => void;
}

const KEY_MAX = 256;

export function createOutboxService(models: Models, now: () => Date): OutboxService {
  const { OutboxItem, OutboxRetry, OutboxDone } = models;
  const events = new EventEmitter();
  events.setMaxListeners(0);

  function toDoc(m: OutboxMessage, at: Date): Omit<OutboxItemDoc, "_id"> & { _id: Types.ObjectId } {
    if (!m.key || m.key.length > KEY_MAX) throw new Error(`Outbox key must be 1-${KEY_MAX} characters: ${m.key}`);
    if (!Number.isSafeInteger(m.chatId)) throw new Error(`Outbox chatId must be an integer: ${m.chatId}`);
    if ("chat_id" in m.params) throw new Error("Outbox params must not contain chat_id (it comes from chatId)");
    return {
      _id: new Types.ObjectId(),
      key: m.key,
      purpose: m.purpose,
      refId: m.refId ?? null,
      group: m.group ?? null,
      chatId: m.chatId,
      personId: m.personId ?? null,
      method: m.method ?? "sendMessage",
      params: JSON.stringify(m.params),
      upload: m.upload ? { field: m.upload.field, data: Buffer.from(m.upload.data), filename: m.upload.filename } : null,
      priority: m.priority ?? 0,
      notBefore: m.notBefore ?? at,
      ifInterrupted: m.ifInterrupted ?? "fail",
      status: "pending",
      createdAt: at,
    };
  }

  return {
    async enqueue(input) {
      const list = Array.isArray(input) ? (input as readonly OutboxMessage[]) : [input as OutboxMessage];
      if (list.length === 0) return { enqueued: 0, duplicates: 0 };
      const at = now();
      const unique = new Map<string, ReturnType<typeof toDoc>>();
      for (const m of list) if (!unique.has(m.key)) unique.set(m.key, toDoc(m, at));
      const docs = [...unique.values()];
      let inserted = docs;
      try {
        await OutboxItem.insertMany(docs, { ordered: false, lean: true });
      } catch (err) {
        const writeErrors = bulkWriteErrors(err);
        if (!writeErrors || writeErrors.some((e) => !isDuplicateKey(e))) throw err;
        const failed = new Set(writeErrors.map((e) => e.index));
        inserted = docs.filter((_, i) => !failed.has(i));
      }
      // A key already final is in outbox_done, not in the pending collection's unique index: take such copies
      // out again. (Should a worker meet one first, its attempt claim collides with the old one's and it drops it.)
      let finalAlready = 0;
      if (inserted.length) {
        const done = await OutboxDone.find({ key: trusted({ $in: inserted.map((d) => d.key) }) }, { _id: 0, key: 1 }).lean<{ key: string }[]>();
        if (done.length) {
          const keys = new Set(done.map((d) => d.key));
          const ids = inserted.filter((d) => keys.has(d.key)).map((d) => d._id);
          await OutboxItem.deleteMany({ _id: trusted({ $in: ids }) });
          finalAlready = done.length;
        }
      }
      const enqueued = inserted.length - finalAlready;
      if (enqueued > 0) events.emit("enqueued");
      return { enqueued, duplicates: list.length - enqueued };
    },

    async get(key) {
      const done = await OutboxDone.findOne({ key }).lean<OutboxDoneDoc>();
      if (done) return fromDone(done);
      const item = await OutboxItem.findOne({ key }, { upload: 0 }).lean<OutboxItemDoc>();
      if (!item) return null;
      const retries = await OutboxRetry.find({ key }).lean<OutboxRetryDoc[]>();
      return fromPending(item, retries);
    },

    async listByRef(purpose, refIds) {
      const ids = typeof refIds === "string" ? [refIds] : [...refIds];
      if (ids.length === 0) return [];
      const filter = { purpose, refId: trusted({ $in: ids }) };
      const [done, pending] = await Promise.all([
        OutboxDone.find(filter).lean<OutboxDoneDoc[]>(),
        OutboxItem.find(filter, { params: 0, upload: 0 }).lean<OutboxItemDoc[]>(),
      ]);
      const doneKeys = new Set(done.map((d) => d.key));
      // A pending copy whose final record exists is waiting for the worker's batched clean-up.
      const stillPending = pending.filter((p) => !doneKeys.has(p.key));
      const retries = stillPending.length
        ? await OutboxRetry.find({ itemId: trusted({ $in: stillPending.map((p) => String(p._id)) }) }).lean<OutboxRetryDoc[]>()
        : [];
      const byItem = groupBy(retries, (r) => r.itemId);
      return [...done.map(fromDone), ...stillPending.map((p) => fromPending(p, byItem.get(String(p._id)) ?? []))];
    },

    async pendingCount(filter = {}) {
      const q: Record<string, unknown> = {};
      if (filter.purpose !== undefined) q.purpose = filter.purpose;
      if (filter.refId !== undefined) q.refId = filter.refId;
      const pending = await OutboxItem.find(q, { _id: 0, key: 1 }).lean<{ key: string }[]>();
      if (pending.length === 0) return 0;
      const done = await OutboxDone.countDocuments({ key: trusted({ $in: pending.map((p) => p.key) }) });
      return pending.length - done;
    },

    onEnqueued(listener) {
      events.on("enqueued", listener);
      return () => events.off("enqueued", listener);
    },
  };
}

function groupBy<T>(items: readonly T[], keyOf: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const it of items) {
    const k = keyOf(it);
    const list = out.get(k);
    if (list) list.push(it);
    else out.set(k, [it]);
  }
  return out;
}

/** The identifying fields of a stored message, with absent optional ones as null (lean reads skip defaults). */
export function identityOf(d: OutboxIdentity): OutboxIdentity {
  return {
    key: d.key,
    purpose: d.purpose,
    refId: d.refId ?? null,
    group: d.group ?? null,
    chatId: d.chatId,
    personId: d.personId ?? null,
    method: d.method,
  };
}

export function fromDone(d: OutboxDoneDoc): DeliveryRecord {
  return {
    id: String(d._id),
    ...identityOf(d),
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: null,
    reason: d.reason ?? null,
    errorCode: d.errorCode ?? null,
    error: d.error ?? null,
    sentAt: d.sentAt ?? null,
    messageId: d.messageId ?? null,
    createdAt: d.createdAt,
    finishedAt: d.finishedAt,
  };
}

/** The state of a pending message, folded from its retry answers. */
export function pendingState(item: Pick<OutboxItemDoc, "notBefore">, retries: readonly OutboxRetryDoc[]): {
  attempts: number;
  failures: number;
  nextAttemptAt: Date;
  last: OutboxRetryDoc | undefined;
} {
  let last: OutboxRetryDoc | undefined;
  for (const r of retries) if (!last || r.n > last.n) last = r;
  return {
    attempts: last?.n ?? 0,
    failures: last?.failures ?? 0,
    nextAttemptAt: last ? new Date(Math.max(new Date(last.retryAt).getTime(), new Date(item.notBefore).getTime())) : new Date(item.notBefore),
    last,
  };
}

function fromPending(p: OutboxItemDoc, retries: readonly OutboxRetryDoc[]): DeliveryRecord {
  const state = pendingState(p, retries);
  return {
    id: String(p._id),
    ...identityOf(p),
    status: "pending",
    attempts: state.attempts,
    nextAttemptAt: state.nextAttemptAt,
    reason: null,
    errorCode: state.last?.errorCode ?? null,
    error: state.last?.error ?? null,
    sentAt: null,
    messageId: null,
    createdAt: p.createdAt,
    finishedAt: null,
  };
}
