// The sender lease alone, on the test database and a clock stepped by hand: one copy sends at a time, terms follow
// one another without a gap for the holder, a standby takes over after a graceful stop (at once for a new copy) or a
// crash (once the dead copy's terms run out), always with a quiet window, and a holder that lost the next term stops
// early. Old terms are pruned.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSenderLease, senderTermId, type SenderLease } from "../../src/delivery/senderLease.js";
import type { Clock } from "../../src/delivery/clock.js";
import { createLogger } from "../../src/logger.js";
import { openTestDatabase, type TestDatabase } from "../helpers/db.js";
import { waitUntil } from "../helpers/waitUntil.js";

const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
const TERM = 5000;

/** Time moves only in advance(), timer by timer, each time after every lease loop has gone back to sleep. */
class SteppedClock implements Clock {
  private timers: { at: number; resolve: () => void }[] = [];
  constructor(public t: number) {}
  now = () => new Date(this.t);
  sleep = (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = { at: this.t + Math.max(0, ms), resolve };
      this.timers.push(timer);
      signal?.addEventListener("abort", () => {
        this.timers = this.timers.filter((x) => x !== timer);
        resolve();
      });
    });
  /** Waits until `loops` lease loops are asleep (each is either asleep or at the database). */
  settle(loops: () => number) {
    return waitUntil("the lease loops to go back to sleep", () => this.timers.length >= loops());
  }
  /** Moves to `t + ms`, firing every timer on the way at its own time; `sample` runs after each step settles. */
  async advance(ms: number, loops: () => number, sample?: () => void) {
    const end = this.t + ms;
    for (;;) {
      const next = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.t = Math.max(this.t, next.at);
      const due = this.timers.filter((x) => x.at <= this.t);
      this.timers = this.timers.filter((x) => x.at > this.t);
      for (const x of due) x.resolve();
      await this.settle(loops);
      sample?.();
    }
    this.t = end;
    sample?.();
  }
}

describe("sender lease", () => {
  let db: TestDatabase;
  let clock: SteppedClock;
  let leases: SenderLease[];
  const running = new Set<SenderLease>();
  const loops = () => running.size;

  beforeEach(async () => {
    db = await openTestDatabase("lease");
    // A term boundary plus 100 ms: term k = START / TERM.
    clock = new SteppedClock(Math.floor(Date.parse("2026-11-26T06:30:00Z") / TERM) * TERM + 100);
    leases = [];
  });
  afterEach(async () => {
    for (const l of running) await l.stop();
    running.clear();
    await db.drop();
  });

  function lease(owner: string): SenderLease {
    const l = createSenderLease({ models: db.models, clock, owner, log, termMs: TERM, handoverMs: 1000, quietMs: 1000 });
    leases.push(l);
    return l;
  }
  async function start(l: SenderLease) {
    l.start();
    running.add(l);
    await clock.settle(loops);
  }
  async function stop(l: SenderLease) {
    running.delete(l);
    await l.stop();
  }
  const term = () => Math.floor(clock.t / TERM);
  const owners = async () =>
    (await db.models.OutboxSenderTerm.find({}).sort({ term: 1 }).lean()).map((d) => [d.term - term(), d.owner] as const);

  it("one copy: takes the current term, sends after a quiet window, claims each next term halfway, keeps no old terms", async () => {
    const a = lease("a");
    await start(a);
    expect(a.holding()).toBe(true);
    expect(a.waitMs()).toBe(1000); // the quiet window: another copy may have sent until just now
    let closed = 0;
    await clock.advance(1000, loops);
    expect(a.waitMs()).toBe(0);
    // Six terms later it has sent all along, across every boundary.
    await clock.advance(6 * TERM, loops, () => void (a.waitMs() > 0 && closed++));
    expect(closed).toBe(0);
    const held = await owners();
    expect(held.every(([, o]) => o === "a")).toBe(true);
    expect(held.map(([k]) => k)).toEqual([-2, -1, 0]); // pruned: only the last few terms stay
  });

  it("three copies: exactly one may send at any moment, and the others stand by", async () => {
    const copies = [lease("a"), lease("b"), lease("c")];
    for (const l of copies) await start(l);
    let samples = 0;
    await clock.advance(4 * TERM, loops, () => {
      samples++;
      expect(copies.filter((l) => l.waitMs() === 0).length).toBeLessThanOrEqual(1);
      expect(copies.filter((l) => l.holding()).length).toBe(1);
    });
    expect(samples).toBeGreaterThan(4);
    expect(copies.filter((l) => l.waitMs() === 0)).toHaveLength(1);
  });

  it("a graceful stop: a standby takes the next term, a copy started afterwards takes the current one; both wait a window first", async () => {
    const a = lease("a");
    const b = lease("b");
    await start(a);
    await start(b);
    await clock.advance(1500, loops);
    expect([a.waitMs(), b.holding()]).toEqual([0, false]);
    await stop(a);
    expect(await owners()).toEqual([]); // released

    // A copy that starts now takes the current term at once, and sends one window later.
    const c = lease("c");
    await start(c);
    expect(c.holding()).toBe(true);
    expect(c.waitMs()).toBe(1000);
    await stop(c);

    // The standby takes the next term as it starts, and it too waits one window.
    const next = (term() + 1) * TERM;
    await clock.advance(next - clock.t, loops);
    expect(b.holding()).toBe(true);
    expect(b.waitMs()).toBe(1000);
    await clock.advance(1000, loops);
    expect(b.waitMs()).toBe(0);
  });

  it("a crashed holder (its terms left behind): a standby takes over when they run out, within two terms", async () => {
    const k = term();
    // The dead copy had claimed this term and, halfway through, the next.
    await db.models.OutboxSenderTerm.create([
      { _id: senderTermId(k), term: k, owner: "dead", at: clock.now() },
      { _id: senderTermId(k + 1), term: k + 1, owner: "dead", at: clock.now() },
    ]);
    const b = lease("b");
    await start(b);
    let sent = false;
    await clock.advance((k + 2) * TERM - 1 - clock.t, loops, () => void (sent ||= b.waitMs() === 0));
    expect([sent, b.holding()]).toEqual([false, false]);
    await clock.advance(1, loops);
    expect([b.holding(), b.waitMs()]).toEqual([true, 1000]);
  });

  it("a holder that could not claim the next term stops handoverMs before its end; the new holder waits a window", async () => {
    const a = lease("a");
    await start(a);
    const k = term();
    // Another copy (its clock a little ahead) got term k+1 first.
    await db.models.OutboxSenderTerm.create({ _id: senderTermId(k + 1), term: k + 1, owner: "b", at: clock.now() });
    await clock.advance((k + 1) * TERM - 1001 - clock.t, loops);
    expect(a.waitMs()).toBe(0);
    await clock.advance(1, loops);
    expect(a.waitMs()).toBe(1000); // nothing in the last second of its term
    await clock.advance(1000, loops);
    expect(a.holding()).toBe(false);
    expect((await owners()).map(([, o]) => o)).toEqual(["a", "b"]);
  });
});
