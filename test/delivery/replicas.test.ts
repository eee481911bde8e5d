// Issue 13's "a broadcast from three replicas never exceeds 30 sends in any second": three delivery workers on one
// database (each its own connection, limiter and sender lease, as three copies of the bot would have) share one
// directive to N recipients (200 in `npm test`, 5,000 under FULL_SCENARIOS=1) and the sender's progress edits. The
// copy that sends is stopped twice mid-way, so every copy sends a part. Measured from the LocalBotApi's call times
// (which enforces Telegram's limits too: any excess would come back as a 429), in virtual time.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api } from "grammy";
import { createDirectiveProgress } from "../../src/bot/directiveProgress.js";
import { createDirectiveRenderer } from "../../src/bot/directiveMessages.js";
import type { Database } from "../../src/db/connection.js";
import type { PersonDoc } from "../../src/db/models/index.js";
import { createDeliveryWorker, type DeliveryWorker } from "../../src/delivery/index.js";
import type { LocalBotApi } from "../../src/localBotApi/index.js";
import { createI18n, type I18n } from "../../src/i18n.js";
import { createLogger } from "../../src/logger.js";
import { createServices } from "../../src/services/index.js";
import { openSeededTestDatabase } from "../helpers/seededDatabase.js";
import type { TestDatabase } from "../helpers/db.js";
import { measureRates, openMonitoredDatabase } from "../helpers/delivery.js";
import { scenarioSize } from "../helpers/scenarios.js";
import { apiRoot, localApi, token } from "../helpers/telegram.js";
import { VirtualClock } from "../helpers/virtualClock.js";
import { waitUntil } from "../helpers/waitUntil.js";

const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
const N = scenarioSize(5000, 200);
const FIRST = 6_100_000_000;
const ADMIN = 5_300_000_001;
const TEXT = "Sneh Samvad: every Vidhan Sabha in-charge to hold one meeting before 15 December.";

describe(`a directive to ${N.toLocaleString("en-IN")} recipients from three replicas`, { tags: ["scenario"] }, () => {
  let db: TestDatabase;
  let clock: VirtualClock;
  let api: LocalBotApi;
  let i18n: I18n;
  const connections: Database[] = [];
  const ids = Array.from({ length: N }, (_, i) => FIRST + i * 3);

  beforeAll(async () => {
    db = await openSeededTestDatabase("replicas");
    clock = new VirtualClock();
    api = localApi({ now: clock.nowMs });
    api.setRateLimits({ global: { limit: 30, windowMs: 1000 }, perChat: { limit: 1, windowMs: 1000 } });
    i18n = await createI18n();
    const services = createServices({ models: db.models, now: clock.now });
    await services.people.ensureNationalAdmins([ADMIN]);
    api.addUser({ id: ADMIN, first_name: "Asha" });
    const acs = await db.models.Ac.find({}, { _id: 0, code: 1 }).lean<{ code: string }[]>();
    const people: Partial<PersonDoc>[] = ids.map((id, i) => ({
      _id: id,
      telegramId: id,
      firstName: `AC${i}`,
      language: i % 2 ? "hi" : "en",
      roles: [{ role: "ac_incharge", level: "ac", code: acs[i % acs.length]!.code, grantedBy: ADMIN, grantedAt: clock.now() }],
      blockedBotAt: null,
    }));
    await db.models.Person.insertMany(people, { lean: true });
    for (const id of ids) api.addUser({ id, first_name: `U${id}` });
  }, 120_000);

  afterAll(async () => {
    for (const c of connections) await c.close();
    await db.drop();
  });

  /** A copy of the bot's delivery side: its own connection, services, limiter and lease (as background.ts builds it). */
  async function replica(name: string, count: () => void): Promise<DeliveryWorker> {
    const own = await openMonitoredDatabase(db);
    connections.push(own);
    clock.track(own.connection);
    const services = createServices({ models: own.models, now: clock.now });
    return createDeliveryWorker({
      workerId: name,
      models: own.models,
      api: new Api(token, { apiRoot, fetch: api.createFetch() }),
      services,
      logger,
      clock,
      lease: {},
      hooks: [
        createDirectiveProgress({ services, i18n, logger }),
        { purposes: ["directive"], onSent: count, onFinalFailure: count },
      ],
    });
  }

  it(
    "never exceeds 30 sends in any second or 1 a second per chat, while the sending copy changes twice",
    async () => {
      let finals = 0;
      const count = () => void finals++;
      const services = createServices({ models: db.models, now: clock.now });
      const status = await new Api(token, { apiRoot, fetch: api.createFetch() }).sendMessage(ADMIN, "Sending…");
      const created = await services.directives.create(
        {
          actor: { telegramId: ADMIN, scopes: [{ role: "national_admin", level: "country", code: "IN" }] },
          requestKey: "replicas",
          text: TEXT,
          media: null,
          audience: { roles: ["ac_incharge"], area: { level: "country", code: "IN" } },
          senderLang: "en",
          progress: { chatId: ADMIN, messageId: status.message_id },
        },
        createDirectiveRenderer(i18n, "Asia/Kolkata"),
      );
      expect(created).toMatchObject({ ok: true, recipients: N });
      // Started after the directive is queued: virtual time runs while the untracked connection above works.
      const workers = await Promise.all(["r1", "r2", "r3"].map((name) => replica(name, count)));
      for (const w of workers) w.start();

      /** The copy holding the lease: the owner of the latest term claimed. */
      const sender = async () => {
        const term = await db.models.OutboxSenderTerm.findOne({}).sort({ term: -1 }).lean();
        return workers.find((w) => w.id === term?.owner)!;
      };
      const stopped: string[] = [];
      for (const share of [1 / 3, 2 / 3]) {
        await waitUntil(`${share * 100}% sent`, () => finals >= N * share, { timeoutMs: 240_000, everyMs: 20 });
        const holder = await sender();
        await holder.stop();
        stopped.push(holder.id);
      }
      await waitUntil("everyone reached", () => finals >= N, { timeoutMs: 240_000, everyMs: 20 });
      expect(new Set(stopped).size).toBe(2);
      const last = workers.find((w) => !stopped.includes(w.id))!;
      await last.whenIdle();
      await last.stop();

      // Each recipient once; each copy sent a part.
      const done = await db.models.OutboxDone.find({ purpose: "directive" }).lean();
      expect(done).toHaveLength(N);
      expect(done.every((d) => d.status === "sent")).toBe(true);
      expect(ids.filter((id) => api.messages(id).filter((e) => e.from === "bot").length !== 1)).toEqual([]);
      const owners = await db.models.OutboxAttempt.distinct("owner");
      expect(owners.sort()).toEqual(["r1", "r2", "r3"]);

      // Within the limits over sliding 1 s windows: the broadcast and the progress edits to the sender together.
      const calls = api.calls.filter((c) => c.method === "sendMessage" || c.method === "editMessageText");
      const edits = calls.filter((c) => c.method === "editMessageText");
      const rates = measureRates(calls);
      expect(rates.maxPerSecond).toBeLessThanOrEqual(30);
      expect(rates.maxPerChatPerSecond).toBe(1);
      expect(calls.filter((c) => !c.ok)).toEqual([]); // Telegram's (simulated) flood control never had to step in
      expect(edits.length).toBeGreaterThan(0);
      process.stdout.write(
        `\n[replicas] ${JSON.stringify({
          recipients: N,
          calls: calls.length,
          progressEdits: edits.length,
          maxPerSecond: rates.maxPerSecond,
          maxPerChatPerSecond: rates.maxPerChatPerSecond,
          virtualSeconds: Number(((rates.lastAt - rates.firstAt) / 1000).toFixed(1)),
        })}\n`,
      );
    },
    600_000,
  );
});
