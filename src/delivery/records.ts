// What a message looks like to whoever asks about it (services, hooks, reports): pending with its attempts so far,
// or its final record. Pure conversions from the stored documents; the queries are in store.ts.
import type { DeliveryStatus, OutboxDoneDoc, OutboxIdentity, OutboxItemDoc, OutboxRetryDoc } from "../db/models/outbox.js";

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

/** The state of a pending message, folded from its retry answers (one per answered attempt, never updated). */
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

export function fromPending(p: OutboxItemDoc, retries: readonly OutboxRetryDoc[]): DeliveryRecord {
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
