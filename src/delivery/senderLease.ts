// One sender at a time across every copy of the bot on one database, so that all copies together stay within
// Telegram's limits (30 messages a second overall, 1 per chat): the copy holding the lease sends, through its own
// exact limiter (rateLimiter.ts); the others stand by and take over when it stops or dies.
//
// Why a lease and not a budget kept in MongoDB per send: the limit is global anyway (more senders send no faster),
// the limiter's sliding window stays exact (counted from Telegram's answers, which per-second slot documents could
// not do), and it costs one insert per term instead of two per message.
//
// Time is cut into terms of `termMs` (term k = [k·T, (k+1)·T)). A copy holds term k when its insert of
// `sender:<k>` (outbox_sender_terms) went in: the unique _id lets exactly one copy win, on MongoDB and FerretDB alike
// (a conditional update is not atomic on FerretDB). The holder of term k claims term k+1 halfway through k, so it
// keeps sending without a gap; a standby tries each term as it starts, and wins only if nobody claimed it ahead.
// Handover and takeover never overlap two senders within one rate window:
// - a holder that could not claim the next term stops granting `handoverMs` before its term ends;
// - a copy that takes a term it did not hold before sends nothing for `quietMs` (one rate window) after taking it;
// - a graceful stop releases (deletes) the copy's terms only after its calls in flight have answered, so a new copy
//   may take the current term at once, and its quiet window covers the last of those answers.
// A holder that dies keeps its terms until they run out: the longest gap is about 1.5 terms plus the quiet window.
// Copies' clocks must agree to well within handoverMs (NTP does). The worker calls start() and stop().
import { trusted } from "mongoose";
import { insertedNew } from "../db/duplicateKey.js";
import type { Models } from "../db/models/index.js";
import type { Logger } from "../logger.js";
import type { Clock } from "./clock.js";

export interface SenderLeaseOptions {
  /** Length of one term (default 5,000 ms). */
  termMs?: number;
  /** Stop granting this long before the end of a term when the next one is not ours (default 1,000 ms). */
  handoverMs?: number;
  /** After taking a term the previous of which was not ours: send nothing for this long (default 1,000 ms). */
  quietMs?: number;
  /** Wait after a failed database call before trying again (default 1,000 ms). */
  retryMs?: number;
}

export interface SenderLeaseDeps extends SenderLeaseOptions {
  models: Pick<Models, "OutboxSenderTerm">;
  clock: Clock;
  /** Who holds a term (the worker's id). */
  owner: string;
  log: Logger;
}

export interface SenderLease {
  readonly owner: string;
  start(): void;
  /** Stops claiming and releases the terms held: call it once this copy's calls in flight have answered. */
  stop(): Promise<void>;
  /** Whether this copy holds the current term (it may still be in its quiet window). */
  holding(): boolean;
  /** Milliseconds until this copy may send: 0 = now. */
  waitMs(): number;
  /** Called when this copy takes a term (so a waiting worker looks at once). Returns a function that stops it. */
  onAcquired(listener: () => void): () => void;
}

const DEFAULTS = { termMs: 5000, handoverMs: 1000, quietMs: 1000, retryMs: 1000 };

export const senderTermId = (term: number) => `sender:${term}`;

export function createSenderLease(deps: SenderLeaseDeps): SenderLease {
  const { OutboxSenderTerm } = deps.models;
  const { clock, owner, log } = deps;
  const termMs = deps.termMs ?? DEFAULTS.termMs;
  const handoverMs = deps.handoverMs ?? DEFAULTS.handoverMs;
  const quietMs = deps.quietMs ?? DEFAULTS.quietMs;
  const retryMs = deps.retryMs ?? DEFAULTS.retryMs;
  if (!(termMs > 2 * handoverMs && handoverMs >= 0 && quietMs >= 0)) {
    throw new Error(`Invalid sender lease: termMs ${termMs} must exceed twice handoverMs ${handoverMs}`);
  }

  const now = () => clock.now().getTime();
  const termOf = (t: number) => Math.floor(t / termMs);
  const startOf = (term: number) => term * termMs;

  /** Terms this copy holds, and terms it knows another copy holds. */
  const held = new Set<number>();
  const taken = new Set<number>();
  /** No sending before this (the quiet window after a takeover). */
  let openAt = 0;
  let failedAt = -Infinity;
  let stopped = true;
  let loopDone: Promise<void> | null = null;
  let wake: AbortController | null = null;
  let listeners: (() => void)[] = [];

  async function claim(term: number): Promise<void> {
    const at = now();
    if (!(await insertedNew(() => OutboxSenderTerm.create({ _id: senderTermId(term), term, owner, at: new Date(at) })))) {
      taken.add(term);
      return;
    }
    held.add(term);
    if (!held.has(term - 1)) {
      openAt = Math.max(at, startOf(term)) + quietMs;
      log.info({ term, quietMs }, "took the sender lease: this copy sends");
      for (const l of listeners) l();
    }
    // The terms before the last few are of no use to anyone (FerretDB has no TTL indexes): a tiny collection.
    await OutboxSenderTerm.deleteMany({ term: trusted({ $lt: term - 2 }) }).catch((e: unknown) =>
      log.warn({ err: e }, "could not prune old sender terms"),
    );
  }

  /** One pass: claim what is due; returns when to look again. */
  async function step(): Promise<number> {
    const t = now();
    const k = termOf(t);
    for (const set of [held, taken]) for (const term of set) if (term < k - 1) set.delete(term);
    if (t - failedAt < retryMs) return failedAt + retryMs;
    try {
      if (!held.has(k) && !taken.has(k)) await claim(k);
      const half = startOf(k) + termMs / 2;
      if (held.has(k) && !held.has(k + 1) && !taken.has(k + 1) && t >= half) await claim(k + 1);
    } catch (err) {
      failedAt = now();
      log.warn({ err }, "could not claim a sender term; trying again");
      return failedAt + retryMs;
    }
    const half = startOf(k) + termMs / 2;
    if (held.has(k) && !held.has(k + 1) && !taken.has(k + 1) && t < half) return half;
    return startOf(k + 1);
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      const next = await step();
      if (stopped) break;
      const ctl = new AbortController();
      wake = ctl;
      await clock.sleep(Math.max(1, next - now()), ctl.signal);
      if (wake === ctl) wake = null;
    }
  }

  return {
    owner,
    start() {
      if (loopDone) return;
      stopped = false;
      loopDone = loop().catch((err: unknown) => log.error({ err }, "sender lease loop crashed"));
    },
    async stop() {
      if (!loopDone) return;
      stopped = true;
      wake?.abort();
      await loopDone;
      loopDone = null;
      const mine = [...held].filter((term) => term >= termOf(now()));
      held.clear();
      taken.clear();
      if (mine.length === 0) return;
      // Deleted only now, after the worker's last answer: whoever takes the term next keeps a quiet window after it.
      await OutboxSenderTerm.deleteMany({ _id: trusted({ $in: mine.map(senderTermId) }), owner }).catch((err: unknown) =>
        log.warn({ err }, "could not release the sender lease (it runs out by itself)"),
      );
      log.info("released the sender lease");
    },
    holding: () => !stopped && held.has(termOf(now())),
    waitMs() {
      const t = now();
      const k = termOf(t);
      if (stopped || !held.has(k)) return Math.max(1, startOf(k + 1) - t); // standing by: the next term may be ours
      if (t < openAt) return openAt - t;
      if (!held.has(k + 1) && t >= startOf(k + 1) - handoverMs) return Math.max(1, startOf(k + 1) - t);
      return 0;
    },
    onAcquired(listener) {
      listeners.push(listener);
      return () => {
        listeners = listeners.filter((l) => l !== listener);
      };
    },
  };
}
