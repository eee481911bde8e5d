// Limits attempts at something guessable (an invite token after /start) per person and across everyone, in fixed
// windows (domain/rateLimit.ts), shared by every copy of the bot through MongoDB without transactions:
// - An attempt holds a slot: the insert of "<window>:<n>" for the lowest free n (insert wins under the unique _id,
//   on MongoDB and FerretDB alike; a racer that loses tries the next free n). No free slot: refused.
// - The first refusal in a window is audited in full (its insert of "<window>:refused" wins); later ones only $inc
//   that document's count. closeWindows() (run by the scheduler) writes one summary line per closed window that saw
//   more than one refusal, then deletes the window's documents. So a flood of guesses writes a bounded number of
//   audit lines: per person and window, `max` refusals by the caller in full, one first refusal, one summary.
// On FerretDB 1.24 a $inc racing with another may be lost, so a summary's count is a lower bound under concurrency;
// the limit itself (slots) is exact.
import { trusted } from "mongoose";
import type { Models } from "../db/models/index.js";
import type { AttemptLimitDoc } from "../db/models/attemptLimit.js";
import { freeSlots, slotKeys, windowKey, windowOf, type AttemptWindow, type WindowLimit } from "../domain/rateLimit.js";
import type { AuditService } from "./auditService.js";
import { isDuplicateKey } from "./claims.js";

export type Acquired = { ok: true; /** Gives the slots back (the attempt succeeded and must not count). */ release(): Promise<void> };
export type Limited = { ok: false; scope: string; retryAt: Date };

export interface AttemptLimiter {
  /** Takes a slot in each limit in turn (per person first); the first limit without a free slot refuses. */
  acquire(subject: number, updateId?: number | null): Promise<Acquired | Limited>;
  /** Summarises the refusals of windows that have ended and deletes those windows' documents. */
  closeWindows(): Promise<{ summarised: number; deleted: number }>;
}

export interface AttemptLimiterDeps {
  models: Models;
  audit: AuditService;
  now: () => Date;
  /** Key prefix of the documents, e.g. "start". */
  action: string;
  /** The audit action of refusals, e.g. "invite.redeem". */
  auditAction: string;
  perPerson: WindowLimit;
  global: WindowLimit;
}

export function createAttemptLimiter(deps: AttemptLimiterDeps): AttemptLimiter {
  const { AttemptLimit } = deps.models;
  const { now, audit, action, auditAction } = deps;

  function base(limit: WindowLimit, subject: number | null, window: AttemptWindow, at: Date) {
    return { action, scope: limit.scope, subject, windowStart: window.start, windowEnd: window.end, at };
  }

  async function takeSlot(limit: WindowLimit, subject: number | null, window: AttemptWindow, at: Date): Promise<string | null> {
    const prefix = windowKey(action, limit, subject, window);
    const found = await AttemptLimit.find({ _id: trusted({ $in: slotKeys(prefix, limit.max) }) }, { _id: 1 }).lean<{ _id: string }[]>();
    for (const key of freeSlots(prefix, limit.max, new Set(found.map((d) => d._id)))) {
      try {
        await AttemptLimit.create({ _id: key, kind: "slot", ...base(limit, subject, window, at) });
        return key;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // Another attempt took this slot a moment ago: try the next free one.
      }
    }
    return null;
  }

  async function refuse(
    limit: WindowLimit,
    keySubject: number | null,
    actorId: number,
    window: AttemptWindow,
    at: Date,
    updateId: number | null,
  ): Promise<void> {
    const _id = `${windowKey(action, limit, keySubject, window)}:refused`;
    try {
      await AttemptLimit.create({ _id, kind: "refused", count: 1, ...base(limit, keySubject, window, at) });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      await AttemptLimit.updateOne({ _id }, { $inc: { count: 1 } });
      return;
    }
    await audit.record({
      actorId,
      action: auditAction,
      outcome: "denied",
      reason: "rate_limited",
      details: { limit: limit.scope, max: limit.max, windowStart: window.start, windowEnd: window.end },
      updateId,
    });
  }

  return {
    async acquire(subject, updateId = null) {
      const at = now();
      const held: string[] = [];
      for (const [limit, keySubject] of [
        [deps.perPerson, subject],
        [deps.global, null],
      ] as const) {
        const window = windowOf(at, limit.windowMs);
        const slot = await takeSlot(limit, keySubject, window, at);
        if (!slot) {
          // The slots already taken stay taken: a refused attempt still counts against the person.
          await refuse(limit, keySubject, subject, window, at, updateId);
          return { ok: false, scope: limit.scope, retryAt: window.end };
        }
        held.push(slot);
      }
      return {
        ok: true,
        async release() {
          await AttemptLimit.deleteMany({ _id: trusted({ $in: held }) });
        },
      };
    },

    async closeWindows() {
      const at = now();
      // A scan of a small collection (see db/models/attemptLimit.ts), on the windowEnd index on MongoDB.
      const closed = await AttemptLimit.find({ action, windowEnd: trusted({ $lte: at }) }).lean<AttemptLimitDoc[]>();
      let summarised = 0;
      for (const doc of closed) {
        if (doc.kind !== "refused" || (doc.count ?? 0) <= 1) continue;
        // Written before the delete below: a crash in between repeats a summary line rather than lose it.
        await audit.record({
          actorId: doc.subject,
          action: auditAction,
          outcome: "denied",
          reason: "rate_limited",
          details: { summary: true, limit: doc.scope, refused: doc.count, windowStart: doc.windowStart, windowEnd: doc.windowEnd },
        });
        summarised++;
      }
      if (closed.length === 0) return { summarised, deleted: 0 };
      const res = await AttemptLimit.deleteMany({ _id: trusted({ $in: closed.map((d) => d._id) }) });
      return { summarised, deleted: res.deletedCount };
    },
  };
}
