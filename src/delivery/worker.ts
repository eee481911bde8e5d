// The delivery worker: sends what the outbox holds, within Telegram's limits, exactly once per message as far as
// Telegram allows. One message at a time goes through:
//
//   permit     the rate limiter grants a slot (≈30/s overall, ≈1/s per chat; a 429 pauses everything)
//   claim      insert outbox_attempts `<key>#<n>`: the unique _id decides which worker makes attempt n
//   call       the Bot API (with a timeout)
//   record     sent/blocked/failed → one insert into outbox_done (unique key: the first record wins), then the
//              audit line, then the hooks; 429/5xx/no connection → one insert into outbox_retries (when to retry)
//
// An answer lost on the way back (a timeout, a dropped connection or an abort after the request went out) is the
// same unknown as a crash during the call: Telegram may have sent the message. It follows the same ifInterrupted
// policy: "fail" (the default) records it as failed with reason "unknown", never a second copy; "retry" sends
// again with backoff. Only answers that say Telegram did not send (429, 5xx) and connections never made are retried.
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
import { InputFile, type Api } from "grammy";
import { trusted, Types } from "mongoose";
import type { Models } from "../db/models/index.js";
import type { AuditDoc } from "../db/models/audit.js";
import type { FinalStatus, OutboxAttemptDoc, OutboxDoneDoc, OutboxItemDoc, OutboxRetryDoc, RetryCause } from "../db/models/outbox.js";
import type { Logger } from "../logger.js";
import type { AuditService } from "../services/auditService.js";
import type { PersonService } from "../services/personService.js";
import { createInsertBatcher } from "./batcher.js";
import { realClock, type Clock } from "./clock.js";
import { backoffMs, classifySendError, type BackoffOptions, type SendFailure } from "./errors.js";
import { fromDone, identityOf, pendingState, type DeliveryRecord, type OutboxService } from "./outbox.js";
import { createRateLimiter, type Permit, type RateLimiter, type RateLimits } from "./rateLimiter.js";

export interface DeliveryHookContext {
  api: Api;
  /** The worker's limiter: take a permit before any extra call (e.g. editing a progress message). */
  limiter: RateLimiter;
  clock: Clock;
  logger: Logger;
}

/** Reactions to final outcomes. Hooks run after the outcome is stored; their errors are logged, never retried. */
export interface DeliveryHooks {
  /** Only messages of these purposes (default: all). */
  purposes?: readonly string[];
  onSent?(record: DeliveryRecord, ctx: DeliveryHookContext): void | Promise<void>;
  /** failed or blocked (record.reason says why: "blocked", "rejected", "gave_up", "interrupted", "unknown"). */
  onFinalFailure?(record: DeliveryRecord, ctx: DeliveryHookContext): void | Promise<void>;
  /** Called when the worker runs out of due work (e.g. to show a final state that throttling held back). */
  onIdle?(ctx: DeliveryHookContext): void | Promise<void>;
  /** Called by worker.stop(). */
  stop?(): void | Promise<void>;
}

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
}

export interface DeliveryWorkerDeps extends DeliveryWorkerOptions {
  models: Models;
  /** The Bot API. Do not install grammY's auto-retry on it: the worker handles 429s itself. */
  api: Api;
  /** `audit` is accepted for symmetry; the worker writes its audit lines (delivery.*) itself, in batches. */
  services: { outbox: OutboxService; audit?: AuditService; people: Pick<PersonService, "markBlocked"> };
  logger: Logger;
  clock?: Clock;
  /** Share one limiter between workers of one process (default: a new one with `limits`). */
  limiter?: RateLimiter;
  hooks?: readonly DeliveryHooks[];
}

export interface WorkerStats {
  sent: number;
  failed: number;
  blocked: number;
  retried: number;
  rateLimited: number;
  interrupted: number;
  /** Calls that got no answer after the request may have reached Telegram (timeouts, dropped connections). */
  unknown: number;
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

interface Entry {
  id: string;
  doc: OutboxItemDoc;
  /** Attempts already answered (the next is attempts + 1). */
  attempts: number;
  failures: number;
  dueAt: number;
  seq: number;
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
/**
 * Pending copies of final messages are deleted in batches: on FerretDB every delete scans the whole collection
 * (about a second at 5,000 documents on a busy machine) whatever the batch size. Until then they are simply skipped.
 */
const CLEANUP_BATCH = 1000;
const CLEANUP_INTERVAL_MS = 60_000;
/**
 * While plenty is due, look for other work this much less often. Messages queued in this process wake the worker
 * at once; this only bounds how long another process's (or a retry's) message can wait behind a long broadcast.
 */
const BUSY_POLL_FACTOR = 30;
const PERSIST_TRIES = 6;
const INTERRUPTED_TEXT = "The sending worker stopped during the Telegram call: the message may or may not have arrived";

export function createDeliveryWorker(deps: DeliveryWorkerDeps): DeliveryWorker {
  const { models, api, logger } = deps;
  const { OutboxItem, OutboxAttempt, OutboxRetry, OutboxDone } = models;
  const clock = deps.clock ?? realClock;
  const opts = {
    maxInFlight: deps.maxInFlight ?? DEFAULTS.maxInFlight,
    batchSize: deps.batchSize ?? DEFAULTS.batchSize,
    pollIntervalMs: deps.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
    callTimeoutMs: deps.callTimeoutMs ?? DEFAULTS.callTimeoutMs,
    staleAfterMs: deps.staleAfterMs ?? DEFAULTS.staleAfterMs,
    recheckMs: deps.recheckMs ?? DEFAULTS.recheckMs,
    maxFailures: deps.maxFailures ?? DEFAULTS.maxFailures,
    backoff: deps.backoff ?? DEFAULTS.backoff,
    random: deps.random ?? Math.random,
    startQuietMs: deps.startQuietMs ?? Math.max(deps.limits?.global.windowMs ?? 1000, deps.limits?.perChat.windowMs ?? 1000),
  };
  const id = deps.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const limiter = deps.limiter ?? createRateLimiter(clock, deps.limits);
  const hooks = deps.hooks ?? [];
  const hookCtx: DeliveryHookContext = { api, limiter, clock, logger };
  const log = logger.child({ worker: id });
  const now = () => clock.now().getTime();
  // Every write of the hot path is an insert, grouped per tick (see batcher.ts).
  const insertAttempt = createInsertBatcher<OutboxAttemptDoc>((docs) => OutboxAttempt.insertMany(docs, { ordered: false, lean: true }));
  const insertRetry = createInsertBatcher<OutboxRetryDoc>((docs) => OutboxRetry.insertMany(docs, { ordered: false, lean: true }));
  const insertDone = createInsertBatcher<OutboxDoneDoc>((docs) => OutboxDone.insertMany(docs, { ordered: false, lean: true }));
  const insertAudit = createInsertBatcher<AuditDoc>((docs) => models.Audit.insertMany(docs, { ordered: false, lean: true }));

  const buffer = new Map<string, Entry>();
  const active = new Map<string, Promise<void>>();
  /** Final messages whose pending copy is still to be deleted (batched: every delete scans on FerretDB). */
  const cleanup = new Map<string, { key: string; hadRetries: boolean }>();
  const stats = { sent: 0, failed: 0, blocked: 0, retried: 0, rateLimited: 0, interrupted: 0, unknown: 0 };
  let seq = 0;
  /** Tasks between their permit and Telegram's answer. */
  let calling = 0;
  let wasIdle = true;
  let loopDone: Promise<void> | null = null;
  let stopping = false;
  let kicked = false;
  let wakeCtl: AbortController | null = null;
  let pollRequested = true;
  let nextPollAt = 0;
  let lastPollFull = false;
  let lastPollFoundNew = true;
  /** The first poll after start also looks for messages a crash left final but not yet cleaned up. */
  let firstPoll = true;
  /** Attempts this worker called Telegram for but could not record (the database failed): never "released". */
  const calledUnrecorded = new Set<string>();
  let lastCleanupAt = 0;
  let flushing: Promise<void> | null = null;
  let idleWaiters: (() => void)[] = [];
  let unsubscribe: (() => void) | null = null;

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

  // --- Reading the queue --------------------------------------------------------------------------------------

  function knownIds(): Types.ObjectId[] {
    return [...buffer.keys(), ...active.keys(), ...cleanup.keys()].map((x) => new Types.ObjectId(x));
  }

  async function poll(): Promise<void> {
    pollRequested = false;
    const t = now();
    nextPollAt = t + opts.pollIntervalMs;
    // With plenty buffered, only look for messages that would jump the queue (a reminder during a broadcast).
    const lowest = buffer.size >= opts.batchSize ? Math.min(...[...buffer.values()].map((e) => e.doc.priority)) : undefined;
    const docs = await OutboxItem.find({
      status: "pending",
      notBefore: trusted({ $lte: new Date(t) }),
      _id: trusted({ $nin: knownIds() }),
      ...(lowest !== undefined ? { priority: trusted({ $gt: lowest }) } : {}),
    })
      .sort({ priority: -1, notBefore: 1, _id: 1 })
      .limit(opts.batchSize)
      .lean<OutboxItemDoc[]>();
    lastPollFull = lowest === undefined ? docs.length === opts.batchSize : lastPollFull;
    lastPollFoundNew = docs.length > 0;
    if (docs.length === 0) return;
    const ids = docs.map((d) => String(d._id));
    // Later polls skip the final-record check: a message found final anyway is caught by its attempt claim
    // colliding with the earlier one (resolveConflict).
    const checkDone = firstPoll;
    firstPoll = false;
    const [retries, done] = await Promise.all([
      OutboxRetry.find({ itemId: trusted({ $in: ids }) }).lean<OutboxRetryDoc[]>(),
      checkDone
        ? OutboxDone.find({ key: trusted({ $in: docs.map((d) => d.key) }) }, { _id: 0, key: 1 }).lean<{ key: string }[]>()
        : Promise.resolve([]),
    ]);
    const finalKeys = new Set(done.map((d) => d.key));
    const retriesOf = new Map<string, OutboxRetryDoc[]>();
    for (const r of retries) retriesOf.set(r.itemId, [...(retriesOf.get(r.itemId) ?? []), r]);
    for (const doc of docs) {
      const itemId = String(doc._id);
      if (buffer.has(itemId) || active.has(itemId) || cleanup.has(itemId)) continue;
      if (finalKeys.has(doc.key)) {
        // Sent (or failed) before a crash left its pending copy behind.
        cleanup.set(itemId, { key: doc.key, hadRetries: true });
        continue;
      }
      const state = pendingState(doc, retriesOf.get(itemId) ?? []);
      buffer.set(itemId, {
        id: itemId,
        doc,
        attempts: state.attempts,
        failures: state.failures,
        dueAt: state.nextAttemptAt.getTime(),
        seq: seq++,
      });
    }
  }

  function dueEntries(t: number): Entry[] {
    return [...buffer.values()]
      .filter((e) => e.dueAt <= t)
      .sort((a, b) => b.doc.priority - a.doc.priority || a.dueAt - b.dueAt || a.seq - b.seq);
  }

  function dueCount(t: number): number {
    let n = 0;
    for (const e of buffer.values()) if (e.dueAt <= t) n++;
    return n;
  }

  /** When the next poll is due: now when asked or running low, later while plenty is due. */
  function pollDueAt(t: number): number {
    if (pollRequested) return t;
    const due = dueCount(t);
    // A full batch means more is waiting: read on before the buffer runs dry.
    if (lastPollFull && due < opts.maxInFlight * 2) return t;
    return due === 0 ? nextPollAt : nextPollAt + opts.pollIntervalMs * (BUSY_POLL_FACTOR - 1);
  }

  function shouldPoll(t: number): boolean {
    return t >= pollDueAt(t);
  }

  function cleanupDueAt(): number {
    if (flushing || cleanup.size === 0) return Infinity; // a running flush kicks the loop when it ends
    return cleanup.size >= CLEANUP_BATCH || stopping ? 0 : lastCleanupAt + CLEANUP_INTERVAL_MS;
  }

  // --- Launching ----------------------------------------------------------------------------------------------

  function launchReady(): void {
    const t = now();
    if (limiter.waitMs(GLOBAL_PROBE) > 0) return;
    for (const entry of dueEntries(t)) {
      if (stopping || active.size >= opts.maxInFlight) return;
      const permit = limiter.tryAcquire(entry.doc.chatId);
      if (!permit) {
        if (limiter.waitMs(GLOBAL_PROBE) > 0) return; // the overall budget is spent
        continue; // only this chat must wait
      }
      buffer.delete(entry.id);
      const task = attempt(entry, permit).finally(() => {
        active.delete(entry.id);
        kick();
      });
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
      for (const e of buffer.values()) {
        const w = e.dueAt > t ? e.dueAt - t : limiter.waitMs(e.doc.chatId);
        if (w < work) work = w; // Infinity (a window held by a call in flight) never wins: its answer kicks us
      }
    }
    const housekeeping = Math.max(0, Math.min(pollDueAt(t), cleanupDueAt()) - t);
    const wake = calling > 0 ? work : Math.min(work, housekeeping);
    return wake === Infinity ? Infinity : Math.max(1, Math.min(wake, opts.pollIntervalMs));
  }

  function checkIdle(): void {
    const t = now();
    const idle = active.size === 0 && !pollRequested && dueCount(t) === 0;
    if (idle && !wasIdle) {
      for (const h of hooks) {
        if (!h.onIdle) continue;
        Promise.resolve()
          .then(() => h.onIdle!(hookCtx))
          .catch((err: unknown) => log.warn({ err }, "delivery onIdle hook failed"));
      }
    }
    wasIdle = idle;
    if (idle && !lastPollFoundNew && idleWaiters.length > 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  function maybeCleanup(): void {
    if (now() < cleanupDueAt()) return;
    flushing = flushCleanup()
      .catch((err: unknown) => log.warn({ err }, "outbox clean-up failed; will try again"))
      .finally(() => {
        flushing = null;
        kick();
      });
  }

  async function flushCleanup(): Promise<void> {
    lastCleanupAt = now();
    const batch = [...cleanup.entries()].slice(0, CLEANUP_BATCH * 2);
    if (batch.length === 0) return;
    await OutboxItem.deleteMany({ _id: trusted({ $in: batch.map(([itemId]) => new Types.ObjectId(itemId)) }) });
    const retried = batch.filter(([, v]) => v.hadRetries).map(([, v]) => v.key);
    if (retried.length) await OutboxRetry.deleteMany({ key: trusted({ $in: retried }) });
    for (const [itemId] of batch) cleanup.delete(itemId);
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      kicked = false;
      try {
        if (shouldPoll(now())) await poll();
        maybeCleanup();
        launchReady();
        checkIdle();
      } catch (err) {
        log.error({ err }, "delivery loop failed; pausing");
        nextPollAt = now() + opts.pollIntervalMs;
        await pause(opts.pollIntervalMs * 5);
        continue;
      }
      if (stopping) break;
      if (kicked) continue;
      await pause(nextWakeMs());
    }
  }

  // --- One attempt --------------------------------------------------------------------------------------------

  async function attempt(entry: Entry, permit: Permit): Promise<void> {
    const n = entry.attempts + 1;
    let released = false;
    let called = false;
    calling++;
    const release = () => {
      if (!released) {
        released = true;
        calling--;
        permit.release();
        kick();
      }
    };
    try {
      const claimed = await claim(entry, n);
      if (!claimed) {
        release();
        await resolveConflict(entry, n);
        return;
      }
      if (stopping) {
        // Claimed but not called: say so, so that the next worker goes on at once instead of waiting for staleness.
        release();
        await recordRetry(entry, n, { cause: "released", failures: entry.failures, retryAt: now() });
        return;
      }
      let result: unknown;
      let failure: SendFailure | undefined;
      called = true;
      try {
        result = await call(entry);
      } catch (err) {
        failure = classifySendError(err);
      } finally {
        release();
      }
      if (failure) await onFailure(entry, n, failure);
      else await finish(entry, n, { status: "sent", result });
    } catch (err) {
      release();
      // Bookkeeping failed even after retries. The item leaves memory; the next poll re-reads its state. An attempt
      // that reached Telegram stays unanswered and is treated as interrupted once stale (see resolveConflict); one
      // that never did is released.
      if (called) calledUnrecorded.add(attemptId(entry.doc.key, n));
      log.error({ err, key: entry.doc.key, called }, "delivery bookkeeping failed");
    }
  }

  async function claim(entry: Entry, n: number): Promise<boolean> {
    const outcome = await insertAttempt({
      _id: attemptId(entry.doc.key, n),
      itemId: entry.id,
      key: entry.doc.key,
      n,
      owner: id,
      at: clock.now(),
    });
    return outcome === "inserted";
  }

  function call(entry: Entry): Promise<unknown> {
    const { doc } = entry;
    const params = JSON.parse(doc.params) as Record<string, unknown>;
    params.chat_id = doc.chatId;
    if (doc.upload) params[doc.upload.field] = new InputFile(bufferOf(doc.upload.data), doc.upload.filename);
    const raw = api.raw as unknown as Record<string, (p: unknown, signal?: AbortSignal) => Promise<unknown>>;
    return raw[doc.method]!(params, AbortSignal.timeout(opts.callTimeoutMs));
  }

  /** Attempt n was claimed by someone else (or by us before a failed write): find out what became of it. */
  async function resolveConflict(entry: Entry, n: number): Promise<void> {
    const key = entry.doc.key;
    const done = await OutboxDone.exists({ key });
    if (done) {
      cleanup.set(entry.id, { key, hadRetries: true });
      return;
    }
    const answered = await OutboxRetry.findById(attemptId(key, n)).lean<OutboxRetryDoc>();
    if (answered) {
      requeue(entry, n, answered.failures, new Date(answered.retryAt).getTime());
      return;
    }
    const claimDoc = await OutboxAttempt.findById(attemptId(key, n)).lean<{ owner: string; at: Date }>();
    const t = now();
    if (claimDoc?.owner === id && !calledUnrecorded.has(attemptId(key, n))) {
      // Ours, and we never called Telegram for it (a claim whose insert reported an error, or a stop in between).
      await recordRetry(entry, n, { cause: "released", failures: entry.failures, retryAt: t });
      return;
    }
    const claimedAt = claimDoc ? new Date(claimDoc.at).getTime() : t;
    if (t - claimedAt < opts.staleAfterMs) {
      // Another worker is sending it right now: look again later.
      entry.dueAt = t + Math.min(opts.recheckMs, claimedAt + opts.staleAfterMs - t);
      buffer.set(entry.id, entry);
      return;
    }
    // Claimed long ago and never answered: its worker died during the call. Nobody can know if it arrived.
    stats.interrupted++;
    if (entry.doc.ifInterrupted === "retry") {
      log.warn({ key, attempt: n }, "attempt interrupted by a crash; sending again (ifInterrupted=retry)");
      await recordRetry(entry, n, { cause: "interrupted", failures: entry.failures, retryAt: t, error: INTERRUPTED_TEXT });
    } else {
      log.warn({ key, attempt: n }, "attempt interrupted by a crash; recorded as failed (ifInterrupted=fail)");
      await finish(entry, n, { status: "failed", reason: "interrupted", errorCode: null, error: INTERRUPTED_TEXT });
    }
  }

  async function onFailure(entry: Entry, n: number, f: SendFailure): Promise<void> {
    switch (f.kind) {
      case "rate_limited": {
        // Telegram asked us to wait: nothing at all goes out until then, and this message goes first after.
        limiter.pauseFor(f.retryAfterMs);
        stats.rateLimited++;
        log.warn({ key: entry.doc.key, retryAfterMs: f.retryAfterMs }, "429 from Telegram: pausing all sending");
        await recordRetry(entry, n, {
          cause: "rate_limited",
          failures: entry.failures,
          retryAt: now() + f.retryAfterMs,
          errorCode: f.code,
          error: f.description,
        });
        return;
      }
      case "blocked":
        await finish(entry, n, { status: "blocked", reason: "blocked", errorCode: f.code, error: f.description });
        return;
      case "permanent":
        await finish(entry, n, { status: "failed", reason: "rejected", errorCode: f.code, error: f.description });
        return;
      case "ambiguous":
        stats.unknown++;
        if (entry.doc.ifInterrupted !== "retry") {
          log.warn({ key: entry.doc.key, attempt: n, error: f.description }, "no answer from Telegram; recorded as failed (unknown), not sent again");
          await finish(entry, n, { status: "failed", reason: "unknown", errorCode: null, error: f.description });
          return;
        }
        log.warn({ key: entry.doc.key, attempt: n, error: f.description }, "no answer from Telegram; sending again (ifInterrupted=retry)");
        await retryTransient(entry, n, f);
        return;
      case "transient":
        await retryTransient(entry, n, f);
    }
  }

  async function retryTransient(entry: Entry, n: number, f: { code: number | null; description: string }): Promise<void> {
    const failures = entry.failures + 1;
    if (failures >= opts.maxFailures) {
      await finish(entry, n, { status: "failed", reason: "gave_up", errorCode: f.code, error: f.description });
      return;
    }
    await recordRetry(entry, n, {
      cause: "transient",
      failures,
      retryAt: now() + backoffMs(failures, opts.backoff, opts.random),
      errorCode: f.code,
      error: f.description,
    });
  }

  function requeue(entry: Entry, n: number, failures: number, retryAt: number): void {
    entry.attempts = n;
    entry.failures = failures;
    entry.dueAt = Math.max(retryAt, 0);
    buffer.set(entry.id, entry);
  }

  async function recordRetry(
    entry: Entry,
    n: number,
    r: { cause: RetryCause; failures: number; retryAt: number; errorCode?: number | null; error?: string | null },
  ): Promise<void> {
    const doc: OutboxRetryDoc = {
      _id: attemptId(entry.doc.key, n),
      itemId: entry.id,
      key: entry.doc.key,
      n,
      cause: r.cause,
      failures: r.failures,
      retryAt: new Date(r.retryAt),
      errorCode: r.errorCode ?? null,
      error: r.error ?? null,
      at: clock.now(),
    };
    const inserted = (await persist(() => insertRetry(doc))) === "inserted";
    if (!inserted) return; // answered by someone else meanwhile: the next poll reads what they decided
    if (r.cause !== "released") stats.retried++;
    requeue(entry, n, r.failures, r.retryAt);
  }

  type Outcome =
    | { status: "sent"; result: unknown }
    | { status: Exclude<FinalStatus, "sent">; reason: string; errorCode: number | null; error: string | null };

  async function finish(entry: Entry, n: number, outcome: Outcome): Promise<void> {
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
    const inserted = (await persist(() => insertDone(done))) === "inserted";
    cleanup.set(entry.id, { key: doc.key, hadRetries: n > 1 });
    if (!inserted) {
      // Another worker recorded this message's end first (it decided a crash had interrupted us).
      log.warn({ key: doc.key, status: outcome.status }, "message already final; keeping the first record");
      return;
    }
    if (outcome.status === "sent") stats.sent++;
    else if (outcome.status === "blocked") stats.blocked++;
    else stats.failed++;
    const record = fromDone(done);
    await persist(() =>
      insertAudit({
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
      await persist(() => deps.services.people.markBlocked(doc.personId ?? doc.chatId));
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
  }

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
    id,
    limiter,
    start() {
      if (loopDone) return;
      stopping = false;
      pollRequested = true;
      firstPoll = true;
      if (opts.startQuietMs > 0) limiter.pauseFor(opts.startQuietMs);
      unsubscribe = deps.services.outbox.onEnqueued(() => {
        pollRequested = true;
        kick();
      });
      loopDone = loop().catch((err: unknown) => log.fatal({ err }, "delivery loop crashed"));
      log.info("delivery worker started");
    },
    async stop() {
      if (!loopDone) return;
      stopping = true;
      kick();
      await loopDone;
      await Promise.allSettled([...active.values()]);
      if (flushing) await flushing;
      while (cleanup.size > 0) {
        try {
          await flushCleanup();
        } catch (err) {
          log.warn({ err }, "outbox clean-up at stop failed (the next worker finishes it)");
          break;
        }
      }
      for (const h of hooks) await Promise.resolve(h.stop?.()).catch(() => {});
      unsubscribe?.();
      unsubscribe = null;
      loopDone = null;
      buffer.clear();
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
      log.info(stats, "delivery worker stopped");
    },
    whenIdle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        kick();
      });
    },
    stats: () => ({ ...stats, inFlight: active.size, buffered: buffer.size }),
  };
}

/** A chat id no message uses: limiter.waitMs(GLOBAL_PROBE) is the wait imposed by the overall budget alone. */
const GLOBAL_PROBE = "\u0000global";

export function attemptId(key: string, n: number): string {
  return `${key}#${n}`;
}

function messageIdOf(result: unknown): number | null {
  if (typeof result === "object" && result !== null && "message_id" in result) {
    const id = Number((result as { message_id: unknown }).message_id);
    return Number.isFinite(id) ? id : null;
  }
  return null;
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
