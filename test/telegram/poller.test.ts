// The poller against the local Bot API: chats at once and each chat in order, a flooding chat throttled without
// holding anyone up, the offset never confirmed past an unfinished update, stop() draining before it resolves, and a
// 409 Conflict ending polling loudly. Progress is driven by promises the handler controls (gates), never by the clock.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Api } from "grammy";
import type { Update } from "grammy/types";
import { createPoller, type Poller, type PollerOptions } from "../../src/telegram/poller.js";
import { createDispatcher } from "../../src/telegram/dispatcher.js";
import { createLogger } from "../../src/logger.js";
import { clientFor, localApi, makeUser, token } from "../helpers/telegram.js";
import { openTestDatabase, type TestDatabase } from "../helpers/db.js";
import { createInbox } from "../../src/db/inbox.js";
import { createLeases } from "../../src/db/leases.js";
import { waitUntil } from "../helpers/waitUntil.js";

const logger = createLogger({ level: "silent" });
const pollers: Poller[] = [];
/** The leases' clock: a test plays time passing (a dead copy's lease expiring) by moving it on. */
let clockMs = Date.parse("2026-12-01T10:00:00Z");
const now = () => new Date(clockMs);
let copies = 0;
let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase("poller");
});
afterAll(async () => {
  await db.drop();
});
afterEach(async () => {
  for (const p of pollers.splice(0)) await p.stop();
});

/** A promise and its resolver. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

function textOf(u: Update): string {
  return u.message?.text ?? "";
}

async function setup(options: { perChatBacklog?: number; drainMs?: number; election?: PollerOptions["election"] } = {}, botApi = localApi(), fresh = true) {
  // Each test starts with an empty inbox unless it plays the next start after a kill.
  // (Each local Bot API numbers its updates from 1: the ids a previous test saw are forgotten too.)
  if (fresh) await Promise.all([db.models.InboxUpdate.deleteMany({}), db.models.InboxSeen.deleteMany({}), db.models.InboxChat.deleteMany({})]);
  const api = new Api(token, clientFor(botApi));
  const inbox = createInbox(db.models, now);
  const handled: Update[] = [];
  const started: Update[] = [];
  const blockers = new Map<string, Promise<void>>();
  const floods: Update[] = [];
  let fatal: unknown;
  const dispatcher = createDispatcher({
    inbox,
    chatLeases: createLeases(db.models.InboxChat, { owner: `copy-${++copies}`, now, ttlMs: 30_000 }),
    logger,
    ...options,
    handle: async (update) => {
      started.push(update);
      const blocker = blockers.get(textOf(update));
      if (blocker) await blocker;
      handled.push(update);
    },
    onFlood: async (update) => void floods.push(update),
  });
  const poller = createPoller({
    api,
    inbox,
    dispatcher,
    chatLeases: createLeases(db.models.InboxChat, { owner: `copy-${copies}`, now, ttlMs: 30_000 }),
    logger,
    ...options,
    handle: () => Promise.resolve(),
    onFatal: (err) => (fatal = err),
  });
  pollers.push(poller);
  return { botApi, api, poller, dispatcher, handled, blockers, floods, fatal: () => fatal };
}

describe("the poller", () => {
  it("handles other chats while one chat's update is slow, and each chat in order", async () => {
    const t = await setup();
    const slow = gate();
    t.blockers.set("slow", slow.promise);
    const a = makeUser(7_100_000_001);
    const b = makeUser(7_100_000_002);
    t.botApi.sendUserMessage(a, "slow");
    t.botApi.sendUserMessage(a, "a2");
    for (let i = 1; i <= 5; i++) t.botApi.sendUserMessage(b, `b${i}`);
    void t.poller.start();
    await waitUntil("b's five updates", () => t.handled.length === 5);
    expect(t.handled.map(textOf)).toEqual(["b1", "b2", "b3", "b4", "b5"]);
    slow.open();
    await waitUntil("all seven updates", () => t.handled.length === 7);
    expect(t.handled.map(textOf).slice(5)).toEqual(["slow", "a2"]);
  });

  it("throttles a flooding chat (one notice, the excess dropped) while everyone else is answered", async () => {
    const t = await setup({ perChatBacklog: 10 });
    const stuck = gate();
    t.blockers.set("flood 0", stuck.promise);
    const flooder = makeUser(7_100_000_010);
    for (let i = 0; i < 300; i++) t.botApi.sendUserMessage(flooder, `flood ${i}`);
    const others = Array.from({ length: 16 }, (_, i) => makeUser(7_100_000_100 + i));
    for (const o of others) t.botApi.sendUserMessage(o, "/help");
    void t.poller.start();
    // Every other chat is answered while the flooding chat's first message is still in hand.
    await waitUntil("the 16 other chats to be answered", () => t.handled.filter((u) => textOf(u) === "/help").length === 16);
    expect(t.handled.filter((u) => textOf(u).startsWith("flood")).map(textOf)).toEqual([]);
    expect(t.floods).toHaveLength(1);
    stuck.open();
    // The first message and the 10 that waited behind it are handled; the rest were dropped.
    await waitUntil("the 11 flood messages kept", () => t.handled.filter((u) => textOf(u).startsWith("flood")).length >= 11);
    await t.poller.stop();
    expect(t.poller.inFlight()).toBe(0);
    expect(await db.models.InboxUpdate.countDocuments({})).toBe(0);
    // The first message and the 10 behind it, in order; the rest of those fetched while they waited were dropped.
    // (Messages fetched after the backlog had drained may be handled too, in order: the poller stores batch after
    // batch, and when the next one lands depends on the machine.)
    const kept = t.handled.filter((u) => textOf(u).startsWith("flood")).map((u) => Number(textOf(u).slice("flood ".length)));
    expect(kept.slice(0, 11)).toEqual(Array.from({ length: 11 }, (_, i) => i));
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
    expect(kept.length).toBeLessThan(150);
  });

  it("stop() waits for the update in hand, then confirms it so that it is not delivered again", async () => {
    const t = await setup();
    const slow = gate();
    t.blockers.set("slow", slow.promise);
    const a = makeUser(7_100_000_020);
    t.botApi.sendUserMessage(a, "slow");
    void t.poller.start();
    await waitUntil("the slow update to be in hand", () => t.poller.inFlight() === 1 && t.blockers.size === 1);
    let stopped = false;
    const stopping = t.poller.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    slow.open();
    await stopping;
    expect(t.handled.map(textOf)).toEqual(["slow"]);
    // A new copy gets nothing again.
    expect(await t.api.getUpdates({ timeout: 0 })).toEqual([]);
  });

  it("keeps what a kill left in hand in the inbox, and the next start handles it (and only it)", async () => {
    const first = await setup({ drainMs: 0 });
    const never = gate();
    first.blockers.set("stuck", never.promise);
    const a = makeUser(7_100_000_030);
    const b = makeUser(7_100_000_031);
    first.botApi.sendUserMessage(a, "stuck");
    first.botApi.sendUserMessage(b, "done");
    void first.poller.start();
    await waitUntil("the first copy to handle one update", () => first.handled.length === 1);
    // Killed with "stuck" in hand (drainMs 0: nothing waited for).
    await first.poller.stop();
    expect(await first.api.getUpdates({ timeout: 0 })).toEqual([]);
    // The next start, on the same Telegram and database: "stuck"'s chat is still leased by the dead copy until its
    // lease expires; the next sweep after that takes the chat over.
    const next = await setup({}, first.botApi, false);
    void next.poller.start();
    clockMs += 31_000;
    await waitUntil("the sweep to take the dead copy's chat", async () => (await next.dispatcher.sweep()) > 0 || next.handled.length > 0);
    await waitUntil("the next start to handle the one left", () => next.handled.length === 1);
    expect(next.handled.map(textOf)).toEqual(["stuck"]);
    await next.poller.stop();
    expect(await db.models.InboxUpdate.countDocuments({})).toBe(0);
    never.open();
  });

  it("a 409 Conflict (another copy polling) ends polling and reports it", async () => {
    const t = await setup();
    t.botApi.failNext("getUpdates", { error_code: 409, description: "Conflict: terminated by other getUpdates request" });
    await t.poller.start();
    expect(t.fatal()).toMatchObject({ error_code: 409 });
  });

  it("stopped while giving up the poller lease after a 409, it stops at once instead of standing by first", async () => {
    await db.models.Lease.deleteMany({});
    const leases = createLeases(db.models.Lease, { owner: "copy-409", now, ttlMs: 60_000 });
    const releasing = gate();
    const released = gate();
    const roles: boolean[] = [];
    const t = await setup({
      election: {
        // The release is held until the copy has been told to stop (a SIGTERM right after the 409 was logged).
        leases: { ...leases, release: async (lease) => (releasing.open(), await released.promise, await leases.release(lease)) },
        everyMs: 1_000,
        // An hour: a stop that waited for the stand-by pause to end would time the test out.
        conflictBackoffMs: 3_600_000,
        onRole: (polling) => roles.push(polling),
      },
    });
    t.botApi.failNext("getUpdates", { error_code: 409, description: "Conflict: terminated by other getUpdates request" });
    const loop = t.poller.start();
    await releasing.promise;
    expect(roles).toEqual([true, false]);
    const stopped = t.poller.stop();
    released.open();
    await stopped;
    await loop;
    expect(t.poller.running()).toBe(false);
    expect(await db.models.Lease.countDocuments({})).toBe(0); // the lease was given up
  });
});
