// Leases (db/leases.ts) on the test database: one holder at a time, a released lease free at once, an expired one
// taken over by exactly one of the copies racing for it, its old owner told it lost it, and a taker that died
// mid-way not blocking the key for ever. Time is a number the test moves on; nothing waits on the clock.
import { describe, expect } from "vitest";
import { testWithFileDatabase as it } from "../helpers/db.js";
import { createLeases, type Lease } from "../../src/db/leases.js";
import type { TestDatabase } from "../helpers/db.js";

const TTL = 30_000;

function copies(db: TestDatabase, n: number, clock: { ms: number }) {
  return Array.from({ length: n }, (_, i) =>
    createLeases(db.models.Lease, { owner: `copy-${i + 1}`, now: () => new Date(clock.ms), ttlMs: TTL }),
  );
}

/** The documents about one key (the file's tests share a database): its lease and any takeover tokens. */
async function ids(db: TestDatabase, key: string): Promise<string[]> {
  const docs = await db.models.Lease.find({}, { _id: 1 }).lean();
  return docs.map((d) => d._id).filter((id) => id === key || id.startsWith(`${key}~`));
}

describe("leases", () => {
  it("one holder at a time; a released lease is free at once", async ({ db }) => {
    const clock = { ms: Date.parse("2026-12-01T10:00:00Z") };
    const [a, b] = copies(db, 2, clock);
    const held = await a!.acquire("k1");
    expect(held).toMatchObject({ key: "k1", tookOver: false });
    expect(await b!.acquire("k1")).toBeNull();
    expect(await a!.acquire("k1")).toBeNull(); // not re-entrant: a second turn of the same copy waits too
    await a!.release(held!);
    expect(await b!.acquire("k1")).toMatchObject({ key: "k1", tookOver: false });
  });

  it("renewing keeps the lease past its first expiry; an unrenewed one is taken over, and its owner learns it lost it", async ({ db }) => {
    const clock = { ms: Date.parse("2026-12-01T11:00:00Z") };
    const [a, b] = copies(db, 2, clock);
    const held = (await a!.acquire("k2"))!;
    clock.ms += 20_000;
    expect(await a!.renew([held])).toEqual([]);
    clock.ms += 20_000; // 40 s after the start, 20 s after the renewal: still a's
    expect(await b!.acquire("k2")).toBeNull();
    clock.ms += 11_000; // past the renewed expiry
    const taken = await b!.acquire("k2");
    expect(taken).toMatchObject({ key: "k2", tookOver: true });
    expect(await a!.renew([held])).toEqual([held]);
    // The old owner's release touches only its own acquisition.
    await a!.release(held);
    expect(await db.models.Lease.findById("k2").lean()).toMatchObject({ owner: "copy-2", nonce: taken!.nonce });
  });

  it("of five copies racing for a free key or an expired lease, exactly one wins, every time", async ({ db }) => {
    const clock = { ms: Date.parse("2026-12-01T12:00:00Z") };
    const all = copies(db, 5, clock);
    let last: Lease[] = [];
    let previous = "";
    for (let round = 0; round < 8; round++) {
      if (round > 0) clock.ms += TTL + 1; // the previous winner "died": its lease expires
      const results = await Promise.all(all.map((c) => c.acquire("race")));
      last = results.filter((r): r is Lease => r !== null);
      expect(last, `round ${round}`).toHaveLength(1);
      // (A racer that finds the key free in the moment between the takeover's delete and insert wins it plainly.)
      if (round > 0) expect(last[0]!.nonce).not.toBe(previous);
      previous = last[0]!.nonce;
    }
    // Only the lease is left (takeover tokens are removed by their winners).
    expect(await ids(db, "race")).toEqual(["race"]);
  });

  it("a taker that died mid-takeover leaves a token that expires: the next taker goes on with the next one", async ({ db }) => {
    const clock = { ms: Date.parse("2026-12-01T13:00:00Z") };
    const [a, b, c] = copies(db, 3, clock);
    const held = (await a!.acquire("k3"))!;
    clock.ms += TTL + 1;
    // b wins the first token and dies before replacing the lease.
    await db.models.Lease.create({ _id: `k3~${held.nonce}~1`, kind: "takeover", owner: "copy-2", nonce: "dead", expiresAt: new Date(clock.ms + TTL) });
    expect(await c!.acquire("k3")).toBeNull(); // b's takeover is still "under way"
    clock.ms += TTL + 1;
    expect(await c!.acquire("k3")).toMatchObject({ tookOver: true });
    clock.ms += TTL + 1; // the dead taker's token is pruned once it is a lease length past its expiry
    expect(await b!.pruneTokens()).toBe(1);
    expect(await ids(db, "k3")).toEqual(["k3"]);
  });

  it("lists what is held, for the sweep", async ({ db }) => {
    const clock = { ms: Date.parse("2026-12-01T14:00:00Z") };
    const [a] = copies(db, 1, clock);
    await a!.acquire("x");
    await a!.acquire("y");
    expect((await a!.all()).map((l) => l._id).filter((id) => id === "x" || id === "y").sort()).toEqual(["x", "y"]);
    expect((await a!.all()).every((l) => l.kind === "lease")).toBe(true);
  });
});
