// The exactly-once attempt protocol (src/delivery/attempt.ts), one attempt at a time, without the worker's loop:
// what is claimed, what reaches Telegram, and what is recorded, for a claim won, a claim held by a live or a dead
// worker, an answer lost, a stop between claim and call, and a message already final.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Api } from "grammy";
import { createAttempts, type Attempts } from "../../src/delivery/attempt.js";
import { createCleanup, type Cleanup } from "../../src/delivery/cleanup.js";
import { createOutboxService, type OutboxMessage, type OutboxService } from "../../src/delivery/outbox.js";
import { createOutcomes, newCounters, type DeliveryCounters } from "../../src/delivery/outcomes.js";
import type { QueuedMessage } from "../../src/delivery/queue.js";
import type { Permit } from "../../src/delivery/rateLimiter.js";
import { attemptId, createOutboxStore, type OutboxStore } from "../../src/delivery/store.js";
import type { OutboxItemDoc } from "../../src/db/models/outbox.js";
import { sendTimeout, type LocalBotApi } from "../../src/localBotApi/index.js";
import { createLogger } from "../../src/logger.js";
import { openTestDatabase, type TestDatabase } from "../helpers/db.js";
import { sendCalls } from "../helpers/delivery.js";
import { apiRoot, localApi, token } from "../helpers/telegram.js";
import { VirtualClock } from "../helpers/virtualClock.js";

const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
const CHAT = 8_200_000_001;
const STALE_MS = 120_000;
const RECHECK_MS = 5000;

describe("one delivery attempt", () => {
  let db: TestDatabase;
  let clock: VirtualClock;
  let api: LocalBotApi;
  let store: OutboxStore;
  let outbox: OutboxService;
  let cleanup: Cleanup;
  let counters: DeliveryCounters;
  let blocked: number[];
  let attempts: Attempts;

  beforeEach(async () => {
    db = await openTestDatabase("attempt");
    clock = new VirtualClock();
    api = localApi({ now: clock.nowMs });
    api.addUser({ id: CHAT, first_name: "Recipient" });
    store = createOutboxStore(db.models);
    outbox = createOutboxService(db.models, clock.now, store);
    cleanup = createCleanup({ store, clock, log: logger });
    counters = newCounters();
    blocked = [];
    const botApi = new Api(token, { apiRoot, fetch: api.createFetch() });
    const outcomes = createOutcomes({
      store,
      cleanup,
      // The port, implemented by a plain object: delivery needs nothing else of the person service.
      people: { markBlocked: async (id) => void blocked.push(id) },
      hooks: [],
      hookCtx: { api: botApi, withPermit: (_chatId, call) => call(), clock, logger },
      clock,
      log: logger,
      counters,
    });
    attempts = createAttempts({
      store,
      outcomes,
      api: botApi,
      clock,
      workerId: "worker-a",
      pauseAll: () => {},
      log: logger,
      counters,
      callTimeoutMs: 30_000,
      staleAfterMs: STALE_MS,
      recheckMs: RECHECK_MS,
      maxFailures: 8,
      backoff: { baseMs: 1000, maxMs: 60_000 },
      random: () => 0.5,
    });
  });
  afterEach(async () => {
    await db.drop();
  });

  async function queued(extra: Partial<OutboxMessage> = {}): Promise<QueuedMessage> {
    const key = extra.key ?? "test:one";
    await outbox.enqueue({ key, purpose: "test", chatId: CHAT, personId: CHAT, params: { text: "Hello" }, ...extra });
    const doc = await db.models.OutboxItem.findOne({ key }).lean<OutboxItemDoc>();
    return { id: String(doc!._id), doc: doc!, attempts: 0, failures: 0, dueAt: clock.now().getTime(), seq: 0 };
  }

  function permit(): Permit & { releases: number } {
    const p = {
      releases: 0,
      release() {
        p.releases++;
      },
    };
    return p;
  }

  const notStopping = () => false;

  it("a claim won: attempt 1 is claimed before the call, sent once, and its end recorded with the message id", async () => {
    const entry = await queued();
    const p = permit();
    expect(await attempts.run(entry, p, notStopping)).toBe("let_go");
    expect(p.releases).toBe(1);
    expect(sendCalls(api)).toHaveLength(1);
    const claim = await db.models.OutboxAttempt.findById(attemptId("test:one", 1)).lean();
    expect(claim).toMatchObject({ owner: "worker-a", n: 1, itemId: entry.id });
    const done = await db.models.OutboxDone.findOne({ key: "test:one" }).lean();
    expect(done).toMatchObject({ status: "sent", attempts: 1, messageId: api.lastBotMessage(CHAT)!.message_id });
    expect(await db.models.Audit.countDocuments({ action: "delivery.sent", "details.key": "test:one" })).toBe(1);
    // The pending copy is left for the batched clean-up.
    expect(cleanup.ids()).toEqual([entry.id]);
    expect(counters.sent).toBe(1);
  });

  it("a claim held by a live worker: no call, and a look again within recheckMs", async () => {
    const entry = await queued();
    await db.models.OutboxAttempt.create({ _id: attemptId("test:one", 1), itemId: entry.id, key: "test:one", n: 1, owner: "worker-b", at: clock.now() });
    const p = permit();
    expect(await attempts.run(entry, p, notStopping)).toBe("requeue");
    expect(p.releases).toBe(1);
    expect(entry.dueAt).toBe(clock.now().getTime() + RECHECK_MS);
    expect(entry.attempts).toBe(0);
    expect(sendCalls(api)).toHaveLength(0);
    expect(await db.models.OutboxDone.countDocuments({})).toBe(0);
  });

  it("a claim left by a dead worker: failed \"interrupted\", never sent again (ifInterrupted fail)", async () => {
    const entry = await queued();
    const longAgo = new Date(clock.now().getTime() - STALE_MS);
    await db.models.OutboxAttempt.create({ _id: attemptId("test:one", 1), itemId: entry.id, key: "test:one", n: 1, owner: "worker-b", at: longAgo });
    expect(await attempts.run(entry, permit(), notStopping)).toBe("let_go");
    expect(sendCalls(api)).toHaveLength(0);
    expect(await db.models.OutboxDone.findOne({ key: "test:one" }).lean()).toMatchObject({ status: "failed", reason: "interrupted", attempts: 1 });
    expect(await db.models.Audit.countDocuments({ action: "delivery.interrupted" })).toBe(1);
    expect(counters.interrupted).toBe(1);
  });

  it("a claim left by a dead worker, for a message that asked to be retried: attempt 2 is due now", async () => {
    const entry = await queued({ ifInterrupted: "retry" });
    const longAgo = new Date(clock.now().getTime() - STALE_MS);
    await db.models.OutboxAttempt.create({ _id: attemptId("test:one", 1), itemId: entry.id, key: "test:one", n: 1, owner: "worker-b", at: longAgo });
    expect(await attempts.run(entry, permit(), notStopping)).toBe("requeue");
    expect(await db.models.OutboxRetry.findById(attemptId("test:one", 1)).lean()).toMatchObject({ cause: "interrupted", failures: 0 });
    expect(entry).toMatchObject({ attempts: 1, failures: 0, dueAt: clock.now().getTime() });
    expect(await attempts.run(entry, permit(), notStopping)).toBe("let_go");
    expect(sendCalls(api)).toHaveLength(1);
    expect(await db.models.OutboxDone.findOne({ key: "test:one" }).lean()).toMatchObject({ status: "sent", attempts: 2 });
  });

  it("an answer lost after Telegram sent: failed \"unknown\" after one call, not retried", async () => {
    const entry = await queued();
    api.failNext("sendMessage", sendTimeout(), { afterEffect: true });
    expect(await attempts.run(entry, permit(), notStopping)).toBe("let_go");
    expect(sendCalls(api)).toHaveLength(1);
    expect(api.messages(CHAT).filter((m) => m.from === "bot")).toHaveLength(1);
    expect(await db.models.OutboxDone.findOne({ key: "test:one" }).lean()).toMatchObject({ status: "failed", reason: "unknown", errorCode: null });
    expect(await db.models.OutboxRetry.countDocuments({})).toBe(0);
    expect(counters).toMatchObject({ unknown: 1, failed: 1, retried: 0 });
  });

  it("a stop between claim and call: nothing sent, the claim released so that the next worker goes on at once", async () => {
    const entry = await queued();
    const p = permit();
    expect(await attempts.run(entry, p, () => true)).toBe("requeue");
    expect(p.releases).toBe(1);
    expect(sendCalls(api)).toHaveLength(0);
    expect(await db.models.OutboxRetry.findById(attemptId("test:one", 1)).lean()).toMatchObject({ cause: "released", failures: 0 });
    expect(entry).toMatchObject({ attempts: 1, dueAt: clock.now().getTime() });
    expect(counters.retried).toBe(0); // a release is not a retry
  });

  it("a 403 is final at once, and the person marked through the port", async () => {
    const entry = await queued();
    api.blockBot(CHAT, { notify: false });
    expect(await attempts.run(entry, permit(), notStopping)).toBe("let_go");
    expect(await db.models.OutboxDone.findOne({ key: "test:one" }).lean()).toMatchObject({ status: "blocked", reason: "blocked", errorCode: 403 });
    expect(blocked).toEqual([CHAT]);
  });

  it("attempt n answered elsewhere goes on from that answer; a message final elsewhere is only cleaned up", async () => {
    const entry = await queued();
    const retryAt = new Date(clock.now().getTime() + 7000);
    await db.models.OutboxAttempt.create({ _id: attemptId("test:one", 1), itemId: entry.id, key: "test:one", n: 1, owner: "worker-b", at: clock.now() });
    await db.models.OutboxRetry.create({
      _id: attemptId("test:one", 1),
      itemId: entry.id,
      key: "test:one",
      n: 1,
      cause: "transient",
      failures: 1,
      retryAt,
      errorCode: 500,
      error: "Internal Server Error",
      at: clock.now(),
    });
    expect(await attempts.run(entry, permit(), notStopping)).toBe("requeue");
    expect(entry).toMatchObject({ attempts: 1, failures: 1, dueAt: retryAt.getTime() });

    // Worker B then finished it (attempt 2) before this worker tried.
    const { _id, key, purpose, refId, group, chatId, personId, method, createdAt } = entry.doc;
    await db.models.OutboxAttempt.create({ _id: attemptId(key, 2), itemId: entry.id, key, n: 2, owner: "worker-b", at: clock.now() });
    await db.models.OutboxDone.create({ _id, key, purpose, refId, group, chatId, personId, method, status: "sent", attempts: 2, createdAt, finishedAt: clock.now() });
    expect(await attempts.run(entry, permit(), notStopping)).toBe("let_go");
    expect(sendCalls(api)).toHaveLength(0);
    expect(cleanup.ids()).toEqual([entry.id]);
    await cleanup.drain();
    expect(await db.models.OutboxItem.countDocuments({})).toBe(0);
    expect(await db.models.OutboxRetry.countDocuments({})).toBe(0);
  });
});
