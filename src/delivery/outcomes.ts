// What an attempt's answer becomes in the database. Each outcome is one insert whose unique _id makes the first
// writer win, so two workers that both decide (one sent it, the other judged it interrupted) keep one record:
//
//   final      sent / blocked / failed → outbox_done (unique key), then the delivery.* audit line, then (403) the
//              person marked as having blocked the bot, then the hooks; the pending copy goes to clean-up
//   not final  429 / 5xx / a connection never made / a released claim → outbox_retries `<key>#<n>`: when to try again
//
// Writes after a Telegram call must not be lost to a database blip: they are retried with backoff (persist).
import type { FinalStatus, OutboxDoneDoc, OutboxRetryDoc, RetryCause } from "../db/models/outbox.js";
import type { Logger } from "../logger.js";
import type { Clock } from "./clock.js";
import type { Cleanup } from "./cleanup.js";
import type { DeliveryHookContext, DeliveryHooks } from "./hooks.js";
import type { BlockedPeople } from "./ports.js";
import { answered, type QueuedMessage } from "./queue.js";
import { fromDone, identityOf } from "./records.js";
import { attemptId, type OutboxStore } from "./store.js";

/** What the worker counts (WorkerStats adds what is in hand). */
export interface DeliveryCounters {
  sent: number;
  failed: number;
  blocked: number;
  retried: number;
  rateLimited: number;
  interrupted: number;
  /** Calls that got no answer after the request may have reached Telegram (timeouts, dropped connections). */
  unknown: number;
}

export function newCounters(): DeliveryCounters {
  return { sent: 0, failed: 0, blocked: 0, retried: 0, rateLimited: 0, interrupted: 0, unknown: 0 };
}

export type FinalOutcome =
  | { status: "sent"; result: unknown }
  | { status: Exclude<FinalStatus, "sent">; reason: string; errorCode: number | null; error: string | null };

export interface RetryAnswer {
  cause: RetryCause;
  /** Transient failures so far, this one included. */
  failures: number;
  /** Epoch ms. */
  retryAt: number;
  errorCode?: number | null;
  error?: string | null;
}

export interface Outcomes {
  /** Records attempt n as the message's end. Afterwards the message is out of the worker's hands. */
  finish(entry: QueuedMessage, n: number, outcome: FinalOutcome): Promise<void>;
  /**
   * Records attempt n's "try again". True when this answer stood (the entry then says when to try again); false
   * when someone else answered attempt n first (the next poll reads what they decided).
   */
  retry(entry: QueuedMessage, n: number, answer: RetryAnswer): Promise<boolean>;
  /** The message turned out final already (another worker's record): only its clean-up is left. */
  finishedElsewhere(entry: QueuedMessage): void;
}

export interface OutcomesDeps {
  store: OutboxStore;
  cleanup: Cleanup;
  people: BlockedPeople;
  hooks: readonly DeliveryHooks[];
  hookCtx: DeliveryHookContext;
  clock: Clock;
  log: Logger;
  counters: DeliveryCounters;
}

const PERSIST_TRIES = 6;

export function createOutcomes(deps: OutcomesDeps): Outcomes {
  const { store, cleanup, hooks, hookCtx, clock, log, counters } = deps;

  /** Database writes after a call must not be lost to a blip: retry them with backoff. */
  async function persist<T>(write: () => Promise<T>): Promise<T> {
    for (let i = 1; ; i++) {
      try {
        return await write();
      } catch (err) {
        if (i >= PERSIST_TRIES) throw err;
        log.warn({ err, try: i }, "delivery write failed; retrying");
        await clock.sleep(250 * 2 ** i);
      }
    }
  }

  return {
    async finish(entry, n, outcome) {
      const { doc } = entry;
      const at = clock.now();
      const messageId = outcome.status === "sent" ? messageIdOf(outcome.result) : null;
      const done: OutboxDoneDoc = {
        _id: doc._id,
        ...identityOf(doc),
        status: outcome.status,
        attempts: n,
        reason: outcome.status === "sent" ? null : outcome.reason,
        errorCode: outcome.status === "sent" ? null : outcome.errorCode,
        error: outcome.status === "sent" ? null : outcome.error,
        sentAt: outcome.status === "sent" ? at : null,
        messageId,
        createdAt: doc.createdAt,
        finishedAt: at,
      };
      const inserted = (await persist(() => store.insertDone(done))) === "inserted";
      // Final either way (ours or the other worker's record): the pending copy can go.
      cleanup.add(entry.id, doc.key, n > 1);
      if (!inserted) {
        // Another worker recorded this message's end first (it decided a crash had interrupted us).
        log.warn({ key: doc.key, status: outcome.status }, "message already final; keeping the first record");
        return;
      }
      if (outcome.status === "sent") counters.sent++;
      else if (outcome.status === "blocked") counters.blocked++;
      else counters.failed++;
      const record = fromDone(done);
      await persist(() =>
        store.insertAudit({
          at,
          actorId: null,
          action: `delivery.${outcome.status === "failed" && outcome.reason === "interrupted" ? "interrupted" : outcome.status}`,
          outcome: outcome.status === "sent" ? "ok" : "failed",
          reason: record.reason,
          details: {
            key: doc.key,
            purpose: doc.purpose,
            refId: doc.refId ?? null,
            personId: doc.personId ?? null,
            chatId: doc.chatId,
            attempts: n,
            messageId,
            errorCode: record.errorCode,
            error: record.error,
          },
        }),
      );
      if (outcome.status === "blocked") {
        // /team shows who blocked the bot, so their appointer can reach them another way.
        await persist(() => deps.people.markBlocked(doc.personId ?? doc.chatId));
      }
      for (const h of hooks) {
        if (h.purposes && !h.purposes.includes(doc.purpose)) continue;
        const fn = record.status === "sent" ? h.onSent : h.onFinalFailure;
        if (!fn) continue;
        try {
          await fn.call(h, record, hookCtx);
        } catch (err) {
          log.warn({ err, key: doc.key }, "delivery hook failed");
        }
      }
    },

    async retry(entry, n, answer) {
      const doc: OutboxRetryDoc = {
        _id: attemptId(entry.doc.key, n),
        itemId: entry.id,
        key: entry.doc.key,
        n,
        cause: answer.cause,
        failures: answer.failures,
        retryAt: new Date(answer.retryAt),
        errorCode: answer.errorCode ?? null,
        error: answer.error ?? null,
        at: clock.now(),
      };
      const inserted = (await persist(() => store.insertRetry(doc))) === "inserted";
      if (!inserted) return false;
      if (answer.cause !== "released") counters.retried++;
      answered(entry, n, answer.failures, answer.retryAt);
      return true;
    },

    finishedElsewhere(entry) {
      // It may have had retry answers: delete those too.
      cleanup.add(entry.id, entry.doc.key, true);
    },
  };
}

function messageIdOf(result: unknown): number | null {
  if (typeof result === "object" && result !== null && "message_id" in result) {
    const id = Number((result as { message_id: unknown }).message_id);
    return Number.isFinite(id) ? id : null;
  }
  return null;
}
