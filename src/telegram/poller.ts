// Long polling that hands updates to the dispatcher (telegram/dispatcher.ts: different chats at once, one chat in
// order, floods throttled), replacing bot.start() (which handles one update at a time across all chats).
//
// - Nothing lost: fetched updates are stored in the inbox (db/inbox.ts) before the next fetch confirms them to
//   Telegram, and marked once handled; at start, what a crash left in the inbox is handled first. An update fetched
//   again (the offset was not confirmed before a crash) is already in the inbox and is not handled a second time.
// - stop() stops fetching, lets the updates in hand finish (up to `drainMs`), confirms what was fetched, and
//   resolves; only then may the database be closed.
// - A 409 Conflict (another copy polling with this token, or a webhook set) is fatal: onFatal is called rather than
//   sitting deaf.
import { GrammyError, type Api } from "grammy";
import type { Update } from "grammy/types";
import type { Inbox } from "../db/inbox.js";
import { createDispatcher, type Dispatcher, type DispatcherOptions } from "./dispatcher.js";

export { orderKeyOf } from "./dispatcher.js";

export interface PollerOptions extends Omit<DispatcherOptions, "inbox"> {
  api: Api;
  inbox: Inbox;
  /** The dispatcher to hand updates to (default: one of its own, built from these options). */
  dispatcher?: Dispatcher;
  allowedUpdates?: readonly string[];
  /** Longest wait at stop() for updates in hand. */
  drainMs?: number;
  /** Polling cannot go on (409 Conflict, a revoked token): the process should exit non-zero. */
  onFatal?: (err: unknown) => void;
  /** After each stored batch: how many updates came, and how many of them were new. */
  onReceived?: (updates: readonly Update[], fresh: readonly Update[]) => void;
}

export interface Poller {
  /** Resolves when polling has stopped (stop(), or a fatal error). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Updates fetched and not yet finished. */
  inFlight(): number;
  /** Whether the poll loop is running (readiness). */
  running(): boolean;
}

export function createPoller(options: PollerOptions): Poller {
  const { api, inbox, logger } = options;
  const drainMs = options.drainMs ?? 10_000;
  const dispatcher = options.dispatcher ?? createDispatcher(options);

  let highestSeen = -1;
  let running = false;
  let abort: AbortController | undefined;
  let loop: Promise<void> | undefined;

  const offset = (): number => highestSeen + 1;

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
        await dispatcher.nextFinish(1_000);
        continue;
      }
      let fresh: Update[];
      try {
        // Stored before the next getUpdates confirms them: from here on a crash cannot lose them.
        fresh = await inbox.save(updates);
      } catch (err) {
        // Not stored: do not confirm them; ask for them again shortly.
        logger.error({ err }, "could not store fetched updates; fetching them again");
        await dispatcher.nextFinish(1_000);
        continue;
      }
      for (const update of updates) highestSeen = Math.max(highestSeen, update.update_id);
      options.onReceived?.(updates, fresh);
      for (const update of fresh) dispatcher.accept(update);
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
        for (const update of left) {
          highestSeen = Math.max(highestSeen, update.update_id);
          dispatcher.accept(update);
        }
        await pollLoop();
      })();
      return loop;
    },
    async stop() {
      running = false;
      abort?.abort();
      await loop?.catch(() => {});
      const unfinished = await dispatcher.drain(drainMs);
      if (unfinished > 0) logger.warn({ unfinished }, "stopped with updates in hand: they stay in the inbox for the next start");
      // Confirm what was fetched (what is unfinished stays in the inbox), so that the next copy does not get it again.
      await api.getUpdates({ offset: offset(), limit: 1, timeout: 0 }).catch(() => {});
    },
    inFlight: () => dispatcher.inFlight(),
    running: () => running,
  };
}
