// Several copies of the bot on one database (issue 13): each copy has its own connection, inbox, chat leases and
// dispatcher, as separate processes would; a "kill -9" is a kill switch after which everything the copy calls hangs
// for ever (test/helpers/killSwitch.ts). The handler records which copy finished which update, and notices two
// copies inside one chat at once. Lease expiry runs on a clock the test moves on; the copies' renewals and sweeps
// run every few real milliseconds, so nothing waits for a lease to run out in real time.
//
// - kill between storing and handling: handled once by another copy (a stored update nobody took: at its next
//   sweep; a chat the dead copy held: once the chat's lease has expired);
// - three copies in webhook mode behind a round-robin proxy: every update handled once (second deliveries
//   included), each chat's in order, never two copies in one chat at once (scaled down unless FULL_SCENARIOS=1);
// - polling copies: one poller; the poller killed with an update in hand and more arriving: another copy polls,
//   nothing lost or handled twice; a 409 makes the poller give up its lease and stand by, never exit.
import http from "node:http";
import { setImmediate as yieldTurn } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Api } from "grammy";
import type { Update } from "grammy/types";
import { createLogger } from "../../src/logger.js";
import { chatKeyOf, createInbox } from "../../src/db/inbox.js";
import { createLeases } from "../../src/db/leases.js";
import type { Database } from "../../src/db/connection.js";
import { createDispatcher, type Dispatcher } from "../../src/telegram/dispatcher.js";
import { createPoller, type Poller } from "../../src/telegram/poller.js";
import { createWebhookIntake, SECRET_HEADER, type WebhookIntake } from "../../src/telegram/webhook.js";
import { openTestDatabase, reopenTestDatabase, type TestDatabase } from "../helpers/db.js";
import { apiRoot, clientFor, localApi, makeUser, token } from "../helpers/telegram.js";
import { killSwitch, type KillSwitch } from "../helpers/killSwitch.js";
import { fullScenarios, scenarioSize } from "../helpers/scenarios.js";
import { waitUntil } from "../helpers/waitUntil.js";

const logger = createLogger({ level: "silent" });
const CHAT_TTL = 30_000;
const POLLER_TTL = 10_000;
/** Real milliseconds between renewals and tries for the poller lease (production: a third of the lease). */
const EVERY = 50;
/** Real milliseconds between sweeps (production: a third of the chat lease). Each reads the inbox and the leases. */
const SWEEP_EVERY = 250;
const SECRET = "replica-test-secret-0123456789";

let db: TestDatabase;
const connections: Database[] = [];
let clockMs = Date.parse("2026-12-02T09:00:00Z");
const now = () => new Date(clockMs);

beforeAll(async () => {
  db = await openTestDatabase("replicas");
});
afterAll(async () => {
  for (const c of connections.splice(0)) await c.close().catch(() => {});
  await db.drop();
});

/**
 * Lets `ms` of lease time pass in steps of a sixth of a chat lease, waiting after each until the live copies have
 * renewed what they hold (as they would every third of a lease in real time): only the dead copy's leases run out.
 */
async function passTime(ms: number, dead: string | readonly string[]): Promise<void> {
  const deadOwners = new Set(typeof dead === "string" ? [dead] : dead);
  const step = CHAT_TTL / 6;
  for (let passed = 0; passed < ms; passed += step) {
    clockMs += Math.min(step, ms - passed);
    await waitUntil("the live copies to renew their leases", async () => {
      const docs = [...(await db.models.InboxChat.find({ kind: "lease" }).lean()), ...(await db.models.Lease.find({ kind: "lease" }).lean())];
      return docs.filter((d) => !deadOwners.has(d.owner)).every((d) => d.expiresAt.getTime() > clockMs + step);
    }, { timeoutMs: 20_000 });
  }
}

async function fresh(): Promise<void> {
  const m = db.models;
  await Promise.all([m.InboxUpdate.deleteMany({}), m.InboxSeen.deleteMany({}), m.InboxChat.deleteMany({}), m.Lease.deleteMany({})]);
}

/** What the copies finished, and any moment two copies were inside one chat at once. */
function recorder() {
  const done: { id: number; chat: string; text: string; copy: string }[] = [];
  const busy = new Set<string>();
  const overlaps: string[] = [];
  const gates = new Map<string, Promise<void>>();
  const started: string[] = [];
  const handler = (copy: string, ks: KillSwitch) => async (u: Update) => {
    const chat = chatKeyOf(u);
    const text = u.message?.text ?? "";
    if (busy.has(chat)) overlaps.push(`${chat} at update ${u.update_id}`);
    busy.add(chat);
    started.push(`${copy}:${text}`);
    // A few turns of the event loop, so that copies and chats interleave as they would.
    await yieldTurn();
    await Promise.race([gates.get(text) ?? Promise.resolve(), ks.died]);
    await yieldTurn();
    busy.delete(chat);
    if (ks.dead) return new Promise<never>(() => {}); // died mid-way: nothing of it happened
    done.push({ id: u.update_id, chat, text, copy });
  };
  const countsById = () => {
    const counts = new Map<number, number>();
    for (const d of done) counts.set(d.id, (counts.get(d.id) ?? 0) + 1);
    return counts;
  };
  return { done, overlaps, gates, started, handler, countsById };
}

interface Copy {
  name: string;
  ks: KillSwitch;
  conn: Database;
  inbox: ReturnType<typeof createInbox>;
  dispatcher: Dispatcher;
  takeovers: string[];
}

async function copy(name: string, rec: ReturnType<typeof recorder>): Promise<Copy> {
  const conn = await reopenTestDatabase(db);
  connections.push(conn);
  const ks = killSwitch();
  const inbox = ks.wrap(createInbox(conn.models, now));
  const chatLeases = ks.wrap(createLeases(conn.models.InboxChat, { owner: name, now, ttlMs: CHAT_TTL }));
  const takeovers: string[] = [];
  const dispatcher = createDispatcher({
    inbox,
    chatLeases,
    logger,
    handle: rec.handler(name, ks),
    sweepMs: SWEEP_EVERY,
    renewMs: EVERY,
    perChatBacklog: 1000,
    onTakeover: (chat) => takeovers.push(chat),
  });
  return { name, ks, conn, inbox, dispatcher, takeovers };
}

/** A dead copy's timers are stopped without waiting for what it had in hand (which never ends). */
function bury(c: Copy): void {
  void c.dispatcher.drain(0);
}

function textUpdate(id: number, chatId: number, text: string): Update {
  return {
    update_id: id,
    message: { message_id: id, date: 1_764_666_000, chat: { id: chatId, type: "private", first_name: `U${chatId}` }, from: makeUser(chatId), text },
  } as Update;
}

function expectEachOnceInOrder(rec: ReturnType<typeof recorder>, sent: Map<string, string[]>) {
  expect(rec.overlaps).toEqual([]);
  expect([...rec.countsById().values()].filter((n) => n !== 1)).toEqual([]);
  for (const [chat, texts] of sent) {
    expect(rec.done.filter((d) => d.chat === chat).map((d) => d.text), chat).toEqual(texts);
  }
}

describe("a kill -9 between storing an update and handling it", () => {
  it("an update stored by a copy that died before taking its chat is handled once, at another copy's sweep", async () => {
    await fresh();
    const rec = recorder();
    const a = await copy("a", rec);
    const b = await copy("b", rec);
    await a.inbox.save([textUpdate(1, 9_000_001, "left behind")]);
    a.ks.kill(); // dies before handing the update to its dispatcher
    b.dispatcher.start();
    await waitUntil("b to handle it", () => rec.done.length === 1, { timeoutMs: 20_000 });
    expect(rec.done).toMatchObject([{ id: 1, text: "left behind", copy: "b" }]);
    await b.dispatcher.drain(1_000);
    expect(await db.models.InboxUpdate.countDocuments({})).toBe(0);
    expect(b.takeovers).toEqual([]); // no lease to take over: a never took the chat
  });

  it("a chat the dead copy held is taken over once its lease has expired: the update in hand and the next, once each, in order", async () => {
    await fresh();
    const rec = recorder();
    const a = await copy("a", rec);
    const b = await copy("b", rec);
    rec.gates.set("first", new Promise(() => {})); // a never gets past it
    const updates = [textUpdate(11, 9_000_002, "first"), textUpdate(12, 9_000_002, "second")];
    a.dispatcher.start();
    for (const u of await a.inbox.save(updates)) a.dispatcher.accept(u);
    await waitUntil("a to be handling the first", () => rec.started.includes("a:first"), { timeoutMs: 20_000 });
    a.ks.kill();
    bury(a);
    b.dispatcher.start();
    // b's sweeps see the chat's lease still live (a renewed it until it died) and leave the chat alone.
    expect(await b.dispatcher.sweep()).toBe(0);
    clockMs += CHAT_TTL + 1;
    rec.gates.delete("first");
    await waitUntil("b to handle both", () => rec.done.length === 2, { timeoutMs: 20_000 });
    expectEachOnceInOrder(rec, new Map([["chat:9000002", ["first", "second"]]]));
    expect(rec.done.every((d) => d.copy === "b")).toBe(true);
    expect(b.takeovers).toEqual(["chat:9000002"]);
    await b.dispatcher.drain(1_000);
    expect(await db.models.InboxUpdate.countDocuments({})).toBe(0);
  });
});

/** Forwards each request to the next copy in turn (a reverse proxy's round robin). */
async function roundRobinProxy(ports: number[]): Promise<{ url: string; close(): Promise<void> }> {
  let next = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const server = http.createServer((req, res) => {
    const port = ports[next++ % ports.length]!;
    const upstream = http.request({ host: "127.0.0.1", port, path: req.url, method: req.method, headers: req.headers, agent }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on("error", () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hook`,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// 2,000 from 200 chats in the full run; 60 from 12 chats in npm test (FerretDB on SQLite does some 100 commands a
// second on a loaded machine, and an update costs eight: the small size keeps the file to seconds).
const CHATS = scenarioSize(200, 12);
const PER_CHAT = scenarioSize(10, 5);

describe(`three copies in webhook mode behind a round-robin proxy, ${CHATS * PER_CHAT} updates from ${CHATS} chats`, { tags: ["scenario"] }, () => {
  it("handles every update once (second deliveries included), each chat's in order, never two copies in one chat at once", async () => {
    await fresh();
    const rec = recorder();
    const botApi = localApi();
    const copies: (Copy & { intake: WebhookIntake; server: http.Server })[] = [];
    for (const name of ["w1", "w2", "w3"]) {
      const c = await copy(name, rec);
      const intake = createWebhookIntake({ inbox: c.inbox, dispatcher: c.dispatcher, secret: SECRET, logger });
      const server = http.createServer((req, res) => void intake.handle(req, res));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      await intake.start(new Api(token, clientFor(botApi)), { url: "https://bot.example.org/hook", allowedUpdates: ["message"] });
      copies.push({ ...c, intake, server });
    }
    const proxy = await roundRobinProxy(copies.map((c) => (c.server.address() as { port: number }).port));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    // Telegram opens at most 40 connections to a webhook at once (setWebhook's max_connections default).
    let open = 0;
    const queued: (() => void)[] = [];
    const post = async (u: Update): Promise<number> => {
      while (open >= 40) await new Promise<void>((resolve) => queued.push(resolve));
      open++;
      try {
        return await postNow(u);
      } finally {
        open--;
        queued.shift()?.();
      }
    };
    const postNow = (u: Update) =>
      new Promise<number>((resolve, reject) => {
        const body = JSON.stringify(u);
        const req = http.request(proxy.url, {
          method: "POST",
          agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), [SECRET_HEADER]: SECRET },
        }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        });
        req.on("error", reject);
        req.end(body);
      });
    // Like Telegram, a request not answered 200 (a copy busy past the proxy's patience: 502) is sent again, a few
    // times: to the copy next in the round.
    let retried = 0;
    const deliver = async (u: Update): Promise<number> => {
      let status = 0;
      for (let attempt = 0; attempt < 5; attempt++) {
        status = await post(u).catch(() => 0);
        if (status === 200) return status;
        retried++;
      }
      return status;
    };
    try {
      // Like Telegram: a chat's next update is sent once the last was answered; chats at once, up to 40 requests in
      // flight. Every fourth update is delivered a second time (to the next copy in the round).
      let nextId = 1_000;
      const sent = new Map<string, string[]>();
      const statuses: number[] = [];
      await Promise.all(
        Array.from({ length: CHATS }, async (_, c) => {
          const chatId = 8_100_000_000 + c;
          const texts: string[] = [];
          sent.set(`chat:${chatId}`, texts);
          for (let k = 0; k < PER_CHAT; k++) {
            const u = textUpdate(nextId++, chatId, `c${c}#${k}`);
            texts.push(`c${c}#${k}`);
            statuses.push(await deliver(u));
            if (u.update_id % 4 === 0) statuses.push(await deliver(u));
          }
        }),
      );
      // Every delivery was accepted in the end (a retried one is a second delivery of the same update, which the
      // checks below also cover).
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      if (retried > 0) console.log(`[replicas] ${retried} requests answered other than 200 and sent again, as Telegram does`);
      await waitUntil("every update to be handled", () => rec.done.length >= CHATS * PER_CHAT, { timeoutMs: fullScenarios ? 800_000 : 60_000 });
      await waitUntil("the inbox and the chats' leases to be empty", async () =>
        (await db.models.InboxUpdate.countDocuments({})) === 0 && (await db.models.InboxChat.countDocuments({})) === 0,
      );
      expect(rec.done).toHaveLength(CHATS * PER_CHAT);
      expectEachOnceInOrder(rec, sent);
      // Every copy took part, and most chats were handled by more than one copy (their updates came in turns).
      const byCopy = new Map<string, number>();
      for (const d of rec.done) byCopy.set(d.copy, (byCopy.get(d.copy) ?? 0) + 1);
      expect([...byCopy.keys()].sort()).toEqual(["w1", "w2", "w3"]);
    } finally {
      agent.destroy();
      await proxy.close();
      for (const c of copies) {
        await c.intake.stop(1_000);
        c.server.closeAllConnections();
        await new Promise<void>((resolve) => c.server.close(() => resolve()));
      }
    }
  }, fullScenarios ? 900_000 : 60_000);
});

describe("polling copies", () => {
  // Whatever a test leaves running (a failed one included) is killed after it, so that its renewals cannot hold the
  // next test's poller lease.
  const made: Copy[] = [];
  afterEach(() => {
    for (const c of made.splice(0)) {
      if (c.ks.dead) continue;
      c.ks.kill();
      bury(c);
    }
  });

  async function pollingCopy(name: string, rec: ReturnType<typeof recorder>, botApi: ReturnType<typeof localApi>) {
    const c = await copy(name, rec);
    made.push(c);
    const roles: boolean[] = [];
    const pollerTakeovers: number[] = [];
    let fatal: unknown;
    const fetch = botApi.createFetch();
    const api = new Api(token, {
      apiRoot,
      fetch: ((...args: Parameters<typeof fetch>) => (c.ks.dead ? new Promise(() => {}) : fetch(...args))) as typeof fetch,
    });
    const poller: Poller = createPoller({
      api,
      inbox: c.inbox,
      dispatcher: c.dispatcher,
      chatLeases: createLeases(c.conn.models.InboxChat, { owner: name, now, ttlMs: CHAT_TTL }),
      handle: () => Promise.resolve(),
      logger,
      election: {
        leases: c.ks.wrap(createLeases(c.conn.models.Lease, { owner: name, now, ttlMs: POLLER_TTL })),
        everyMs: EVERY,
        conflictBackoffMs: 60_000,
        onRole: (polling) => roles.push(polling),
        onTakeover: () => pollerTakeovers.push(1),
      },
      onFatal: (err) => (fatal = err),
    });
    return { ...c, poller, roles, pollerTakeovers, fatal: () => fatal };
  }

  it("elect one poller; when it is killed with an update in hand, another copy polls and nothing is lost or handled twice", async () => {
    await fresh();
    const rec = recorder();
    const botApi = localApi();
    const copies = [await pollingCopy("p1", rec, botApi), await pollingCopy("p2", rec, botApi), await pollingCopy("p3", rec, botApi)];
    for (const c of copies) void c.poller.start();
    const pollers = () => copies.filter((c) => c.poller.polling());
    await waitUntil("one copy to poll", () => pollers().length === 1, { timeoutMs: 20_000 });

    const users = Array.from({ length: 12 }, (_, i) => makeUser(8_200_000_000 + i));
    const sent = new Map<string, string[]>(users.map((u) => [`chat:${u.id}`, [] as string[]]));
    const send = (round: string) => {
      for (let k = 0; k < 4; k++)
        for (const u of users) {
          const text = `${round}:${u.id}#${k}`;
          sent.get(`chat:${u.id}`)!.push(text);
          botApi.sendUserMessage(u, text);
        }
    };
    send("one");
    await waitUntil("the first round to be handled", () => rec.done.length === 48, { timeoutMs: 20_000 });
    // Many election rounds have passed meanwhile: still the one poller, and the others never polled.
    expect(pollers()).toHaveLength(1);
    const first = pollers()[0]!;
    for (const c of copies) expect(c.roles).toEqual(c === first ? [true] : []);

    // Killed while handling the first update of the second round, with the rest of the round fetched or not.
    const held = `two:${users[0]!.id}#0`;
    rec.gates.set(held, new Promise(() => {}));
    send("two");
    // Whoever takes the chat: usually the poller that stored it, but a standby's sweep may get there first.
    await waitUntil("a copy to be handling the held update", () => copies.some((c) => rec.started.includes(`${c.name}:${held}`)), { timeoutMs: 20_000 });
    const handling = copies.find((c) => rec.started.includes(`${c.name}:${held}`))!;
    // The poller dies, and so does the copy stuck in the held update if that is another one.
    const dead = [...new Set([first, handling])];
    for (const c of dead) {
      c.ks.kill();
      bury(c);
    }
    rec.gates.delete(held); // for whoever takes the chat over
    send("three");
    // Their leases run out: the poller's and its chats'.
    await passTime(Math.max(CHAT_TTL, POLLER_TTL) + 1, dead.map((c) => c.name));
    await waitUntil("another copy to poll", () => pollers().some((c) => !dead.includes(c)), { timeoutMs: 20_000 });
    await waitUntil("every update to be handled", () => rec.done.length === 3 * 48, { timeoutMs: 20_000 });
    expectEachOnceInOrder(rec, sent);
    const second = pollers().find((c) => !dead.includes(c))!;
    // It took the dead poller's lease over, or (a copy that won the takeover had just deleted the expired lease)
    // acquired the key in the moment it was free, the other backing off: either way one survivor became the poller,
    // once, and at most one takeover was counted.
    expect(second.roles).toEqual([true]);
    expect(copies.filter((c) => !dead.includes(c)).flatMap((c) => c.pollerTakeovers).length).toBeLessThanOrEqual(1);
    expect(copies.filter((c) => !dead.includes(c) && c.poller.polling())).toEqual([second]);
    expect(rec.done.filter((d) => d.text === held).map((d) => d.copy)).not.toContain(handling.name);
    for (const c of copies) if (!dead.includes(c)) await c.poller.stop();
    expect(await db.models.InboxUpdate.countDocuments({})).toBe(0);
  }, 60_000);

  it("a 409 makes the poller give up its lease and stand by (not exit); another copy takes over polling", async () => {
    await fresh();
    const rec = recorder();
    const botApi = localApi();
    const copies = [await pollingCopy("q1", rec, botApi), await pollingCopy("q2", rec, botApi)];
    for (const c of copies) void c.poller.start();
    await waitUntil("one copy to poll", () => copies.filter((c) => c.poller.polling()).length === 1, { timeoutMs: 20_000 });
    const first = copies.find((c) => c.poller.polling())!;
    const other = copies.find((c) => c !== first)!;
    // As when someone starts another bot process on the token, or sets a webhook.
    botApi.failNext("getUpdates", { error_code: 409, description: "Conflict: terminated by other getUpdates request" });
    botApi.sendUserMessage(makeUser(8_300_000_001), "wake the long poll");
    await waitUntil("the other copy to poll", () => other.poller.polling(), { timeoutMs: 20_000 });
    expect(first.poller.polling()).toBe(false);
    expect(first.poller.running()).toBe(true); // standing by, not exited
    expect(first.fatal()).toBeUndefined();
    expect(first.roles).toEqual([true, false]);
    // Nothing was lost on the way: the update is handled once.
    await waitUntil("the update to be handled", () => rec.done.length === 1, { timeoutMs: 20_000 });
    for (const c of copies) await c.poller.stop();
    expect(rec.done).toHaveLength(1);
  }, 30_000);
});
