// The "Done when": a directive to 5,000 recipients (500 in `npm test`; FULL_SCENARIOS=1 for all 5,000) through the bot and a LocalBotApi that answers some calls
// with 429 + retry_after, 403 (blocked), 400 (no chat) and 500, with the worker stopped half-way and a new one (on
// its own connection) started. Every recipient ends sent or failed with a reason, nobody gets two copies, and the
// sending rate measured from the LocalBotApi's call times never exceeds 30/s overall or 1/s per chat.
// Virtual time (test/helpers/virtualClock.ts): the database costs no virtual time, Telegram's limits do.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trusted } from "mongoose";
import { createDirectiveProgress } from "../../src/bot/directiveProgress.js";
import type { Database } from "../../src/db/connection.js";
import type { PersonDoc } from "../../src/db/models/index.js";
import { createDeliveryWorker, type DeliveryWorker } from "../../src/delivery/index.js";
import { internalServerError, tooManyRequests } from "../../src/localBotApi/index.js";
import { createLogger } from "../../src/logger.js";
import { createServices } from "../../src/services/index.js";
import { measureRates, openMonitoredDatabase, sendCalls } from "../helpers/delivery.js";
import { waitUntil } from "../helpers/waitUntil.js";
import { createHarness, type Harness } from "../helpers/harness.js";
import { localApi } from "../helpers/telegram.js";
import { VirtualClock } from "../helpers/virtualClock.js";
import { scenarioSize } from "../helpers/scenarios.js";

const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
const N = scenarioSize(5000, 500);
const FIRST = 6_000_000_000;
const ADMIN = 5_200_000_001;
const TEXT = "Sneh Samvad: every Vidhan Sabha in-charge to hold one meeting before 15 December and report it the same day.";

describe(`a directive to ${N.toLocaleString("en-IN")} recipients`, { tags: ["scenario"] }, () => {
  let h: Harness;
  let clock: VirtualClock;
  const connections: Database[] = [];
  const ids = Array.from({ length: N }, (_, i) => FIRST + i * 7);
  // Deterministic shares of trouble, by position (at 5,000: 50 × 403, 10 × 400 chat not found, 50 × 429 for 1-2 s,
  // 25 × 500 once; about a tenth of each at 500).
  const blocked = new Set(ids.filter((_, i) => i % 100 === 37));
  const noChat = new Set(ids.filter((_, i) => i % 500 === 123));
  const limited = new Map(ids.filter((_, i) => i % 100 === 11).map((id, k) => [id, 1 + (k % 2)]));
  const flaky = new Set(ids.filter((_, i) => i % 200 === 71));
  let injected429 = 0;

  beforeAll(async () => {
    clock = new VirtualClock();
    const api = localApi({ now: clock.nowMs });
    // Telegram's own flood control for the overall rate, simulated: any excess would show as an extra 429. (The
    // per-chat rate is measured from the call log instead: the admin's conversation replies in quick bursts,
    // which Telegram allows in a private chat but a strict 1/s simulation would refuse.)
    api.setRateLimits({ global: { limit: 30, windowMs: 1000 } });
    h = await createHarness({ label: "broadcast", api });
    await h.services.people.ensureNationalAdmins([ADMIN]);
    await h.services.people.touch({ id: ADMIN, first_name: "Asha", language_code: "en" });

    const acs = await h.db.models.Ac.find({}, { _id: 0, code: 1 }).lean<{ code: string }[]>();
    const at = clock.now();
    const people: Partial<PersonDoc>[] = ids.map((id, i) => ({
      _id: id,
      telegramId: id,
      firstName: `AC${i}`,
      language: i % 3 === 0 ? "en" : null,
      roles: [{ role: "ac_incharge", level: "ac", code: acs[i % acs.length]!.code, grantedBy: ADMIN, grantedAt: at }],
      blockedBotAt: null,
    }));
    await h.db.models.Person.insertMany(people, { lean: true });
    for (const id of ids) {
      if (noChat.has(id)) continue;
      h.api.addUser({ id, first_name: `U${id}` });
      if (blocked.has(id)) h.api.blockBot(id, { notify: false });
    }
    const seen429 = new Set<number>();
    const seen500 = new Set<number>();
    h.api.failNext(
      ({ method, params }) => {
        const chat = Number(params.chat_id);
        if (method !== "sendMessage" || !limited.has(chat) || limited.get(chat) !== 1 || seen429.has(chat)) return false;
        seen429.add(chat);
        injected429++;
        return true;
      },
      tooManyRequests(1),
      { times: 1e9 },
    );
    h.api.failNext(
      ({ method, params }) => {
        const chat = Number(params.chat_id);
        if (method !== "sendMessage" || limited.get(chat) !== 2 || seen429.has(chat)) return false;
        seen429.add(chat);
        injected429++;
        return true;
      },
      tooManyRequests(2),
      { times: 1e9 },
    );
    h.api.failNext(
      ({ method, params }) => {
        const chat = Number(params.chat_id);
        if (method !== "sendMessage" || !flaky.has(chat) || seen500.has(chat)) return false;
        seen500.add(chat);
        return true;
      },
      internalServerError(),
      { times: 1e9 },
    );
  }, 300_000);

  afterAll(async () => {
    for (const c of connections) await c.close();
    await h.close();
  });

  async function startWorker(): Promise<{ worker: DeliveryWorker; finals: () => number }> {
    const db = await openMonitoredDatabase(h.db);
    connections.push(db);
    clock.track(db.connection);
    const services = createServices({ models: db.models, now: clock.now });
    let count = 0;
    const worker = createDeliveryWorker({
      models: db.models,
      api: h.workerApi,
      services,
      logger,
      clock,
      hooks: [
        createDirectiveProgress({ services, i18n: h.i18n, logger }),
        { purposes: ["directive"], onSent: () => void count++, onFinalFailure: () => void count++ },
      ],
    });
    worker.start();
    return { worker, finals: () => count };
  }

  it(
    "reaches everyone exactly once within Telegram's limits, across a worker restart",
    async () => {
      const admin = h.person(ADMIN, { first_name: "Asha", language_code: "en" });
      await admin.send("/directive");
      await admin.send(TEXT);
      await admin.tap("No attachment ➡️");
      await admin.tap("👥 Roles in an area");
      await admin.tap("☐ Vidhan Sabha in-charge");
      await admin.tap("Continue ➡️");
      await admin.tap("All India");
      expect(admin.lastText()).toContain(`Recipients: ${N}`);

      const realStart = Date.now();
      const sendAt = clock.nowMs();
      await admin.tap(`📢 Send to ${N} people`);
      const createdMs = Date.now() - realStart;
      clock.advance(1000); // the conversation's own messages leave the 1 s window before the broadcast starts
      const directive = await h.db.models.Directive.findOne({}).lean();
      expect(directive?.recipientCount).toBe(N);
      const refId = String(directive!._id);

      // Worker A sends about half, then stops gracefully; worker B (another connection: another process) finishes.
      const a = await startWorker();
      await waitUntil("worker A to finish half", () => a.finals() >= N / 2, { timeoutMs: 240_000, everyMs: 25 });
      await a.worker.stop();
      const byA = a.finals();
      expect(byA).toBeLessThan(N);
      const b = await startWorker();
      await waitUntil("worker B to finish the rest", () => byA + b.finals() >= N, { timeoutMs: 240_000, everyMs: 25 });
      await b.worker.whenIdle();
      await b.worker.stop();
      const realMs = Date.now() - realStart;

      // Every recipient ends sent, or failed/blocked with a reason.
      const done = await h.db.models.OutboxDone.find({ purpose: "directive", refId }).lean();
      expect(done).toHaveLength(N);
      expect(await h.db.models.OutboxItem.countDocuments({ refId })).toBe(0);
      const byStatus = (s: string) => done.filter((d) => d.status === s);
      expect(byStatus("blocked").map((d) => d.personId).sort()).toEqual([...blocked].sort());
      expect(byStatus("failed").map((d) => d.personId).sort()).toEqual([...noChat].sort());
      expect(byStatus("sent")).toHaveLength(N - blocked.size - noChat.size);
      for (const d of done) {
        if (d.status === "sent") expect(d.messageId).toBeGreaterThan(0);
        else expect(d.error && d.reason).toBeTruthy();
      }
      expect(byStatus("failed").every((d) => d.reason === "rejected" && d.error!.includes("chat not found"))).toBe(true);
      expect(byStatus("blocked").every((d) => d.errorCode === 403)).toBe(true);
      // Blocked people are marked, so /team shows them to their appointers.
      expect(await h.db.models.Person.countDocuments({ telegramId: trusted({ $in: [...blocked] }), blockedBotAt: trusted({ $ne: null }) })).toBe(blocked.size);

      // Nobody got two copies: count the directive messages in every chat.
      const copies = ids.map((id) => h.api.messages(id).filter((e) => e.from === "bot" && e.message.text?.includes("Sneh Samvad")).length);
      expect(copies.filter((n) => n > 1)).toEqual([]);
      expect(copies.filter((n) => n === 1)).toHaveLength(N - blocked.size - noChat.size);

      // Within the limits, measured from the LocalBotApi's call times over sliding 1 s windows.
      const calls = sendCalls(h.api).filter((c) => String(c.params.text ?? "").includes("Sneh Samvad"));
      const rates = measureRates(calls);
      expect(rates.maxPerSecond).toBeLessThanOrEqual(30);
      expect(rates.maxPerChatPerSecond).toBeLessThanOrEqual(1);
      // Every 429 was one we injected: Telegram's own (simulated) flood control never had to step in.
      expect(calls.filter((c) => c.error?.error_code === 429)).toHaveLength(injected429);
      expect(injected429).toBe(limited.size);
      // A rate-limited message went again only after its retry_after.
      for (const [chat, seconds] of limited) {
        const mine = calls.filter((c) => c.params.chat_id === chat);
        const first429 = mine.find((c) => c.error?.error_code === 429)!;
        const retry = mine.find((c) => c.time > first429.time)!;
        expect(retry.time - first429.time).toBeGreaterThanOrEqual(seconds * 1000);
      }
      // Each delivery outcome is in the audit log.
      expect(await h.db.models.Audit.countDocuments({ action: trusted({ $in: ["delivery.sent", "delivery.failed", "delivery.blocked"] }) })).toBe(N);

      // The sender's status message shows the end.
      await waitUntil("the sender's status to say it is delivered", () => admin.transcript().some((e) => e.message.text?.includes("delivered to everyone it could reach")), { timeoutMs: 30_000 });

      const okCalls = calls.filter((c) => c.ok);
      const lastDelivery = Math.max(...okCalls.map((c) => c.time));
      const virtualSeconds = (lastDelivery - sendAt) / 1000;
      const report = {
        recipients: N,
        sent: byStatus("sent").length,
        blocked: blocked.size,
        failed: noChat.size,
        injected429,
        transient500: flaky.size,
        sentByWorkerA: byA,
        sendCalls: calls.length,
        maxSendsInAnySecond: rates.maxPerSecond,
        maxPerChatInAnySecond: rates.maxPerChatPerSecond,
        meanRatePerSecond: Number((okCalls.length / virtualSeconds).toFixed(2)),
        sendToLastDeliverySeconds: Number(virtualSeconds.toFixed(1)),
        createOnSendRealMs: createdMs,
        wallClockSeconds: Number((realMs / 1000).toFixed(1)),
      };
      // The closing note quotes these numbers.
      process.stdout.write(`\n[directive broadcast] ${JSON.stringify(report)}\n`);
      // At most 30 sends a second: 4,940 sends cannot take less than ~165 s of (virtual) time (494: ~16 s).
      expect(virtualSeconds).toBeGreaterThanOrEqual((N - blocked.size - noChat.size) / 30 - 1);
    },
    600_000,
  );
});
