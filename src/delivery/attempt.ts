// The exactly-once attempt protocol: what one worker does with one message once the rate limiter has granted a
// permit. Attempt n of a message goes through:
//
//   claim     insert outbox_attempts `<key>#<n>` (store.ts): the unique _id decides which worker makes attempt n
//             (conditional updates are not atomic on FerretDB). The claim is written immediately before the call,
//             so a claim without an answer means "this worker may have called Telegram".
//   call      the Bot API, with a timeout
//   outcome   outcomes.ts: sent/blocked/failed → the final record; 429/5xx/a connection never made → a retry answer
//
// An answer lost on the way back (a timeout, a dropped connection or an abort after the request went out) is the
// same unknown as a crash during the call: Telegram may have sent the message, and it has no idempotency key. Both
// follow the message's ifInterrupted policy: "fail" (the default) records it as failed, reason "unknown" (no
// answer) or "interrupted" (a crash), never a second copy; "retry" sends again. Only answers that say Telegram did
// not send (429, 5xx) and connections never made are retried regardless.
//
// A claim that loses (someone else holds `<key>#<n>`) is resolved by reading what became of it: final already,
// answered (go on from that answer), in flight elsewhere (look again later), ours but never called (release it),
// or claimed long ago and never answered: its worker died during the call (interrupted, as above).
import { InputFile, type Api } from "grammy";
import type { Logger } from "../logger.js";
import type { Clock } from "./clock.js";
import { backoffMs, classifySendError, type BackoffOptions, type SendFailure } from "./errors.js";
import type { DeliveryCounters, Outcomes } from "./outcomes.js";
import { answered, type QueuedMessage } from "./queue.js";
import type { Permit } from "./rateLimiter.js";
import { attemptId, type OutboxStore } from "./store.js";

/** After an attempt: queue the message again (its dueAt says when), or let it go (final, or someone else's now). */
export type AfterAttempt = "requeue" | "let_go";

export interface AttemptOptions {
  /** A call without an answer after this long is abandoned: an unknown outcome. */
  callTimeoutMs: number;
  /** An attempt claimed this long ago without an answer belongs to a dead worker. */
  staleAfterMs: number;
  /** How soon to look again at a message another worker is sending. */
  recheckMs: number;
  /** Transient failures before giving up. */
  maxFailures: number;
  backoff: BackoffOptions;
  random: () => number;
}

export interface AttemptDeps extends AttemptOptions {
  store: OutboxStore;
  outcomes: Outcomes;
  api: Api;
  clock: Clock;
  /** Shows in outbox_attempts.owner: a claim of ours is recognised by it. */
  workerId: string;
  /** Takes the whole pipe's pause when Telegram answers 429. */
  pauseAll(ms: number): void;
  log: Logger;
  counters: DeliveryCounters;
}

export interface Attempts {
  /**
   * Makes the message's next attempt. `permit` is released as soon as Telegram has answered (or when no call is
   * made); `stopping` is asked between the claim and the call. Never throws: bookkeeping that failed even after
   * retries is logged, and the message left for the next poll to read again.
   */
  run(entry: QueuedMessage, permit: Permit, stopping: () => boolean): Promise<AfterAttempt>;
}

const INTERRUPTED_TEXT = "The sending worker stopped during the Telegram call: the message may or may not have arrived";

export function createAttempts(deps: AttemptDeps): Attempts {
  const { store, outcomes, api, clock, workerId, log, counters } = deps;
  const now = () => clock.now().getTime();
  /** Attempts this worker called Telegram for but could not record (the database failed): never "released". */
  const calledUnrecorded = new Set<string>();

  async function claim(entry: QueuedMessage, n: number): Promise<boolean> {
    const outcome = await store.insertAttempt({
      _id: attemptId(entry.doc.key, n),
      itemId: entry.id,
      key: entry.doc.key,
      n,
      owner: workerId,
      at: clock.now(),
    });
    return outcome === "inserted";
  }

  function call(entry: QueuedMessage): Promise<unknown> {
    const { doc } = entry;
    const params = JSON.parse(doc.params) as Record<string, unknown>;
    params.chat_id = doc.chatId;
    if (doc.upload) params[doc.upload.field] = new InputFile(bufferOf(doc.upload.data), doc.upload.filename);
    const raw = api.raw as unknown as Record<string, (p: unknown, signal?: AbortSignal) => Promise<unknown>>;
    return raw[doc.method]!(params, AbortSignal.timeout(deps.callTimeoutMs));
  }

  /** A retry answer that stood puts the message back in the queue; one that lost (answered elsewhere) lets it go. */
  const requeueIf = async (stood: Promise<boolean>): Promise<AfterAttempt> => ((await stood) ? "requeue" : "let_go");

  /** Attempt n was claimed by someone else (or by us before a failed write): find out what became of it. */
  async function resolveConflict(entry: QueuedMessage, n: number): Promise<AfterAttempt> {
    const key = entry.doc.key;
    if (await store.isFinal(key)) {
      outcomes.finishedElsewhere(entry);
      return "let_go";
    }
    const answer = await store.findRetry(attemptId(key, n));
    if (answer) {
      answered(entry, n, answer.failures, new Date(answer.retryAt).getTime());
      return "requeue";
    }
    const claimDoc = await store.findAttempt(attemptId(key, n));
    const t = now();
    if (claimDoc?.owner === workerId && !calledUnrecorded.has(attemptId(key, n))) {
      // Ours, and we never called Telegram for it (a claim whose insert reported an error, or a stop in between).
      return requeueIf(outcomes.retry(entry, n, { cause: "released", failures: entry.failures, retryAt: t }));
    }
    const claimedAt = claimDoc ? new Date(claimDoc.at).getTime() : t;
    if (t - claimedAt < deps.staleAfterMs) {
      // Another worker is sending it right now: look again later.
      entry.dueAt = t + Math.min(deps.recheckMs, claimedAt + deps.staleAfterMs - t);
      return "requeue";
    }
    // Claimed long ago and never answered: its worker died during the call. Nobody can know if it arrived.
    counters.interrupted++;
    if (entry.doc.ifInterrupted === "retry") {
      log.warn({ key, attempt: n }, "attempt interrupted by a crash; sending again (ifInterrupted=retry)");
      return requeueIf(outcomes.retry(entry, n, { cause: "interrupted", failures: entry.failures, retryAt: t, error: INTERRUPTED_TEXT }));
    }
    log.warn({ key, attempt: n }, "attempt interrupted by a crash; recorded as failed (ifInterrupted=fail)");
    await outcomes.finish(entry, n, { status: "failed", reason: "interrupted", errorCode: null, error: INTERRUPTED_TEXT });
    return "let_go";
  }

  async function onFailure(entry: QueuedMessage, n: number, f: SendFailure): Promise<AfterAttempt> {
    switch (f.kind) {
      case "rate_limited":
        // Telegram asked us to wait: nothing at all goes out until then, and this message goes first after.
        deps.pauseAll(f.retryAfterMs);
        counters.rateLimited++;
        log.warn({ key: entry.doc.key, retryAfterMs: f.retryAfterMs }, "429 from Telegram: pausing all sending");
        return requeueIf(
          outcomes.retry(entry, n, {
            cause: "rate_limited",
            failures: entry.failures,
            retryAt: now() + f.retryAfterMs,
            errorCode: f.code,
            error: f.description,
          }),
        );
      case "blocked":
        await outcomes.finish(entry, n, { status: "blocked", reason: "blocked", errorCode: f.code, error: f.description });
        return "let_go";
      case "permanent":
        await outcomes.finish(entry, n, { status: "failed", reason: "rejected", errorCode: f.code, error: f.description });
        return "let_go";
      case "ambiguous":
        counters.unknown++;
        if (entry.doc.ifInterrupted !== "retry") {
          log.warn({ key: entry.doc.key, attempt: n, error: f.description }, "no answer from Telegram; recorded as failed (unknown), not sent again");
          await outcomes.finish(entry, n, { status: "failed", reason: "unknown", errorCode: null, error: f.description });
          return "let_go";
        }
        log.warn({ key: entry.doc.key, attempt: n, error: f.description }, "no answer from Telegram; sending again (ifInterrupted=retry)");
        return retryTransient(entry, n, f);
      case "transient":
        return retryTransient(entry, n, f);
    }
  }

  async function retryTransient(entry: QueuedMessage, n: number, f: { code: number | null; description: string }): Promise<AfterAttempt> {
    const failures = entry.failures + 1;
    if (failures >= deps.maxFailures) {
      await outcomes.finish(entry, n, { status: "failed", reason: "gave_up", errorCode: f.code, error: f.description });
      return "let_go";
    }
    return requeueIf(
      outcomes.retry(entry, n, {
        cause: "transient",
        failures,
        retryAt: now() + backoffMs(failures, deps.backoff, deps.random),
        errorCode: f.code,
        error: f.description,
      }),
    );
  }

  return {
    async run(entry, permit, stopping) {
      const n = entry.attempts + 1;
      let called = false;
      try {
        if (!(await claim(entry, n))) {
          permit.release();
          return await resolveConflict(entry, n);
        }
        if (stopping()) {
          // Claimed but not called: say so, so that the next worker goes on at once instead of waiting for staleness.
          permit.release();
          return await requeueIf(outcomes.retry(entry, n, { cause: "released", failures: entry.failures, retryAt: now() }));
        }
        let result: unknown;
        let failure: SendFailure | undefined;
        called = true;
        try {
          result = await call(entry);
        } catch (err) {
          failure = classifySendError(err);
        } finally {
          permit.release();
        }
        if (failure) return await onFailure(entry, n, failure);
        await outcomes.finish(entry, n, { status: "sent", result });
        return "let_go";
      } catch (err) {
        permit.release();
        // Bookkeeping failed even after retries. The message leaves memory; the next poll re-reads its state. An
        // attempt that reached Telegram stays unanswered and is treated as interrupted once stale (resolveConflict);
        // one that never did is released.
        if (called) calledUnrecorded.add(attemptId(entry.doc.key, n));
        log.error({ err, key: entry.doc.key, called }, "delivery bookkeeping failed");
        return "let_go";
      }
    },
  };
}

/** Lean reads return BSON Binary for Buffer fields. */
function bufferOf(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Uint8Array) return Buffer.from(data);
  const binary = data as { buffer?: Uint8Array; value?: () => Uint8Array };
  if (binary?.buffer instanceof Uint8Array) return Buffer.from(binary.buffer);
  if (typeof binary?.value === "function") return Buffer.from(binary.value());
  throw new Error("Unreadable upload data in the outbox");
}
