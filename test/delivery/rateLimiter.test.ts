// The rate limiter alone, on a hand-driven clock: its windows, its pause, and the property the worker relies on —
// whatever the concurrency and latency, calls seen at any moment between their grant and their answer never exceed
// the limits in any window.
import { describe, expect, it } from "vitest";
import { createRateLimiter, TELEGRAM_LIMITS, type Permit } from "../../src/delivery/rateLimiter.js";
import { maxInWindow } from "../helpers/delivery.js";

function manualClock(start = 1_000_000) {
  let t = start;
  return {
    now: () => new Date(t),
    sleep: async (ms: number) => {
      t += ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
    at: () => t,
  };
}

/** A tiny deterministic PRNG (mulberry32) so the property check is reproducible. */
function prng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let r = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

describe("rate limiter", () => {
  it("grants 30 at once overall, then nothing until one window after the answers", () => {
    const clock = manualClock();
    const limiter = createRateLimiter(clock, TELEGRAM_LIMITS);
    const permits = Array.from({ length: 30 }, (_, i) => limiter.tryAcquire(i)!);
    expect(permits.every(Boolean)).toBe(true);
    expect(limiter.tryAcquire(99)).toBeNull();
    expect(limiter.waitMs(99)).toBe(Infinity); // all 30 are still in flight
    clock.advance(200);
    permits.forEach((p) => p.release()); // answered at +200
    expect(limiter.waitMs(99)).toBe(1000);
    clock.advance(999);
    expect(limiter.tryAcquire(99)).toBeNull();
    clock.advance(1);
    expect(limiter.tryAcquire(99)).not.toBeNull();
  });

  it("allows one message a second per chat, counted from the answer", () => {
    const clock = manualClock();
    const limiter = createRateLimiter(clock, TELEGRAM_LIMITS);
    const p = limiter.tryAcquire(7)!;
    expect(limiter.tryAcquire(7)).toBeNull();
    expect(limiter.tryAcquire(8)).not.toBeNull(); // another chat is free
    clock.advance(300);
    p.release();
    clock.advance(999);
    expect(limiter.tryAcquire(7)).toBeNull();
    clock.advance(1);
    expect(limiter.tryAcquire(7)).not.toBeNull();
  });

  it("holds everything during a pause (a 429's retry_after)", async () => {
    const clock = manualClock();
    const limiter = createRateLimiter(clock, TELEGRAM_LIMITS);
    limiter.pauseFor(3000);
    expect(limiter.tryAcquire(1)).toBeNull();
    expect(limiter.waitMs(1)).toBe(3000);
    const permit = await limiter.acquire(1); // sleeps on the clock
    expect(permit).not.toBeNull();
    expect(clock.at()).toBe(1_000_000 + 3000);
  });

  it("never lets calls exceed the limits, whatever the concurrency and latency (randomised)", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = prng(seed);
      const clock = manualClock();
      const limits = { global: { limit: 30, windowMs: 1000 }, perChat: { limit: 1, windowMs: 1000 } };
      const limiter = createRateLimiter(clock, limits);
      const inflight: { permit: Permit; answerAt: number; chat: number; grantAt: number }[] = [];
      const seen: { at: number; chat: number }[] = [];
      for (let step = 0; step < 8000; step++) {
        clock.advance(Math.floor(random() * 20));
        // Answer the calls whose time has come; each was "seen by Telegram" at a random moment in its flight.
        for (const c of inflight.filter((c) => c.answerAt <= clock.at())) {
          c.permit.release();
          seen.push({ at: c.grantAt + Math.floor(random() * (c.answerAt - c.grantAt + 1)), chat: c.chat });
        }
        for (let i = inflight.length - 1; i >= 0; i--) if (inflight[i]!.answerAt <= clock.at()) inflight.splice(i, 1);
        for (let k = 0; k < 5; k++) {
          const chat = Math.floor(random() * 60);
          const permit = limiter.tryAcquire(chat);
          if (permit) inflight.push({ permit, chat, grantAt: clock.at(), answerAt: clock.at() + Math.floor(random() * 700) });
        }
      }
      expect(seen.length).toBeGreaterThan(1000);
      expect(maxInWindow(seen.map((s) => s.at), 1000)).toBeLessThanOrEqual(30);
      const byChat = new Map<number, number[]>();
      for (const s of seen) byChat.set(s.chat, [...(byChat.get(s.chat) ?? []), s.at]);
      for (const times of byChat.values()) expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(1);
    }
  });

  it("refuses nonsense limits", () => {
    expect(() => createRateLimiter(manualClock(), { global: { limit: 0, windowMs: 1000 }, perChat: { limit: 1, windowMs: 1000 } })).toThrow();
  });
});
