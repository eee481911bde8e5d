// Telegram's flood limits as a sliding window that counts each call from the moment it is granted until one window
// AFTER its answer came back. Counting from the answer (not from the grant) is what makes the guarantee hold for
// the times Telegram sees: a call reaches Telegram somewhere between our grant and its answer, so for any span of
// `windowMs` the calls Telegram saw in it were all still counted when the last of them was granted. In-flight
// calls count as occupying the window until they are released. The guarantee holds with any number of concurrent
// calls, any latency and any (monotonic) clock, real or virtual.
import type { Clock } from "./clock.js";

export interface RateLimit {
  /** Calls allowed in any span of windowMs. */
  limit: number;
  windowMs: number;
}

export interface RateLimits {
  global: RateLimit;
  perChat: RateLimit;
}

/** About 30 messages a second overall and one a second per chat (Telegram's published guidance). */
export const TELEGRAM_LIMITS: RateLimits = {
  global: { limit: 30, windowMs: 1000 },
  perChat: { limit: 1, windowMs: 1000 },
};

/** A granted slot. Call release() once the API call has answered (or failed): the window starts then. */
export interface Permit {
  release(): void;
}

export interface RateLimiter {
  readonly limits: RateLimits;
  /** A permit now, or null when the chat, the overall budget or a 429 pause says wait. */
  tryAcquire(chatId: number | string): Permit | null;
  /** Milliseconds until tryAcquire(chatId) may succeed: 0 = now, Infinity = not before a permit is released. */
  waitMs(chatId: number | string): number;
  /** Waits for a permit (sleeping on the clock, or until a release); null if `signal` aborted first. */
  acquire(chatId: number | string, signal?: AbortSignal): Promise<Permit | null>;
  /** Holds every send until now + ms (a 429's retry_after slows the whole pipe, not just one chat). */
  pauseFor(ms: number): void;
  /** The end of the current pause, in epoch ms (0 when none). */
  pausedUntil(): number;
  /** Resolves at the next release of any permit. */
  nextRelease(): Promise<void>;
}

interface Slot {
  /** When the slot stops counting: answer time + windowMs, or Infinity while the call is in flight. */
  end: number;
}

class Window {
  slots: Slot[] = [];

  prune(now: number): void {
    if (this.slots.some((s) => s.end <= now)) this.slots = this.slots.filter((s) => s.end > now);
  }

  /** ms until fewer than `limit` slots count (Infinity when that needs an in-flight call to answer first). */
  wait(limit: number, now: number): number {
    this.prune(now);
    if (this.slots.length < limit) return 0;
    const ends = this.slots.map((s) => s.end).sort((a, b) => a - b);
    return ends[this.slots.length - limit]! - now;
  }
}

export function createRateLimiter(clock: Pick<Clock, "now" | "sleep">, limits: RateLimits = TELEGRAM_LIMITS): RateLimiter {
  for (const l of [limits.global, limits.perChat]) {
    if (!(l.limit >= 1 && l.windowMs > 0)) throw new Error(`Invalid rate limit ${JSON.stringify(l)}`);
  }
  const global = new Window();
  const chats = new Map<string, Window>();
  let pauseEnd = 0;
  let grants = 0;
  let waiters: (() => void)[] = [];
  const now = () => clock.now().getTime();

  function chatWindow(chatId: number | string): Window {
    const key = String(chatId);
    let w = chats.get(key);
    if (!w) chats.set(key, (w = new Window()));
    return w;
  }

  /** Forget chats whose slots have all expired, so a 5,000-person broadcast leaves no trace in memory. */
  function sweep(at: number): void {
    for (const [key, w] of chats) {
      w.prune(at);
      if (w.slots.length === 0) chats.delete(key);
    }
  }

  const limiter: RateLimiter = {
    limits,
    tryAcquire(chatId) {
      const t = now();
      if (t < pauseEnd) return null;
      const chat = chatWindow(chatId);
      if (global.wait(limits.global.limit, t) > 0 || chat.wait(limits.perChat.limit, t) > 0) return null;
      const g: Slot = { end: Infinity };
      const c: Slot = { end: Infinity };
      global.slots.push(g);
      chat.slots.push(c);
      if (++grants % 1000 === 0) sweep(t);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          const answeredAt = now();
          g.end = answeredAt + limits.global.windowMs;
          c.end = answeredAt + limits.perChat.windowMs;
          const toWake = waiters;
          waiters = [];
          for (const w of toWake) w();
        },
      };
    },
    waitMs(chatId) {
      const t = now();
      const chat = chats.get(String(chatId));
      return Math.max(
        pauseEnd - t,
        global.wait(limits.global.limit, t),
        chat ? chat.wait(limits.perChat.limit, t) : 0,
        0,
      );
    },
    acquire: (chatId, signal) => acquireLoop(limiter, clock, chatId, signal),
    pauseFor(ms) {
      pauseEnd = Math.max(pauseEnd, now() + Math.max(0, ms));
    },
    pausedUntil: () => pauseEnd,
    nextRelease: () => new Promise<void>((resolve) => waiters.push(resolve)),
  };
  return limiter;
}

/** acquire() in terms of tryAcquire() and waitMs(): try, else sleep as long as waitMs says (or until a release). */
async function acquireLoop(
  limiter: RateLimiter,
  clock: Pick<Clock, "sleep">,
  chatId: number | string,
  signal: AbortSignal | undefined,
): Promise<Permit | null> {
  for (;;) {
    if (signal?.aborted) return null;
    const permit = limiter.tryAcquire(chatId);
    if (permit) return permit;
    const wait = limiter.waitMs(chatId);
    if (wait === Infinity) {
      await Promise.race([limiter.nextRelease(), abortPromise(signal)]);
    } else {
      await clock.sleep(Math.max(1, wait), signal);
    }
  }
}

/**
 * `inner`, granting nothing while `gateWaitMs()` is above 0 (the ms until sending may resume): how the sender lease
 * (senderLease.ts) keeps a standby copy from sending. Every call through the limiter is held alike, the worker's
 * sends and the hooks' extra calls (withPermit).
 */
export function gateLimiter(inner: RateLimiter, gateWaitMs: () => number, clock: Pick<Clock, "sleep">): RateLimiter {
  const gated: RateLimiter = {
    limits: inner.limits,
    tryAcquire: (chatId) => (gateWaitMs() > 0 ? null : inner.tryAcquire(chatId)),
    waitMs: (chatId) => Math.max(gateWaitMs(), inner.waitMs(chatId)),
    acquire: (chatId, signal) => acquireLoop(gated, clock, chatId, signal),
    pauseFor: (ms) => inner.pauseFor(ms),
    pausedUntil: () => inner.pausedUntil(),
    nextRelease: () => inner.nextRelease(),
  };
  return gated;
}

function abortPromise(signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return new Promise<void>(() => {});
  return new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}
