// The delivery outbox (see src/delivery/). One message to send = one document, made exactly-once by its unique
// idempotency `key`. Storage is insert-only on the hot path, because on FerretDB 1.24 (our test and laptop
// database) every update or delete, even by _id, scans the whole collection (measured: ~19 ms per update at 5,000
// documents, ~70 ms at 20,000) while an insert costs about a millisecond. So each state change is an insert:
//
//   outbox           the messages still to send (status "pending"); removed in batches once final
//   outbox_attempts  one per send attempt, inserted BEFORE calling Telegram: the claim (its unique _id decides
//                    which worker may make attempt n; conditional updates are not atomic on FerretDB)
//   outbox_retries   a non-final answer to attempt n (429, 5xx, no answer): when to try again
//   outbox_done      the final record of each message: sent (with message_id), failed (with the reason) or blocked
//   outbox_sender_terms  which copy of the bot may send in each term of a few seconds (delivery/senderLease.ts):
//                    one insert per term under `sender:<term>`, so that several copies share Telegram's limits
//
// On MongoDB the same layout is equally cheap, and every query below is served by an index.
import { Schema, type Types } from "mongoose";

export const DELIVERY_STATUSES = ["pending", "sent", "failed", "blocked"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export type FinalStatus = Exclude<DeliveryStatus, "pending">;

/** What to do with an attempt whose outcome is unknown: its worker died during the call, or the answer was lost. */
export type IfInterrupted = "fail" | "retry";

export interface OutboxUpload {
  /** The Bot API parameter that carries the file: "photo" or "document". */
  field: string;
  data: Buffer;
  filename: string;
}

/** What identifies a message and whom it is for: the same in its pending, final and reported forms. */
export interface OutboxIdentity {
  key: string;
  purpose: string;
  refId: string | null;
  /** A reporting bucket (e.g. the recipient's cluster). */
  group: string | null;
  chatId: number;
  personId: number | null;
  method: string;
}

export interface OutboxItemDoc extends OutboxIdentity {
  _id: Types.ObjectId;
  /** The Bot API parameters except chat_id, as JSON text (inline keyboards are nested arrays: FerretDB cannot store them). */
  params: string;
  upload?: OutboxUpload | null;
  priority: number;
  /** Earliest first attempt. Later attempts are scheduled by outbox_retries. */
  notBefore: Date;
  ifInterrupted: IfInterrupted;
  status: "pending";
  createdAt: Date;
}

export interface OutboxAttemptDoc {
  _id: string; // `${key}#${n}`
  itemId: string;
  key: string;
  n: number;
  owner: string;
  at: Date;
}

export type RetryCause = "rate_limited" | "transient" | "released" | "interrupted";

export interface OutboxRetryDoc {
  _id: string; // `${key}#${n}`: attempt n's answer, written once
  itemId: string;
  key: string;
  n: number;
  cause: RetryCause;
  /** Transient failures so far (429s and released attempts do not count towards giving up). */
  failures: number;
  retryAt: Date;
  errorCode: number | null;
  error: string | null;
  at: Date;
}

/** Without the message itself: final records are scanned for counts, and should stay small. */
export interface OutboxDoneDoc extends OutboxIdentity {
  _id: Types.ObjectId; // the outbox item's _id
  status: FinalStatus;
  /** Send attempts made (429 answers included). */
  attempts: number;
  /**
   * Why it failed, for people: "blocked", "rejected", "gave_up", "interrupted" (a worker died during the call) or
   * "unknown" (the call got no answer, e.g. a timeout: it may have arrived).
   */
  reason: string | null;
  errorCode: number | null;
  error: string | null;
  sentAt: Date | null;
  messageId: number | null;
  createdAt: Date;
  finishedAt: Date;
}

const uploadSchema = new Schema<OutboxUpload>(
  { field: { type: String, required: true }, data: { type: Buffer, required: true }, filename: { type: String, required: true } },
  { _id: false },
);

/** The schema of OutboxIdentity, shared by pending and final records (each key once per collection). */
const identityFields = {
  key: { type: String, required: true, unique: true },
  purpose: { type: String, required: true },
  refId: { type: String, default: null },
  group: { type: String, default: null },
  chatId: { type: Number, required: true },
  personId: { type: Number, default: null },
  method: { type: String, required: true },
} as const;

export const outboxItemSchema = new Schema<OutboxItemDoc>({
  ...identityFields,
  params: { type: String, required: true },
  upload: { type: uploadSchema, default: null },
  priority: { type: Number, default: 0 },
  notBefore: { type: Date, required: true },
  ifInterrupted: { type: String, enum: ["fail", "retry"], default: "fail" },
  status: { type: String, enum: ["pending"], default: "pending" },
  createdAt: { type: Date, required: true },
});
// The worker's poll: due items, most urgent first.
outboxItemSchema.index({ status: 1, priority: -1, notBefore: 1 });
outboxItemSchema.index({ purpose: 1, refId: 1 });

export const outboxAttemptSchema = new Schema<OutboxAttemptDoc>({
  _id: { type: String, required: true },
  itemId: { type: String, required: true },
  key: { type: String, required: true },
  n: { type: Number, required: true },
  owner: { type: String, required: true },
  at: { type: Date, required: true },
});

export const outboxRetrySchema = new Schema<OutboxRetryDoc>({
  _id: { type: String, required: true },
  itemId: { type: String, required: true },
  key: { type: String, required: true },
  n: { type: Number, required: true },
  cause: { type: String, required: true },
  failures: { type: Number, required: true },
  retryAt: { type: Date, required: true },
  errorCode: { type: Number, default: null },
  error: { type: String, default: null },
  at: { type: Date, required: true },
});
outboxRetrySchema.index({ itemId: 1, n: 1 });
outboxRetrySchema.index({ key: 1 });

export const outboxDoneSchema = new Schema<OutboxDoneDoc>({
  ...identityFields,
  status: { type: String, required: true, enum: ["sent", "failed", "blocked"] },
  attempts: { type: Number, required: true },
  reason: { type: String, default: null },
  errorCode: { type: Number, default: null },
  error: { type: String, default: null },
  sentAt: { type: Date, default: null },
  messageId: { type: Number, default: null },
  createdAt: { type: Date, required: true },
  finishedAt: { type: Date, required: true },
});
outboxDoneSchema.index({ purpose: 1, refId: 1 });
outboxDoneSchema.index({ finishedAt: -1 });

/** One term of the sender lease (delivery/senderLease.ts): the copy whose insert went in sends during it. */
export interface OutboxSenderTermDoc {
  _id: string; // `sender:<term>`, term = floor(epoch ms / term length)
  term: number;
  owner: string;
  at: Date;
}

export const outboxSenderTermSchema = new Schema<OutboxSenderTermDoc>({
  _id: { type: String, required: true },
  term: { type: Number, required: true },
  owner: { type: String, required: true },
  at: { type: Date, required: true },
});
// Pruning deletes the terms before the last few.
outboxSenderTermSchema.index({ term: 1 });
