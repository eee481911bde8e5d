// Long polling that handles different chats at once and one chat in order, replacing bot.start() (which handles one
// update at a time across all chats, so one slow or flooding chat held everyone up).
//
// - Nothing lost: fetched updates are stored in the inbox (db/inbox.ts) before the next fetch confirms them to
//   Telegram, and removed once handled; at start, what a crash left in the inbox is handled first. An update may
//   be handled twice after a crash (handlers and conversations skip what they already took), never not at all.
// - Per chat in order, chats concurrently (up to `concurrency` at once).
// - A flooding chat is throttled: beyond `perChatBacklog` waiting updates, its further updates are dropped and the
//   person told once (per `floodNoticeMs`) to slow down; everyone else is unaffected.
// - stop() stops fetching, lets the updates in hand finish (up to `drainMs`), confirms what finished, and resolves;
//   only then may the database be closed.
// - A 409 Conflict (another copy polling with this token) is fatal: onFatal is called rather than sitting deaf.
import { GrammyError, type Api } from "grammy";
import type { Update } from "grammy/types";
import type { Logger } from "../logger.js";
import type { Inbox } from "../db/inbox.js";

export interface PollerOptions {
  api: Api;
  inbox: Inbox;
  handle: (update: Update) => Promise<void>;
  logger: Logger;
  allowedUpdates?: readonly string[];
  /** Chats handled at the same time. */
  concurrency?: number;
  /** Updates a chat may have waiting before more of them are dropped. */
  perChatBacklog?: number;
  /** Tells a flooding chat to slow down (at most once per floodNoticeMs). */
  onFlood?: (update: Update) => Promise<void>;
  floodNoticeMs?: number;
  /** Longest wait at stop() for updates in hand. */
  drainMs?: number;
  /** Polling cannot go on (409 Conflict, a revoked token): the process should exit non-zero. */
  onFatal?: (err: unknown) => void;
  now?: () => number;
}

export interface Poller {
  /** Resolves when polling has stopped (stop(), or a fatal error). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Updates fetched and not yet finished. */
  inFlight(): number;
}

/** The key updates are ordered by: the chat, else the sender. */
export function orderKeyOf(update: Update): string {
  const u = update as unknown as Record<string, { chat?: { id: number }; from?: { id: number }; message?: { chat?: { id: number } } } | undefined>;
  for (const part of Object.values(u)) {
    if (typeof part !== "object" || part === null) continue;
    const chat = part.chat?.id ?? part.message?.chat?.id;
    if (chat !== undefined) return `chat:${chat}`;
    if (part.from?.id !== undefined) return `user:${part.from.id}`;
  }
  return "none";
}

export function createPoller(options: PollerOptions): Poller {
  const { api, inbox, handle, logger } = options;
  const concurrency = options.concurrency ?? 32;
  const perChatBacklog = options.perChatBacklog ?? 10;
  const floodNoticeMs = options.floodNoticeMs ?? 30_000;
  const drainMs = options.drainMs ?? 10_000;
  const now = options.now ?? Date.now;

  const unfinished = new Set<number>();
  /** Inbox removals under way: stop() waits for them, so the database is not closed under them. */
  const clearings = new Set<Promise<void>>();
  const queues = new Map<string, Update[]>();
  const ready: string[] = [];
  const active = new Set<string>();
  const lastFloodNotice = new Map<string, number>();
  let highestSeen = -1;
  let running = false;
  let abort: AbortController | undefined;
  let finishedSignal: (() => void) | undefined;
  let loop: Promise<void> | undefined;

  const offset = (): number => highestSeen + 1;

  function finish(id: number): void {
    unfinished.delete(id);
    finishedSignal?.();
    const clearing = inbox
      .done(id)
      .catch((err: unknown) => logger.warn({ err, updateId: id }, "could not clear a handled update from the inbox"))
      .finally(() => clearings.delete(clearing));
    clearings.add(clearing);
  }

  function nextFinish(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      finishedSignal = () => {
        clearTimeout(timer);
        finishedSignal = undefined;
        resolve();
      };
    });
  }

  async function runChat(key: string): Promise<void> {
    active.add(key);
    try {
      for (let update = queues.get(key)?.shift(); update; update = queues.get(key)?.shift()) {
        try {
          await handle(update);
        } catch (err) {
          // The bot's error boundary answers the person; this is only what escaped it.
          logger.error({ err, updateId: update.update_id }, "update failed outside the error boundary");
        } finally {
          finish(update.update_id);
        }
      }
    } finally {
      queues.delete(key);
      active.delete(key);
      pump();
    }
  }

  function pump(): void {
    while (active.size < concurrency && ready.length) {
      const key = ready.shift()!;
      if (!active.has(key)) void runChat(key);
    }
  }

  function dropFlood(key: string, update: Update): void {
    logger.warn({ updateId: update.update_id, key }, "chat is flooding: update dropped");
    finish(update.update_id);
    const last = lastFloodNotice.get(key);
    if (last !== undefined && now() - last < floodNoticeMs) return;
    lastFloodNotice.set(key, now());
    options.onFlood?.(update).catch((err: unknown) => logger.warn({ err }, "could not send the slow-down notice"));
  }

  function accept(update: Update): void {
    const id = update.update_id;
    if (unfinished.has(id)) return; // already queued or being handled
    highestSeen = Math.max(highestSeen, id);
    unfinished.add(id);
    const key = orderKeyOf(update);
    const queue = queues.get(key) ?? [];
    if (queue.length >= perChatBacklog) {
      dropFlood(key, update);
      return;
    }
    queue.push(update);
    if (!queues.has(key)) {
      queues.set(key, queue);
      if (!active.has(key)) ready.push(key);
    }
    pump();
  }

  async function pollLoop(): Promise<void> {
    while (running) {
      abort = new AbortController();
      let updates: Update[];
      try {
        updates = await api.getUpdates(
          { offset: offset(), limit: 100, timeout: 30, allowed_updates: options.allowedUpdates as never },
          abort.signal as never,
        );
      } catch (err) {
        if (!running) break;
        if (err instanceof GrammyError && (err.error_code === 409 || err.error_code === 401 || err.error_code === 404)) {
          logger.fatal({ err }, "polling cannot go on (another copy polling, or the token is wrong)");
          running = false;
          options.onFatal?.(err);
          break;
        }
        logger.warn({ err }, "getUpdates failed; polling again shortly");
        await nextFinish(1_000);
        continue;
      }
      try {
        // Stored before the next getUpdates confirms them: from here on a crash cannot lose them.
        await inbox.save(updates);
      } catch (err) {
        // Not stored: do not confirm them; ask for them again shortly.
        logger.error({ err }, "could not store fetched updates; fetching them again");
        await nextFinish(1_000);
        continue;
      }
      for (const update of updates) accept(update);
    }
  }

  return {
    start() {
      if (loop) return loop;
      running = true;
      loop = (async () => {
        // What a crash left in hand is handled first (in order, per chat, as ever).
        const left = await inbox.leftOver();
        if (left.length) logger.info({ updates: left.length }, "handling updates left over from before a restart");
        for (const update of left) accept(update);
        await pollLoop();
      })();
      return loop;
    },
    async stop() {
      running = false;
      abort?.abort();
      await loop?.catch(() => {});
      const deadline = now() + drainMs;
      while (unfinished.size > 0 && now() < deadline) await nextFinish(Math.max(1, deadline - now()));
      if (unfinished.size > 0) logger.warn({ unfinished: unfinished.size }, "stopped with updates in hand: they stay in the inbox for the next start");
      await Promise.all([...clearings]);
      // Confirm what was fetched (what is unfinished stays in the inbox), so that the next copy does not get it again.
      await api.getUpdates({ offset: offset(), limit: 1, timeout: 0 }).catch(() => {});
    },
    inFlight: () => unfinished.size,
  };
}
