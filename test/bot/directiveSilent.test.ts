// A directive's silent list and its re-ping are exact (issue 11, section 4): /directives lists by name, a page at a
// time, exactly the recipients who have not acknowledged, each with a contact link; DIRECTIVE_REPING_HOURS after
// sending, the scheduled job sends once more to exactly them (not to those who acknowledged), once per person,
// however many runs, restarts or crashes. And a directive can go to one seat's in-charge or to people picked by name.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/connection.js";
import { createDeliveryWorker, type DeliveryWorker } from "../../src/delivery/index.js";
import { createDirectiveRenderer } from "../../src/bot/directiveMessages.js";
import { createDirectiveRepingJob } from "../../src/jobs/directiveRepingJob.js";
import { createJobRunner } from "../../src/jobs/runner.js";
import { createLogger } from "../../src/logger.js";
import { createServices } from "../../src/services/index.js";
import { DIRECTIVE_REPING_PURPOSE } from "../../src/services/directiveService.js";
import { openMonitoredDatabase } from "../helpers/delivery.js";
import { waitUntil } from "../helpers/waitUntil.js";
import { createHarness, type Harness, type TestPerson } from "../helpers/harness.js";
import { localApi } from "../helpers/telegram.js";
import { VirtualClock } from "../helpers/virtualClock.js";

const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
const HOUR = 3600_000;
const ADMIN = 5_300_000_001;
const FIRST = 5_300_000_100;
const N = 35;
const national = [{ role: "national_admin" as const, level: "country" as const, code: "IN" }];

describe("a directive's silent list and re-ping", () => {
  let h: Harness;
  let clock: VirtualClock;
  let mon: Database;
  let worker: DeliveryWorker;
  let admin: TestPerson;
  const people = Array.from({ length: N }, (_, i) => FIRST + i);

  beforeAll(async () => {
    clock = new VirtualClock();
    h = await createHarness({ label: "dirsilent", api: localApi({ now: clock.nowMs }) });
    mon = await openMonitoredDatabase(h.db);
    clock.track(mon.connection);
    worker = createDeliveryWorker({ models: mon.models, api: h.workerApi, services: createServices({ models: mon.models, now: clock.now }), logger, clock });
    worker.start();
    await h.services.people.ensureNationalAdmins([ADMIN]);
    admin = h.person(ADMIN, { first_name: "Asha", language_code: "en" });
    await h.services.people.touch(admin.user);
    await h.services.people.setLanguage(ADMIN, "en");
    // Uttar Pradesh's first 35 Lok Sabha seats.
    for (const [i, id] of people.entries()) {
      await h.grant(id, "pc_incharge", `IN-UP:P${i + 1}`, { first_name: `Karyakarta${String(i).padStart(2, "0")}` });
      h.api.addUser({ id, first_name: `U${id}` });
    }
    h.api.addUser({ id: ADMIN, first_name: "Asha" });
  });
  afterAll(async () => {
    await worker.stop();
    await mon.close();
    await h.close();
  });

  async function delivered(): Promise<void> {
    // The services run on the harness's clock, the worker on virtual time: bring the worker up to now, so that
    // what was queued now is due.
    const behind = h.clock.now().getTime() - clock.nowMs();
    if (behind > 0) clock.advance(behind);
    await waitUntil("an empty outbox", async () => (await h.services.outbox.pendingCount()) === 0, { timeoutMs: 30_000, everyMs: 20 });
  }
  const render = () => createDirectiveRenderer(h.i18n, "Asia/Kolkata");

  async function send(requestKey: string, audience: Parameters<Harness["services"]["directives"]["preview"]>[1]): Promise<string> {
    const res = await h.services.directives.create(
      { actor: { telegramId: ADMIN, scopes: national }, requestKey, text: `Directive ${requestKey}`, media: null, audience, senderLang: "en" },
      render(),
    );
    if (!res.ok) throw new Error(res.reason);
    await delivered();
    return res.directiveId;
  }

  /** Every tg://user link on the "who" view, page by page. */
  async function silentShown(directiveId: string): Promise<{ links: number[]; pages: number }> {
    await admin.send("/directives");
    await admin.tapData(admin.transcript().at(-1)!.message.message_id, `dl:w:${directiveId}`);
    const links: number[] = [];
    let pages = 0;
    for (;;) {
      pages++;
      const msg = admin.transcript().at(-1)!.message;
      const silentPart = msg.text!.split("\n\nAcknowledged")[0]!.length;
      for (const e of msg.entities ?? []) {
        if (e.type === "text_link" && e.offset < silentPart) links.push(Number(new URL(e.url).searchParams.get("id")));
      }
      if (!admin.lastButtons().includes("Next ▶")) break;
      await admin.tap("Next ▶");
    }
    return { links, pages };
  }

  it("lists exactly the silent by name, paged, each with a contact link; re-pings exactly them once, across runs and restarts", async () => {
    h.clock.set("2026-11-26T06:30:00Z");
    const id = await send("silent", { roles: ["pc_incharge"], area: { level: "state", code: "IN-UP" } });
    // Every third acknowledges, through the bot (Hindi buttons: they read Hindi).
    const acked = people.filter((_, i) => i % 3 === 0);
    for (const p of acked) await h.person(p).tap("✅ स्वीकार करें");
    const silent = people.filter((p) => !acked.includes(p));

    const shown = await silentShown(id);
    expect(shown.links.sort()).toEqual(silent);
    expect(shown.pages).toBe(2); // 23 silent, 20 a page
    expect(admin.lastText()).toContain("Page 2 of 2");
    expect(admin.lastText()).toContain(`Acknowledged: ${acked.length}`);
    const listed = await h.services.directives.people({ telegramId: ADMIN, scopes: national }, id);
    expect(listed.ok && listed.people.notYet.map((p) => p.telegramId).sort()).toEqual(silent);

    const job = createDirectiveRepingJob({ directives: h.services.directives, render: render(), afterHours: 24 });
    const runner = createJobRunner({ jobs: [job], jobRuns: h.services.jobRunsFor("test"), now: h.clock.now, logger });
    const repings = () => h.db.models.OutboxItem.find({ purpose: DIRECTIVE_REPING_PURPOSE, refId: id }).lean();

    h.clock.advance(23 * HOUR + 59 * 60_000); // not yet
    await runner.tick();
    expect(await repings()).toHaveLength(0);

    h.clock.advance(2 * 60_000);
    await runner.tick();
    expect((await repings()).map((r) => r.personId).sort()).toEqual(silent); // queued, not yet sent
    h.clock.advance(5 * 60_000);
    await runner.tick(); // the next scan
    // A crash after queuing but before the directive was marked done, then a restarted bot's job.
    await h.db.models.Directive.updateOne({ _id: id }, { $unset: { repingedAt: 1 } });
    const restarted = await h.restart();
    const again = createDirectiveRepingJob({ directives: createServices({ models: restarted.db.models, now: h.clock.now }).directives, render: render(), afterHours: 24 });
    expect(await again.run("again")).toMatchObject({ directives: 1, queued: 0, already: silent.length });
    await delivered();

    const done = await h.db.models.OutboxDone.find({ purpose: DIRECTIVE_REPING_PURPOSE, refId: id, status: "sent" }).lean();
    expect(done.map((r) => r.personId).sort()).toEqual(silent);
    for (const p of people) {
      const got = h.api.messages(p).filter((e) => e.from === "bot" && (e.message.text ?? "").startsWith("🔔"));
      expect(got, `person ${p}`).toHaveLength(acked.includes(p) ? 0 : 1);
    }
    const audits = await h.db.models.Audit.find({ action: "directive.reping", "details.directiveId": id }).sort({ at: 1, _id: 1 }).lean();
    expect(audits.map((a) => a.details?.queued)).toEqual([silent.length, 0]);
  });

  it("with DIRECTIVE_REPING_HOURS=0 never re-pings", async () => {
    h.clock.set("2026-12-01T06:30:00Z");
    const id = await send("off", { roles: ["pc_incharge"], area: { level: "pc", code: "IN-UP:P3" } });
    h.clock.advance(30 * HOUR);
    const job = createDirectiveRepingJob({ directives: h.services.directives, render: render(), afterHours: 0 });
    expect(job.duePeriods(h.clock.now(), h.clock.now())).toEqual([]);
    expect(await h.services.directives.repingSilent(0, render())).toEqual({ directives: 0, queued: 0, already: 0 });
    expect(await h.db.models.OutboxItem.countDocuments({ purpose: DIRECTIVE_REPING_PURPOSE, refId: id })).toBe(0);
  });

  it("goes to one Lok Sabha seat's in-charge, or to people picked by name, through /directive", async () => {
    h.clock.set("2026-12-05T06:30:00Z");
    await admin.send("/cancel");
    await admin.send("/directive");
    await admin.send("Only for one seat.");
    await admin.tap("No attachment ➡️");
    expect(admin.lastButtons()).toEqual(["👥 Roles in an area", "🏛 One Lok Sabha seat’s in-charge", "🏘 One Vidhan Sabha seat’s in-charge", "🔎 People picked by name"]);
    await admin.tap("🏛 One Lok Sabha seat’s in-charge");
    await admin.send("uttar pradesh");
    const p5 = await h.services.map.getPc("IN-UP:P5");
    await admin.send(p5!.name);
    expect(admin.lastText()).toContain("Recipients: 1");
    await admin.tap(/^📢 Send to/);
    let d = await h.db.models.Directive.findOne({ text: "Only for one seat." }).lean();
    expect(await h.db.models.DirectiveDelivery.find({ directiveId: String(d!._id) }).distinct("telegramId")).toEqual([people[4]]);

    await admin.send("/directive");
    await admin.send("For two people.");
    await admin.tap("No attachment ➡️");
    await admin.tap("🔎 People picked by name");
    await admin.send("x");
    expect(admin.lastText()).toContain("at least two letters");
    await admin.send("nobody-like-this");
    expect(admin.lastText()).toContain("Nobody in your area matches");
    await admin.send("karyakarta07");
    await admin.tap("Karyakarta07 · Lok Sabha in-charge");
    await admin.send("KARYAKARTA1"); // 10 to 19 (those who tapped Acknowledge above go by their Telegram names now)
    expect(admin.lastButtons()).toContain("Karyakarta13 · Lok Sabha in-charge");
    await admin.tap("Karyakarta13 · Lok Sabha in-charge");
    await admin.tap("✅ Done: 2 picked");
    expect(admin.lastText()).toContain("To: Karyakarta07, Karyakarta13");
    expect(admin.lastText()).toContain("Recipients: 2");
    await admin.tap(/^📢 Send to/);
    d = await h.db.models.Directive.findOne({ text: "For two people." }).lean();
    expect(d!.audience.people).toEqual([people[7], people[13]]);
    expect((await h.db.models.DirectiveDelivery.find({ directiveId: String(d!._id) }).distinct("telegramId")).sort()).toEqual([people[7], people[13]]);
  });

  it("exports every recipient of a directive with its delivery and acknowledgement (issue 11, section 5)", async () => {
    h.clock.set("2026-12-08T06:30:00Z");
    const seats = people.slice(20, 26);
    const id = await send("export", { roles: ["pc_incharge"], area: { level: "state", code: "IN-UP" }, people: seats });
    const ackers = seats.slice(0, 2);
    h.clock.advance(HOUR);
    for (const p of ackers) {
      const msg = h.api.messages(p).filter((e) => e.from === "bot" && (e.message.text ?? "").includes("Directive export")).at(-1)!;
      await h.person(p).tapData(msg.message.message_id, (msg.message.reply_markup!.inline_keyboard[0]![0]! as { callback_data: string }).callback_data);
    }
    const res = await h.services.exports.table({ telegramId: ADMIN, scopes: national }, "directives");
    if (!res.ok) throw new Error(res.reason);
    const col = (name: string) => res.table.columns.indexOf(name);
    const rows = res.table.rows.filter((r) => r[col("directive_id")] === id);
    expect(rows.map((r) => r[col("recipient_id")])).toEqual(seats);
    expect(rows.every((r) => r[col("delivery")] === "sent" && r[col("delivered_utc")] !== "")).toBe(true);
    expect(rows.filter((r) => r[col("acknowledged_utc")] !== "").map((r) => r[col("recipient_id")])).toEqual(ackers);
    expect(rows[0]![col("acknowledged_utc")]).toBe("2026-12-08T07:30:00.000Z");
    expect(rows[0]![col("audience")]).toBe("pc_incharge @ state:IN-UP (6 picked)");
    // Only those who may send directives get this sheet.
    expect(await h.services.exports.table({ telegramId: people[0]!, scopes: [{ role: "pc_incharge", level: "pc", code: "IN-UP:P1" }] }, "directives")).toEqual({ ok: false, reason: "no_role" });
  });
});
