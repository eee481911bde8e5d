// The delivery worker: sends what the outbox holds, within Telegram's limits, exactly once per message as far as
// Telegram allows. This file is only the loop; each step has its own module:
//
//   queue.ts     which due messages this worker holds, and when to read more from the outbox
//   permit       the rate limiter (rateLimiter.ts) grants a slot: ≈30/s overall, ≈1/s per chat; a 429 pauses all
//   lease        with several copies on one database, only the holder of the sender lease sends (senderLease.ts)
//   attempt.ts   the exactly-once protocol for one attempt: claim → call → outcome (or resolve a lost claim)
//   outcomes.ts  the final record, the audit line and the hooks; or the retry answer
//   cleanup.ts   deleting, in batches, the pending copies of messages that became final
//   store.ts     every query of the above
//
// Crash safety. A claim is written immediately before the call, so a claim without an answer means "this worker
// may have called Telegram". After a crash a new worker finds such an attempt once it is older than staleAfterMs
// (far longer than any call may take) and applies the message's ifInterrupted policy: "fail" (the default:
// failed with reason "interrupted", never a second copy) or "retry". Telegram has no idempotency key, so no
// choice is both gap-free and duplicate-free for the few messages in flight at the moment of a crash (at most
// maxInFlight); everything else carries on exactly once. A graceful stop() finishes the calls in flight and
// records their answers, so after it nothing is in an unknown state.
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { Api } from "grammy";
import type { Models } from "../db/models/index.js";
import type { Logger } from "../logger.js";
import { createAttempts } from "./attempt.js";
import type { BackoffOptions } from "./errors.js";
import { createCleanup } from "./cleanup.js";
import { realClock, type Clock } from "./clock.js";
import type { DeliveryHookContext, DeliveryHooks } from "./hooks.js";
import { createOutcomes, newCounters, type DeliveryCounters } from "./outcomes.js";
import type { BlockedPeople, EnqueueSignal } from "./ports.js";
import { createQueue } from "./queue.js";
import { createRateLimiter, gateLimiter, type Permit, type RateLimiter, type RateLimits } from "./rateLimiter.js";
import { createSenderLease, type SenderLease, type SenderLeaseOptions } from "./senderLease.js";
import { createOutboxStore } from "./store.js";

export type { DeliveryHookContext, DeliveryHooks } from "./hooks.js";

export interface DeliveryWorkerOptions {
  /** Shows in outbox_attempts.owner; default host:pid:random. */
  workerId?: string;
  limits?: RateLimits;
  /** Calls in flight at once (default 30). */
  maxInFlight?: number;
  /** Messages read per poll (default 500). */
  batchSize?: number;
  /** How often to look for due messages when nothing woke the worker (default 1,000 ms). */
  pollIntervalMs?: number;
  /** A call without an answer after this long is abandoned: an unknown outcome, see ifInterrupted (default 30,000 ms). */
  callTimeoutMs?: number;
  /** An attempt claimed this long ago without an answer belongs to a dead worker (default 120,000 ms). */
  staleAfterMs?: number;
  /** How soon to look again at a message another worker is sending (default 5,000 ms). */
  recheckMs?: number;
  /** Transient failures before giving up (default 8). */
  maxFailures?: number;
  backoff?: BackoffOptions;
  random?: () => number;
  /**
   * Sends nothing for this long after start (default: one rate window, 1,000 ms). A worker that stopped or crashed
   * just before may have had calls answered up to the moment this one starts; waiting one window keeps the two
   * together within Telegram's limits, as this worker's limiter cannot know about them.
   */
  startQuietMs?: number;
  /**
   * Send only while holding the sender lease (senderLease.ts), so that several copies of the bot on one database
   * share Telegram's limits: one sends, the others stand by (and do not read the outbox) until it stops or dies.
   * Off by default (one worker, or several sharing one limiter in one process); the app always turns it on.
   */
  lease?: SenderLeaseOptions;
}

export interface DeliveryWorkerDeps extends DeliveryWorkerOptions {
  models: Models;
  /** The Bot API. Do not install grammY's auto-retry on it: the worker handles 429s itself. */
  api: Api;
  /** Ports (ports.ts): the outbox service's enqueue signal, and marking people who blocked the bot. */
  services: { outbox: EnqueueSignal; people: BlockedPeople };
  logger: Logger;
  clock?: Clock;
  /** Share one limiter between workers of one process (default: a new one with `limits`). */
  limiter?: RateLimiter;
  hooks?: readonly DeliveryHooks[];
}

export interface WorkerStats extends DeliveryCounters {
  inFlight: number;
  buffered: number;
}

export interface DeliveryWorker {
  readonly id: string;
  readonly limiter: RateLimiter;
  start(): void;
  /** Stops taking new messages, waits for the calls in flight and records their answers. */
  stop(): Promise<void>;
  /** Resolves when nothing is in flight or due (messages waiting for a later retry may remain). */
  whenIdle(): Promise<void>;
  stats(): WorkerStats;
}

const DEFAULTS = {
  maxInFlight: 30,
  batchSize: 500,
  pollIntervalMs: 1000,
  callTimeoutMs: 30_000,
  staleAfterMs: 120_000,
  recheckMs: 5000,
  maxFailures: 8,
  backoff: { baseMs: 2000, maxMs: 10 * 60_000 },
};

/** A chat id no message uses: limiter.waitMs(GLOBAL_PROBE) is the wait imposed by the overall budget alone. */
const GLOBAL_PROBE = "\u0000global";

export function createDeliveryWorker(deps: DeliveryWorkerDeps): DeliveryWorker {
  const { api, logger } = deps;
  const clock = deps.clock ?? realClock;
  const opts = {
    maxInFlight: deps.maxInFlight ?? DEFAULTS.maxInFlight,
    batchSize: deps.batchSize ?? DEFAULTS.batchSize,
    pollIntervalMs: deps.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
    startQuietMs: deps.startQuietMs ?? Math.max(deps.limits?.global.windowMs ?? 1000, deps.limits?.perChat.windowMs ?? 1000),
  };
  const id = deps.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const hooks = deps.hooks ?? [];
  const log = logger.child({ worker: id });
  const lease: SenderLease | null = deps.lease ? createSenderLease({ ...deps.lease, models: deps.models, clock, owner: id, log }) : null;
  const ownLimiter = deps.limiter ?? createRateLimiter(clock, deps.limits);
  // Without the lease, nothing at all: the worker's sends and the hooks' calls alike.
  const limiter = lease ? gateLimiter(ownLimiter, () => lease.waitMs(), clock) : ownLimiter;
  const now = () => clock.now().getTime();

  const store = createOutboxStore(deps.models);
  const counters = newCounters();
  const queue = createQueue({ store, clock, ...opts });
  const cleanup = createCleanup({ store, clock, log });
  const hookCtx: DeliveryHookContext = { api, withPermit, clock, logger };
  const outcomes = createOutcomes({ store, cleanup, people: deps.services.people, hooks, hookCtx, clock, log, counters });
  const attempts = createAttempts({
    store,
    outcomes,
    api,
    clock,
    workerId: id,
    pauseAll: (ms) => limiter.pauseFor(ms),
    log,
    counters,
    callTimeoutMs: deps.callTimeoutMs ?? DEFAULTS.callTimeoutMs,
    staleAfterMs: deps.staleAfterMs ?? DEFAULTS.staleAfterMs,
    recheckMs: deps.recheckMs ?? DEFAULTS.recheckMs,
    maxFailures: deps.maxFailures ?? DEFAULTS.maxFailures,
    backoff: deps.backoff ?? DEFAULTS.backoff,
    random: deps.random ?? Math.random,
  });

  /** Attempts in hand, by outbox item id. */
  const active = new Map<string, Promise<void>>();
  /** Calls between their permit and Telegram's answer (the worker's sends and the hooks' extra calls). */
  let calling = 0;
  let wasIdle = true;
  let loopDone: Promise<void> | null = null;
  let stopping = false;
  let kicked = false;
  let wakeCtl: AbortController | null = null;
  let idleWaiters: (() => void)[] = [];
  let unsubscribe: (() => void)[] = [];

  function kick(): void {
    kicked = true;
    wakeCtl?.abort();
  }

  /** Sleeps on the clock, or (ms = Infinity) until kicked. */
  async function pause(ms: number): Promise<void> {
    const ctl = new AbortController();
    wakeCtl = ctl;
    try {
      if (ms === Infinity) {
        await new Promise<void>((resolve) => ctl.signal.addEventListener("abort", () => resolve(), { once: true }));
      } else {
        await clock.sleep(Math.max(1, ms), ctl.signal);
      }
    } finally {
      if (wakeCtl === ctl) wakeCtl = null;
    }
  }

  /**
   * A granted permit, counted as a call in flight until released; its release wakes the loop (a slot frees one
   * window later, and the loop must not sleep past that waiting for a timer it never set).
   */
  function counted(permit: Permit): Permit {
    calling++;
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        calling--;
        permit.release();
        kick();
      },
    };
  }

  async function withPermit<T>(chatId: number, call: () => Promise<T>): Promise<T> {
    const granted = await limiter.acquire(chatId);
    if (!granted) throw new Error("no rate-limiter permit"); // only an aborted acquire returns none; we pass no signal
    const permit = counted(granted);
    try {
      return await call();
    } finally {
      permit.release();
    }
  }

  function launchReady(): void {
    const t = now();
    if (limiter.waitMs(GLOBAL_PROBE) > 0) return;
    for (const entry of queue.due(t)) {
      if (stopping || active.size >= opts.maxInFlight) return;
      const permit = limiter.tryAcquire(entry.doc.chatId);
      if (!permit) {
        if (limiter.waitMs(GLOBAL_PROBE) > 0) return; // the overall budget is spent
        continue; // only this chat must wait
      }
      queue.remove(entry.id);
      // One callback leaves the active set and (maybe) re-enters the queue, so the loop never sees the message in both.
      const settle = (requeue: boolean) => {
        active.delete(entry.id);
        if (requeue) queue.put(entry);
        kick();
      };
      const task = attempts.run(entry, counted(permit), () => stopping).then(
        (next) => settle(next === "requeue"),
        (err: unknown) => {
          log.error({ err, key: entry.doc.key }, "delivery attempt failed unexpectedly");
          settle(false);
        },
      );
      active.set(entry.id, task);
    }
  }

  /**
   * How long the loop may sleep before something needs doing; Infinity = until kicked. Every answer from Telegram
   * and every finished task kicks the loop, so while calls are on their way no timer is set just for polling: a
   * virtual clock would otherwise run ahead of the calls (and a real one gains nothing from waking early).
   */
  function nextWakeMs(): number {
    const t = now();
    let work = Infinity;
    if (active.size < opts.maxInFlight) {
      for (const e of queue.values()) {
        const w = e.dueAt > t ? e.dueAt - t : limiter.waitMs(e.doc.chatId);
        if (w < work) work = w; // Infinity (a window held by a call in flight) never wins: its answer kicks us
      }
    }
    // A standby polls nothing: it looks again when the next term may be its own (or when it takes one: a kick).
    const pollAt = lease && !lease.holding() ? t + lease.waitMs() : queue.pollDueAt(t);
    const housekeeping = Math.max(0, Math.min(pollAt, cleanup.dueAt(stopping)) - t);
    const wake = calling > 0 ? work : Math.min(work, housekeeping);
    return wake === Infinity ? Infinity : Math.max(1, Math.min(wake, opts.pollIntervalMs));
  }

  function checkIdle(): void {
    const idle = active.size === 0 && !queue.pollRequested && queue.dueCount(now()) === 0;
    if (idle && !wasIdle) {
      for (const h of hooks) {
        if (!h.onIdle) continue;
        Promise.resolve()
          .then(() => h.onIdle!(hookCtx))
          .catch((err: unknown) => log.warn({ err }, "delivery onIdle hook failed"));
      }
    }
    wasIdle = idle;
    if (idle && !queue.lastPollFoundNew && idleWaiters.length > 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  const inHand = {
    has: (itemId: string) => active.has(itemId) || cleanup.has(itemId),
    ids: () => [...active.keys(), ...cleanup.ids()],
  };
  // Sent (or failed) before a crash left its pending copy behind.
  const foundFinal = (itemId: string, key: string) => cleanup.add(itemId, key, true);

  async function loop(): Promise<void> {
    while (!stopping) {
      kicked = false;
      try {
        const t = now();
        // A standby copy leaves the outbox to the lease holder: it would only read what it may not send.
        if (t >= queue.pollDueAt(t) && (!lease || lease.holding())) await queue.poll(inHand, foundFinal);
        cleanup.flushIfDue(stopping, kick);
        launchReady();
        checkIdle();
      } catch (err) {
        log.error({ err }, "delivery loop failed; pausing");
        queue.postponePoll();
        await pause(opts.pollIntervalMs * 5);
        continue;
      }
      if (stopping) break;
      if (kicked) continue;
      await pause(nextWakeMs());
    }
  }

  return {
    id,
    limiter,
    start() {
      if (loopDone) return;
      stopping = false;
      queue.reset();
      if (opts.startQuietMs > 0) limiter.pauseFor(opts.startQuietMs);
      unsubscribe = [
        deps.services.outbox.onEnqueued(() => {
          queue.requestPoll();
          kick();
        }),
      ];
      if (lease) {
        unsubscribe.push(
          lease.onAcquired(() => {
            queue.requestPoll();
            kick();
          }),
        );
        lease.start();
      }
      loopDone = loop().catch((err: unknown) => log.fatal({ err }, "delivery loop crashed"));
      log.info("delivery worker started");
    },
    async stop() {
      if (!loopDone) return;
      stopping = true;
      kick();
      await loopDone;
      await Promise.allSettled([...active.values()]);
      await cleanup.drain();
      for (const h of hooks) await Promise.resolve(h.stop?.()).catch(() => {});
      // Every call has answered: the next holder's quiet window starts after the last of them.
      await lease?.stop();
      for (const u of unsubscribe) u();
      unsubscribe = [];
      loopDone = null;
      queue.clear();
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
      log.info(counters, "delivery worker stopped");
    },
    whenIdle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        kick();
      });
    },
    stats: () => ({ ...counters, inFlight: active.size, buffered: queue.size }),
  };
}
