// The scheduler through the real delivery layer (durable outbox + worker) to a LocalBotApi: what people actually
// receive. Two scheduler instances and the worker share one database; a cluster head who blocked the bot is marked
// and shows as such to the national office in /team; the report request's button opens /report for the event.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SCHEDULER_CONFIG } from "../../src/config.js";
import { createOutboxService } from "../../src/delivery/outbox.js";
import { createDeliveryWorker } from "../../src/delivery/worker.js";
import type { Clock } from "../../src/delivery/clock.js";
import { deliveryOutbox } from "../../src/jobs/deliveryOutbox.js";
import { blockedNoticeHook } from "../../src/jobs/blockedNotice.js";
import { createScheduler, type Scheduler } from "../../src/jobs/scheduler.js";
import { createServices } from "../../src/services/index.js";
import { atLocalTime } from "../../src/domain/rollup/day.js";
import { createLogger } from "../../src/logger.js";
import type { Database } from "../../src/db/connection.js";
import { reopenTestDatabase } from "../helpers/db.js";
import { createHarness, type Harness, type TestPerson } from "../helpers/harness.js";
import { VirtualClock } from "../helpers/virtualClock.js";

const ZONE = "Asia/Kolkata";
const DAY = "2026-11-26";
const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

const ADMIN = 7_200_000_001;
const HEAD_HI = 7_200_000_010; // central, Hindi
const HEAD_EN = 7_200_000_011; // central, English
const HEAD_BLOCKED = 7_200_000_012; // north, has blocked the bot (the database does not know yet)
const ORGANISER = 7_200_000_020;

let h: Harness;
let second: Database;
let schedulers: Scheduler[];
let admin: TestPerson;
let organiser: TestPerson;

/**
 * The worker's clock: virtual time from the harness's instant on (test/helpers/virtualClock.ts). The worker's rate
 * limiter needs time to pass; here it passes without anyone waiting for it.
 */
function workerClock(): Clock {
  return new VirtualClock(h.clock.now().getTime());
}

async function deliver(): Promise<void> {
  const outbox = createOutboxService(h.db.models, h.clock.now);
  const worker = createDeliveryWorker({
    models: h.db.models,
    api: h.workerApi,
    services: { outbox, people: h.services.people },
    logger,
    clock: workerClock(),
    hooks: [blockedNoticeHook({ people: h.services.people, recipients: h.services.recipients, i18n: h.i18n, outbox, now: h.clock.now, timeZone: ZONE, logger })],
  });
  worker.start();
  await worker.whenIdle();
  await worker.stop();
}

beforeAll(async () => {
  h = await createHarness({ label: "schedelivery" });
  await h.services.programmes.seedDefaults();
  second = await reopenTestDatabase(h.db);
  h.clock.set("2026-11-26T04:00:00Z");
  await h.services.people.ensureNationalAdmins([ADMIN]);
  admin = h.person(ADMIN, { first_name: "Admin", language_code: "en" });
  await admin.send("/start");
  await h.services.people.setLanguage(ADMIN, "en");
  for (const [id, cluster] of [
    [HEAD_HI, "central"],
    [HEAD_EN, "central"],
    [HEAD_BLOCKED, "north"],
  ] as const) {
    await h.services.people.touch({ id, first_name: `Head${id % 100}` });
    await h.services.people.grantRole(id, { role: "cluster_head", code: cluster, grantedBy: ADMIN });
    h.api.addUser({ id, first_name: `Head${id % 100}` });
  }
  await h.services.people.setLanguage(HEAD_EN, "en");
  h.api.blockBot(HEAD_BLOCKED);
  organiser = await h.grant(ORGANISER, "pc_incharge", "IN-UP:P77", { first_name: "Ramesh", language_code: "hi" });
  await organiser.send("/start");

  const outboxes = [h.db, second].map((db) => deliveryOutbox(createOutboxService(db.models, h.clock.now)));
  schedulers = [h.db, second].map((db, i) =>
    createScheduler({
      services: createServices({ models: db.models, now: h.clock.now }),
      i18n: h.i18n,
      logger,
      now: h.clock.now,
      timeZone: ZONE,
      config: DEFAULT_SCHEDULER_CONFIG,
      outbox: outboxes[i]!,
      instanceId: `instance-${i}`,
    }),
  );
}, 120_000);

afterAll(async () => {
  await second?.close();
  await h?.close();
});

describe("scheduled messages as people receive them", () => {
  it("sends the report request with a button that opens /report for that event", async () => {
    const created = await h.services.events.create({
      actor: { telegramId: ORGANISER, scopes: [{ role: "pc_incharge", level: "pc", code: "IN-UP:P77" }] },
      confirmKey: "d1",
      input: {
        programmeKey: "sneh-samvad",
        territory: { level: "pc", code: "IN-UP:P77" },
        startsAt: new Date("2026-11-26T05:00:00Z"),
        venue: "Ghat",
        location: null,
        expectedAttendance: 30,
        notes: "",
      },
    });
    expect(created.ok).toBe(true);
    h.clock.set("2026-11-26T07:00:00Z"); // two hours after the start
    await Promise.all(schedulers.map((s) => s.tick(["reminders"])));
    await deliver();
    const request = organiser.transcript().filter((e) => e.from === "bot" && e.message.text?.includes("रिपोर्ट भेजें"));
    expect(request).toHaveLength(1);
    expect(request[0]!.message.text).toContain("स्नेह संवाद");
    await organiser.tap("📝 रिपोर्ट भेजें");
    expect(organiser.lastText()).toMatch(/कुल|total/i);
  }, 60_000);

  it("delivers one rollup text and one chart to each cluster head and admin; a blocked head is marked and shown in /team", async () => {
    h.clock.set(atLocalTime(DAY, { hour: 20, minute: 0 }, ZONE));
    await Promise.all([schedulers[0]!.tick(["rollup.daily"]), schedulers[1]!.tick(["rollup.daily"])]);
    await deliver();
    // Another trigger on each instance, and another delivery round: nothing more arrives.
    await Promise.all(schedulers.map((s) => s.tick(["rollup.daily"])));
    await deliver();

    const received = (id: number) => h.api.messages(id).filter((e) => e.from === "bot");
    for (const id of [HEAD_HI, HEAD_EN]) {
      const [title, date] = id === HEAD_HI ? ["📊 मध्य क्लस्टर\nदैनिक सारांश", "26 नवंबर 2026"] : ["📊 Central cluster\nDaily summary", "26 November 2026"];
      const texts = received(id).filter((e) => e.message.text?.includes(title) && e.message.text.includes(date));
      const photos = received(id).filter((e) => e.message.photo && e.message.caption?.includes(date));
      // Only 26 Nov: the scheduler was installed that morning, so 25 Nov's summary is not "missed".
      expect(received(id).filter((e) => e.message.text?.includes(title))).toHaveLength(1);
      expect(texts, `texts to ${id}`).toHaveLength(1);
      expect(photos, `charts to ${id}`).toHaveLength(1);
      // The chart follows the text.
      expect(received(id).indexOf(photos[0]!)).toBeGreaterThan(received(id).indexOf(texts[0]!));
    }
    const adminGot = received(ADMIN).filter((e) => e.message.text?.includes("📊 All India\nDaily summary") && e.message.text.includes("26 November 2026"));
    expect(adminGot).toHaveLength(1);
    expect(received(ADMIN).filter((e) => e.message.photo && e.message.caption?.includes("26 November 2026"))).toHaveLength(1);

    // 403 from Telegram: marked, and nothing reached them.
    expect(received(HEAD_BLOCKED)).toHaveLength(0);
    expect((await h.services.people.get(HEAD_BLOCKED))?.blockedBotAt).toBeInstanceOf(Date);
    const done = await h.db.models.OutboxDone.find({ purpose: "rollup", refId: DAY }).lean();
    // Telegram answered 403: all three messages (text, chart, coverage map) end as "blocked".
    expect(done.filter((d) => d.chatId === HEAD_BLOCKED).map((d) => d.status)).toEqual(["blocked", "blocked", "blocked"]);
    await admin.send("/team");
    expect(admin.lastText()).toMatch(/Head12[^\n]*has blocked the bot/);
    // And the appointer was told, once, though three messages bounced.
    const notices = received(ADMIN).filter((e) => e.message.text?.includes("Head12 (Cluster in-charge) has blocked the bot"));
    expect(notices).toHaveLength(1);
  }, 60_000);
});
