// Enqueueing messages and reading what became of them. Enqueueing is idempotent by `key`: a key that is pending
// or already final is never queued again, so a job that runs twice or a replayed update sends nothing twice.
import { EventEmitter } from "node:events";
import { Types } from "mongoose";
import type { Models } from "../db/models/index.js";
import type { IfInterrupted } from "../db/models/outbox.js";
import { groupBy } from "../domain/groupBy.js";
import { fromDone, fromPending, type DeliveryRecord } from "./records.js";
import { createOutboxStore, type NewOutboxItem, type OutboxStore } from "./store.js";

export type { DeliveryRecord } from "./records.js";

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

/** `store` defaults to one of its own on `models`; pass one to share its insert batching. */
export function createOutboxService(models: Models, now: () => Date, store: OutboxStore = createOutboxStore(models)): OutboxService {
  const events = new EventEmitter();
  events.setMaxListeners(0);

  function toDoc(m: OutboxMessage, at: Date): NewOutboxItem {
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
      const unique = new Map<string, NewOutboxItem>();
      for (const m of list) if (!unique.has(m.key)) unique.set(m.key, toDoc(m, at));
      const inserted = await store.insertItems([...unique.values()]);
      // A key already final is in outbox_done, not in the pending collection's unique index: take such copies
      // out again. (Should a worker meet one first, its attempt claim collides with the old one's and it drops it.)
      let finalAlready = 0;
      if (inserted.length) {
        const final = await store.finalKeys(inserted.map((d) => d.key));
        if (final.size) {
          await store.deleteItems(inserted.filter((d) => final.has(d.key)).map((d) => String(d._id)));
          finalAlready = final.size;
        }
      }
      const enqueued = inserted.length - finalAlready;
      if (enqueued > 0) events.emit("enqueued");
      return { enqueued, duplicates: list.length - enqueued };
    },

    async get(key) {
      const done = await store.findDone(key);
      if (done) return fromDone(done);
      const item = await store.findItem(key);
      if (!item) return null;
      return fromPending(item, await store.retriesOfKey(key));
    },

    async listByRef(purpose, refIds) {
      const ids = typeof refIds === "string" ? [refIds] : [...refIds];
      if (ids.length === 0) return [];
      const [done, pending] = await Promise.all([store.doneByRef(purpose, ids), store.pendingByRef(purpose, ids)]);
      const doneKeys = new Set(done.map((d) => d.key));
      // A pending copy whose final record exists is waiting for the worker's batched clean-up.
      const stillPending = pending.filter((p) => !doneKeys.has(p.key));
      const retries = stillPending.length ? await store.retriesOfItems(stillPending.map((p) => String(p._id))) : [];
      const byItem = groupBy(retries, (r) => r.itemId);
      return [...done.map(fromDone), ...stillPending.map((p) => fromPending(p, byItem.get(String(p._id)) ?? []))];
    },

    async pendingCount(filter = {}) {
      const pending = await store.pendingKeys(filter);
      if (pending.length === 0) return 0;
      return pending.length - (await store.countFinal(pending));
    },

    onEnqueued(listener) {
      events.on("enqueued", listener);
      return () => events.off("enqueued", listener);
    },
  };
}
