// Handles stored updates (telegram/poller.ts and telegram/webhook.ts store them in the inbox, db/inbox.ts, and hand
// them over): different chats at once, one chat strictly in order, even across several copies of the bot, and a
// flooding chat throttled.
//
// - A chat's updates are handled under its lease (db/leases.ts, `inbox_chats`): the copy that holds it reads the
//   chat's stored updates in update_id order, whoever stored them, handles them one by one (each removed from the
//   inbox before the chat is read again), releases the lease, and looks once more: anything
//   stored meanwhile (by any copy) and it takes the chat again. A copy that stores an update while another holds the
//   chat does nothing more: the holder finds it at that look after its release, which follows the other copy's
//   failed try for the lease, which follows the update's storing. Per update: the inbox's read and two inserts, the
//   lease's insert and delete, two reads of the chat and the removal (a busy chat shares the last four per turn).
// - A copy that dies holding a chat keeps its lease until it expires (renewed every third of its length while
//   held); the sweep (at start, then every `sweepMs`) then finds the chat's updates still stored and takes the chat
//   over. So every stored update is handled once, or after a crash mid-update again (the bot's guards make a replay
//   harmless).
// - Chats at once, up to `concurrency` in this copy.
// - A flooding chat is throttled: beyond `perChatBacklog` waiting updates its further updates are dropped and the
//   person told once (per `floodNoticeMs`) to slow down; everyone else is unaffected.
// - drain() takes nothing new, lets the chats with a turn finish (up to a deadline; after it only the updates in
//   hand), releases the chats and waits for the inbox writes: only then may the database be closed. What is still
//   stored is left to another copy's sweep or the next start.
import type { Update } from "grammy/types";
import type { Logger } from "../logger.js";
import { chatKeyOf, type Inbox } from "../db/inbox.js";
import type { Lease, Leases } from "../db/leases.js";

export interface DispatcherOptions {
  inbox: Pick<Inbox, "done" | "pendingOf" | "pendingChats">;
  /** The chats' leases (inbox_chats), shared by every copy on the database. */
  chatLeases: Leases;
  handle: (update: Update) => Promise<void>;
  logger: Logger;
  /** Chats handled at the same time. */
  concurrency?: number;
  /** Updates a chat may have waiting before more of them are dropped. */
  perChatBacklog?: number;
  /** Tells a flooding chat to slow down (at most once per floodNoticeMs). */
  onFlood?: (update: Update) => Promise<void>;
  floodNoticeMs?: number;
  /** After each update: how long handling took, and whether it ended in an error that escaped the bot. */
  onHandled?: (update: Update, ms: number, outcome: "ok" | "error" | "dropped") => void;
  /** A chat taken over from a copy whose lease had expired. */
  onTakeover?: (chat: string) => void;
  /** How often to look for chats a dead copy left (default: a third of the lease). */
  sweepMs?: number;
  /** How often to renew the chats held (default: a third of the lease). */
  renewMs?: number;
  now?: () => number;
}

export interface Dispatcher {
  /** A stored, new update: its chat gets a turn (here, or at the copy that holds the chat). */
  accept(update: Update): void;
  /** Updates accepted or in hand here and not yet finished. */
  inFlight(): number;
  /** Whether this update is waiting or in hand here. */
  has(updateId: number): boolean;
  /** Resolves when the next update finishes, or after `timeoutMs` (an interruptible pause for the intake loops). */
  nextFinish(timeoutMs: number): Promise<void>;
  /** Starts the sweep (at once, then every sweepMs) and the renewal of the chats held. */
  start(): void;
  /** Looks once for chats with stored updates and no live lease, and gives them a turn; returns how many. */
  sweep(): Promise<number>;
  /** Waits up to `ms` for the updates in hand, then for their inbox writes; returns how many did not finish. */
  drain(ms: number): Promise<number>;
}

/** What kind of update this is (message, callback_query, my_chat_member, ...): the metrics' label. */
export function kindOf(update: Update): string {
  return Object.keys(update).find((k) => k !== "update_id") ?? "unknown";
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { inbox, chatLeases, handle, logger } = options;
  const concurrency = options.concurrency ?? 32;
  const perChatBacklog = options.perChatBacklog ?? 10;
  const floodNoticeMs = options.floodNoticeMs ?? 30_000;
  const sweepMs = options.sweepMs ?? Math.max(1_000, Math.floor(chatLeases.ttlMs / 3));
  const renewMs = options.renewMs ?? Math.max(1, Math.floor(chatLeases.ttlMs / 3));
  const now = options.now ?? Date.now;

  /** Updates accepted here and not started, by chat (the flood check counts them). */
  const waiting = new Map<string, Set<number>>();
  /** Updates in hand here, by chat. */
  const inHand = new Map<string, number>();
  const unfinished = new Set<number>();
  /** Dropped (flooding) updates whose removal from the inbox is under way: never handled meanwhile. */
  const dropped = new Set<number>();
  /** Inbox writes under way: drain() waits for them, so the database is not closed under them. */
  const clearings = new Set<Promise<void>>();
  const ready: string[] = [];
  const active = new Set<string>();
  /** Chats given a turn while their turn was running: look again before letting go. */
  const dirty = new Set<string>();
  const held = new Map<string, Lease>();
  /** Leases found taken over (by acquisition: a lease released and acquired again meanwhile is not lost). */
  const lost = new Set<Lease>();
  const lastFloodNotice = new Map<string, number>();
  const finishedSignals = new Set<() => void>();
  /** drain() began: nothing new is accepted or swept; what was accepted still gets handled until the deadline. */
  let closing = false;
  /** drain()'s deadline passed: only the updates in hand finish. */
  let stopping = false;
  let timers: NodeJS.Timeout[] = [];

  function signalFinish(): void {
    for (const signal of [...finishedSignals]) signal();
  }

  function track(p: Promise<void>): void {
    const clearing = p.finally(() => clearings.delete(clearing));
    clearings.add(clearing);
  }

  function nextFinish(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = () => {
        clearTimeout(timer);
        finishedSignals.delete(signal);
        resolve();
      };
      const timer = setTimeout(signal, timeoutMs);
      finishedSignals.add(signal);
    });
  }

  function dropFlood(key: string, update: Update): void {
    const id = update.update_id;
    logger.warn({ updateId: id, key }, "chat is flooding: update dropped");
    waiting.get(key)?.delete(id);
    dropped.add(id);
    track(
      inbox
        .done(id)
        .catch((err: unknown) => logger.warn({ err, updateId: id }, "could not remove a dropped update from the inbox"))
        .finally(() => dropped.delete(id)),
    );
    options.onHandled?.(update, 0, "dropped");
    const last = lastFloodNotice.get(key);
    if (last !== undefined && now() - last < floodNoticeMs) return;
    lastFloodNotice.set(key, now());
    options.onFlood?.(update).catch((err: unknown) => logger.warn({ err }, "could not send the slow-down notice"));
  }

  async function handleOne(key: string, update: Update): Promise<void> {
    const id = update.update_id;
    waiting.get(key)?.delete(id);
    unfinished.add(id);
    inHand.set(key, (inHand.get(key) ?? 0) + 1);
    const started = now();
    let outcome: "ok" | "error" = "ok";
    try {
      await handle(update);
    } catch (err) {
      // The bot's error boundary answers the person; this is only what escaped it.
      outcome = "error";
      logger.error({ err, updateId: id }, "update failed outside the error boundary");
    } finally {
      inHand.set(key, (inHand.get(key) ?? 1) - 1);
      options.onHandled?.(update, now() - started, outcome);
    }
    try {
      // Removed before the chat's next read, or it would be read (and handled) again.
      const removal = inbox.done(id);
      track(removal.catch(() => {}));
      await removal;
    } finally {
      unfinished.delete(id);
      signalFinish();
    }
  }

  /**
   * Handles the chat's stored updates, oldest first, while this copy holds its lease: one read, then each in turn.
   * What was stored meanwhile is found by runChat's look after the release (one read either way, and the lease is
   * not held longer than needed).
   */
  async function handleStored(key: string, lease: Lease): Promise<void> {
    dirty.delete(key);
    const pending = (await inbox.pendingOf(key)).filter((u) => !dropped.has(u.update_id));
    const room = perChatBacklog + 1;
    for (const update of pending.slice(room)) dropFlood(key, update);
    for (const update of pending.slice(0, room)) {
      if (stopping || lost.has(lease)) return;
      await handleOne(key, update);
    }
  }

  async function runChat(key: string): Promise<void> {
    active.add(key);
    try {
      while (!stopping) {
        dirty.delete(key);
        const lease = await chatLeases.acquire(key);
        // Held by another copy: it reads what this copy stored before it lets go (or the sweep takes the chat
        // once its lease has expired).
        if (!lease) break;
        if (lease.tookOver) {
          logger.info({ chat: key }, "took over a chat whose copy stopped renewing its lease");
          options.onTakeover?.(key);
        }
        held.set(key, lease);
        try {
          // Read again under the lease: what was read before taking it may have been handled by its last holder.
          await handleStored(key, lease);
        } finally {
          held.delete(key);
          await renewing;
          if (!lost.delete(lease)) await chatLeases.release(lease);
        }
        if (stopping) break;
        // Stored while this copy held the chat (by this copy, or by one that found the chat held): take it again.
        if (!dirty.has(key) && (await inbox.pendingOf(key, 1)).length === 0) break;
      }
    } catch (err) {
      // The database failed: what is stored stays stored, for the sweep.
      logger.warn({ err, chat: key }, "could not handle a chat's stored updates; the sweep will try again");
    } finally {
      active.delete(key);
      dirty.delete(key);
      for (const id of waiting.get(key) ?? []) unfinished.delete(id);
      waiting.delete(key);
      inHand.delete(key);
      signalFinish();
      pump();
    }
  }

  function pump(): void {
    while (!stopping && active.size < concurrency && ready.length) {
      const key = ready.shift()!;
      if (!active.has(key)) void runChat(key);
    }
  }

  function schedule(key: string): void {
    if (active.has(key)) dirty.add(key);
    else if (!ready.includes(key)) ready.push(key);
    pump();
  }

  /** The renewal under way: a release waits for it (see renew). */
  let renewing: Promise<void> = Promise.resolve();

  // Renews the leases held for longer than a renewal period (most turns last milliseconds and never need it). On
  // FerretDB an update rewrites the whole document by _id, so a renewal racing this copy's own release would write
  // the released lease back over the next holder's: releases wait for the renewal under way.
  function renew(): Promise<void> {
    const due = chatLeases.now().getTime() + chatLeases.ttlMs - renewMs;
    const leases = [...held.values()].filter((l) => l.expiresAt.getTime() <= due);
    if (!leases.length) return Promise.resolve();
    const run = renewing.then(async () => {
      const gone = await chatLeases.renew(leases);
      for (const lease of gone) {
        if (held.get(lease.key) !== lease) continue; // released meanwhile
        // Only after it expired (this copy stalled longer than the lease): the new holder has the chat now.
        logger.warn({ chat: lease.key }, "lost a chat's lease (not renewed in time): leaving the chat to its new holder");
        lost.add(lease);
      }
    });
    renewing = run.catch(() => {});
    return run;
  }

  async function sweep(): Promise<number> {
    if (closing) return 0;
    const [chats, leases] = await Promise.all([inbox.pendingChats(), chatLeases.all()]);
    const t = chatLeases.now().getTime();
    const live = new Set(leases.filter((l) => l.expiresAt.getTime() > t).map((l) => l._id));
    let given = 0;
    for (const key of chats) {
      if (active.has(key) || live.has(key)) continue;
      schedule(key);
      given++;
    }
    await chatLeases.pruneTokens();
    return given;
  }

  return {
    accept(update) {
      const id = update.update_id;
      if (unfinished.has(id) || closing) return; // already waiting or in hand
      const key = chatKeyOf(update);
      const queue = waiting.get(key) ?? new Set<number>();
      if (queue.size + (inHand.get(key) ?? 0) > perChatBacklog) {
        dropFlood(key, update);
        return;
      }
      queue.add(id);
      waiting.set(key, queue);
      unfinished.add(id);
      schedule(key);
    },
    inFlight: () => unfinished.size,
    has: (id) => unfinished.has(id),
    nextFinish,
    start() {
      if (timers.length) return;
      const every = (ms: number, fn: () => Promise<unknown>, what: string) => {
        const timer = setInterval(() => void fn().catch((err: unknown) => logger.warn({ err }, what)), ms);
        timer.unref();
        timers.push(timer);
      };
      every(renewMs, renew, "could not renew the chats' leases");
      every(sweepMs, sweep, "could not sweep the inbox");
      void sweep().catch((err: unknown) => logger.warn({ err }, "could not sweep the inbox"));
    },
    sweep,
    async drain(ms) {
      closing = true;
      const deadline = now() + ms;
      while ((active.size > 0 || ready.length > 0) && now() < deadline) await nextFinish(Math.max(1, deadline - now()));
      stopping = true;
      ready.length = 0;
      for (const timer of timers) clearInterval(timer);
      timers = [];
      await Promise.all([...clearings]);
      let inHandNow = 0;
      for (const n of inHand.values()) inHandNow += n;
      return inHandNow;
    },
  };
}
