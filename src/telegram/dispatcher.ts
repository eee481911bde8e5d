// Handles stored updates (telegram/poller.ts and telegram/webhook.ts hand them over): different chats at once, one
// chat strictly in order, and a flooding chat throttled. Each update is marked done in the inbox (db/inbox.ts) once
// handled, so that a restart picks up only what was in hand.
//
// - Per chat in order, chats concurrently (up to `concurrency` at once).
// - A flooding chat is throttled: beyond `perChatBacklog` waiting updates, its further updates are dropped and the
//   person told once (per `floodNoticeMs`) to slow down; everyone else is unaffected.
// - drain() lets the updates in hand finish (up to a deadline) and waits for their inbox writes: only then may the
//   database be closed.
import type { Update } from "grammy/types";
import type { Logger } from "../logger.js";
import type { Inbox } from "../db/inbox.js";

export interface DispatcherOptions {
  inbox: Pick<Inbox, "done">;
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
  now?: () => number;
}

export interface Dispatcher {
  /** Queues an update (one already queued or in hand is ignored). */
  accept(update: Update): void;
  /** Updates accepted and not yet finished. */
  inFlight(): number;
  /** Whether this update is queued or in hand. */
  has(updateId: number): boolean;
  /** Resolves when the next update finishes, or after `timeoutMs` (an interruptible pause for the intake loops). */
  nextFinish(timeoutMs: number): Promise<void>;
  /** Waits up to `ms` for the updates in hand, then for their inbox writes; returns how many did not finish. */
  drain(ms: number): Promise<number>;
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

/** What kind of update this is (message, callback_query, my_chat_member, ...): the metrics' label. */
export function kindOf(update: Update): string {
  return Object.keys(update).find((k) => k !== "update_id") ?? "unknown";
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { inbox, handle, logger } = options;
  const concurrency = options.concurrency ?? 32;
  const perChatBacklog = options.perChatBacklog ?? 10;
  const floodNoticeMs = options.floodNoticeMs ?? 30_000;
  const now = options.now ?? Date.now;

  const unfinished = new Set<number>();
  /** Inbox writes under way: drain() waits for them, so the database is not closed under them. */
  const clearings = new Set<Promise<void>>();
  const queues = new Map<string, Update[]>();
  const ready: string[] = [];
  const active = new Set<string>();
  const lastFloodNotice = new Map<string, number>();
  const finishedSignals = new Set<() => void>();

  function finish(id: number): void {
    unfinished.delete(id);
    for (const signal of [...finishedSignals]) signal();
    const clearing = inbox
      .done(id)
      .catch((err: unknown) => logger.warn({ err, updateId: id }, "could not mark a handled update in the inbox"))
      .finally(() => clearings.delete(clearing));
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

  async function runChat(key: string): Promise<void> {
    active.add(key);
    try {
      for (let update = queues.get(key)?.shift(); update; update = queues.get(key)?.shift()) {
        const started = now();
        let outcome: "ok" | "error" = "ok";
        try {
          await handle(update);
        } catch (err) {
          // The bot's error boundary answers the person; this is only what escaped it.
          outcome = "error";
          logger.error({ err, updateId: update.update_id }, "update failed outside the error boundary");
        } finally {
          finish(update.update_id);
          options.onHandled?.(update, now() - started, outcome);
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
    options.onHandled?.(update, 0, "dropped");
    const last = lastFloodNotice.get(key);
    if (last !== undefined && now() - last < floodNoticeMs) return;
    lastFloodNotice.set(key, now());
    options.onFlood?.(update).catch((err: unknown) => logger.warn({ err }, "could not send the slow-down notice"));
  }

  return {
    accept(update) {
      const id = update.update_id;
      if (unfinished.has(id)) return; // already queued or being handled
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
    },
    inFlight: () => unfinished.size,
    has: (id) => unfinished.has(id),
    nextFinish,
    async drain(ms) {
      const deadline = now() + ms;
      while (unfinished.size > 0 && now() < deadline) await nextFinish(Math.max(1, deadline - now()));
      await Promise.all([...clearings]);
      return unfinished.size;
    },
  };
}
