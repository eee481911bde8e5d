// Long polling that hands updates to the dispatcher (telegram/dispatcher.ts: different chats at once, one chat in
// order across copies, floods throttled), replacing bot.start() (which handles one update at a time across all chats).
//
// - One poller among the copies: with `election`, each copy tries for the `poller` lease (db/leases.ts, `leases`
//   collection) every third of its length; the holder polls and renews it as often, the others stand by (their
//   dispatchers still sweep the inbox, so they finish what a dead poller left). A poller that dies stops renewing:
//   within one lease length and a third another copy holds the lease and polls.
// - Nothing lost: fetched updates are stored in the inbox (db/inbox.ts) before the next fetch confirms them to
//   Telegram, and removed once handled; what a crash left in the inbox is found by the dispatcher's sweep. An update
//   fetched again (the offset was not confirmed before a crash or a takeover) is already in the inbox and is not
//   handled a second time.
// - A 409 Conflict (another process polling with this token, or a webhook set) is never ignored: the poller logs
//   it, gives up the lease and stands by for `conflictBackoffMs` before it tries again (someone else has intake).
//   Without election (a single copy), and on 401/404 (the token is wrong), onFatal is called.
// - stop() stops fetching, lets the updates in hand finish (up to `drainMs`), confirms what was fetched if this copy
//   is the poller, gives the lease back and resolves; only then may the database be closed.
import { GrammyError, type Api } from "grammy";
import type { Update } from "grammy/types";
import type { Inbox } from "../db/inbox.js";
import type { Lease, Leases } from "../db/leases.js";
import { createDispatcher, type Dispatcher, type DispatcherOptions } from "./dispatcher.js";

/** The poller's lease key in `leases`. */
export const POLLER_LEASE = "poller";

export interface PollerElection {
  /** Leases on the `leases` collection; their ttlMs is the poller's lease length. */
  leases: Leases;
  /** How often the poller renews the lease and the others try for it (default: a third of the lease). */
  everyMs?: number;
  /** How long to stand by after a 409 before trying for the lease again (default 60 s). */
  conflictBackoffMs?: number;
  /** Became the poller (true) or stood down (false). */
  onRole?: (polling: boolean, reason: string) => void;
  /** Took the lease over from a poller that had stopped renewing it. */
  onTakeover?: () => void;
}

export interface PollerOptions extends Omit<DispatcherOptions, "inbox"> {
  api: Api;
  inbox: Inbox;
  /** The dispatcher to hand updates to (default: one of its own, built from these options). */
  dispatcher?: Dispatcher;
  allowedUpdates?: readonly string[];
  /** Longest wait at stop() for updates in hand. */
  drainMs?: number;
  /** Several copies: poll only while holding the poller lease. Absent: this copy always polls. */
  election?: PollerElection;
  /** Polling cannot go on (a revoked token; a 409 without election): the process should exit non-zero. */
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
  /** Whether the loop is running: polling, or standing by to poll (readiness). */
  running(): boolean;
  /** Whether this copy is the one polling now. */
  polling(): boolean;
}

type Ending = "stopped" | "lost" | "conflict" | "fatal";

export function createPoller(options: PollerOptions): Poller {
  const { api, inbox, logger, election } = options;
  const drainMs = options.drainMs ?? 10_000;
  const dispatcher = options.dispatcher ?? createDispatcher(options);
  const leaseMs = election?.leases.ttlMs ?? 0;
  const renewMs = election?.everyMs ?? Math.max(1, Math.floor(leaseMs / 3));
  const conflictBackoffMs = election?.conflictBackoffMs ?? 60_000;

  let highestSeen = -1;
  let running = false;
  let polling = false;
  let lease: Lease | null = null;
  let abort: AbortController | undefined;
  /** Ends the stand-by pause early (stop()). */
  let wake: AbortController | undefined;
  let loop: Promise<void> | undefined;
  let conflict: unknown;

  const offset = (): number => highestSeen + 1;

  function pause(ms: number): Promise<void> {
    // Stopped while giving up the lease after a 409, say: stop() has already woken whatever pause there was.
    if (!running) return Promise.resolve();
    wake = new AbortController();
    const signal = wake.signal;
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  function setRole(now: boolean, reason: string): void {
    if (polling === now) return;
    polling = now;
    logger.info({ reason }, now ? "this copy is the poller now" : "this copy stands by (another copy polls)");
    election?.onRole?.(now, reason);
  }

  async function pollLoop(): Promise<Ending> {
    let lostLease = false;
    let renewing: NodeJS.Timeout | undefined;
    // The renewal under way: the lease is given back only after it (an update racing the release would write the
    // released lease back over the next poller's, on FerretDB).
    let renewal: Promise<void> = Promise.resolve();
    if (election && lease) {
      const held = lease;
      renewing = setInterval(() => {
        renewal = renewal.then(() =>
          election.leases
            .renew([held])
            .then((gone) => {
              if (!gone.length) return;
              logger.warn("lost the poller lease (not renewed in time): standing by");
              lostLease = true;
              abort?.abort();
            })
            .catch((err: unknown) => logger.warn({ err }, "could not renew the poller lease")),
        );
      }, renewMs);
      renewing.unref();
    }
    try {
      while (running && !lostLease) {
        abort = new AbortController();
        let updates: Update[];
        try {
          updates = await api.getUpdates(
            { offset: offset(), limit: 100, timeout: 30, allowed_updates: options.allowedUpdates as never },
            abort.signal as never,
          );
        } catch (err) {
          if (!running) return "stopped";
          if (lostLease) return "lost";
          if (err instanceof GrammyError && err.error_code === 409) {
            logger.error({ err }, "409 Conflict: another process polls with this token, or a webhook is set");
            conflict = err;
            return "conflict";
          }
          if (err instanceof GrammyError && (err.error_code === 401 || err.error_code === 404)) {
            logger.fatal({ err }, "polling cannot go on (the token is wrong)");
            options.onFatal?.(err);
            return "fatal";
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
      return lostLease ? "lost" : "stopped";
    } finally {
      clearInterval(renewing);
      await renewal;
    }
  }

  async function giveUpLease(): Promise<void> {
    const held = lease;
    lease = null;
    if (held && election) await election.leases.release(held).catch((err: unknown) => logger.warn({ err }, "could not release the poller lease"));
  }

  async function electionLoop(): Promise<void> {
    while (running) {
      if (election) {
        const won = await election.leases.acquire(POLLER_LEASE).catch((err: unknown) => {
          logger.warn({ err }, "could not try for the poller lease");
          return null;
        });
        if (!won) {
          await pause(renewMs);
          continue;
        }
        lease = won;
        if (won.tookOver) election.onTakeover?.();
        // A new poller asks from the oldest unconfirmed update: what the last one stored is recognised as seen.
        highestSeen = -1;
      }
      setRole(true, lease?.tookOver ? "took over from a poller that stopped renewing" : "won the poller lease");
      const ending = await pollLoop();
      if (ending === "lost") lease = null;
      if (ending !== "stopped") setRole(false, ending);
      if (ending === "fatal") break;
      if (ending === "conflict") {
        if (!election) {
          options.onFatal?.(conflict);
          break;
        }
        await giveUpLease();
        await pause(conflictBackoffMs);
      }
    }
    running = false;
  }

  return {
    start() {
      if (loop) return loop;
      running = true;
      dispatcher.start();
      loop = electionLoop();
      return loop;
    },
    async stop() {
      running = false;
      abort?.abort();
      wake?.abort();
      await loop?.catch(() => {});
      const unfinished = await dispatcher.drain(drainMs);
      if (unfinished > 0) logger.warn({ unfinished }, "stopped with updates in hand: they stay in the inbox for another copy or the next start");
      // Confirm what was fetched (what is unfinished stays in the inbox), so that the next poller does not get it
      // again; only the poller does, or it would end the poller's long poll with a 409.
      if (polling) await api.getUpdates({ offset: offset(), limit: 1, timeout: 0 }).catch(() => {});
      polling = false;
      await giveUpLease();
    },
    inFlight: () => dispatcher.inFlight(),
    running: () => running,
    polling: () => polling,
  };
}
