// The daily rollup against the test database: numbers equal to an independent computation over a generated
// campaign (hundreds of events in every cluster, unreported and cancelled ones, AC-level events in ACs numbered
// among another PC's), one rollup per cluster head with two scheduler instances, and catch-up after downtime.
import { mkdirSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SCHEDULER_CONFIG } from "../../src/config.js";
import { createScheduler, type CronSchedule, type Scheduler } from "../../src/jobs/scheduler.js";
import { createServices } from "../../src/services/index.js";
import { rollupKey } from "../../src/jobs/rollupJob.js";
import { createLogger } from "../../src/logger.js";
import { createRollupService } from "../../src/services/rollupService.js";
import { addDays, atLocalTime, dayWindow } from "../../src/domain/rollup/day.js";
import type { Rollup } from "../../src/domain/rollup/types.js";
import type { Database } from "../../src/db/connection.js";
import type { AcDoc, PcDoc } from "../../src/db/models/index.js";
import { reopenTestDatabase } from "../helpers/db.js";
import { createHarness, type Harness } from "../helpers/harness.js";
import { RecordingOutbox } from "../helpers/recordingOutbox.js";
import { screenLines } from "../helpers/phoneScreen.js";
import { PHONE_SCREEN } from "../../src/messages/rollup.js";
import { generateCampaign, insertCampaign, type GeneratedEvent, type GeneratedReport } from "../helpers/campaign.js";

const ZONE = "Asia/Kolkata";
const DAY = "2026-11-26";
const AT_20 = atLocalTime(DAY, { hour: 20, minute: 0 }, ZONE); // 14:30Z
const logger = createLogger({ level: "silent" });

const HEADS = {
  north: [6_000_000_001, 6_000_000_002],
  central: [6_000_000_003],
  "north-east": [6_000_000_004],
  east: [6_000_000_005], // blocked the bot
};
const ADMIN = 6_000_000_100;
const ORGANISERS = [9_000_000_001, 9_000_000_002, 9_000_000_003, 9_000_000_004];
// Jammu and Kashmir: Baramulla (PC 1) = ACs 1-16, 27, 28; Srinagar (PC 2) = 17-26, 29-35, 37; Anantnag-Rajouri
// (PC 3) = 36, 38-47, 84-90. ACs 27, 28 and 36 are numbered among another PC's.
const CROSSING_ACS = ["IN-JK:A27", "IN-JK:A28", "IN-JK:A36", "IN-JK:A37"];

let h: Harness;
let second: Database;
let outbox: RecordingOutbox;
let campaign: { events: GeneratedEvent[]; reports: GeneratedReport[] };
let pcs: PcDoc[];
let acs: AcDoc[];
let clusters: { key: string; stateCodes: string[] }[];
const cronCalls: { expression: string; timezone: string; name: string }[] = [];
const fakeCron: CronSchedule = (expression, _fn, options) => {
  cronCalls.push({ expression, ...options });
  return { stop: () => undefined };
};

function scheduler(db: Database, instanceId: string): Scheduler {
  return createScheduler({
    services: createServices({ models: db.models, now: h.clock.now }),
    i18n: h.i18n,
    logger,
    now: h.clock.now,
    timeZone: ZONE,
    config: DEFAULT_SCHEDULER_CONFIG,
    outbox,
    instanceId,
    cron: fakeCron,
  });
}

beforeAll(async () => {
  h = await createHarness({ label: "rollup" });
  await h.services.programmes.seedDefaults();
  second = await reopenTestDatabase(h.db);
  outbox = new RecordingOutbox(h.db.connection);
  pcs = await h.db.models.Pc.find({}).lean<PcDoc[]>();
  acs = await h.db.models.Ac.find({}).lean<AcDoc[]>();
  clusters = (await h.services.map.listClusters()).map((c) => ({ key: c.key, stateCodes: [...c.stateCodes] }));

  campaign = generateCampaign(
    { pcs, acs },
    {
      events: 900,
      // A month back: pending events older than the rollup lists (14 days) are counted, not listed.
      from: new Date(AT_20.getTime() - 30 * 86400_000),
      to: new Date(AT_20.getTime() + 5 * 86400_000),
      now: AT_20,
      seed: 7,
      organisers: ORGANISERS,
      forcedAcs: CROSSING_ACS,
    },
  );
  await insertCampaign(h.db.models, campaign);
  for (const [i, id] of ORGANISERS.entries()) await h.grant(id, "pc_incharge", pcs[i]!.code, { first_name: `Organiser${i + 1}` });
  for (const [cluster, ids] of Object.entries(HEADS)) {
    for (const id of ids) await h.grant(id, "cluster_head", cluster, { first_name: `Head${id % 100}` });
  }
  await h.services.people.setLanguage(HEADS.north[1]!, "en");
  await h.services.people.setLanguage(HEADS.central[0]!, "en");
  await h.services.people.markBlocked(HEADS.east[0]!);
  await h.grant(ADMIN, "national_admin", "IN", { first_name: "Admin" });
  await h.services.people.setLanguage(ADMIN, "en");
}, 120_000);

afterAll(async () => {
  await second?.close();
  await h?.close();
});

/** The rollup's figures computed directly from the generated documents, without the rollup code. */
function independent(stateCodes: readonly string[] | "all", day: string, asOf: Date) {
  const states = new Set(stateCodes === "all" ? pcs.map((p) => p.stateCode) : stateCodes);
  const { start, end } = dayWindow(day, ZONE);
  const upcomingEnd = dayWindow(addDays(day, 3, ZONE), ZONE).end;
  const listedSince = dayWindow(addDays(day, -14, ZONE), ZONE).start;
  const reportOf = new Map(campaign.reports.map((r) => [r.eventId.toHexString(), r]));
  const pcOfAc = new Map(acs.map((a) => [a.code, a.pcCode]));
  const inScope = campaign.events.filter((e) => states.has(e.stateCode));
  const todays = inScope.filter((e) => e.startsAt >= start && e.startsAt < end);
  const held = todays.filter((e) => e.status === "planned" && e.startsAt <= asOf);
  const reported = held.filter((e) => reportOf.has(e._id.toHexString()));
  const byCategory: Record<string, number> = {};
  let total = 0;
  let assigned = 0;
  for (const e of reported) {
    const r = reportOf.get(e._id.toHexString())!;
    total += r.total;
    for (const [k, n] of Object.entries(r.counts)) {
      byCategory[k] = (byCategory[k] ?? 0) + n;
      assigned += n;
    }
  }
  const pending = inScope.filter((e) => e.status === "planned" && e.startsAt <= asOf && !reportOf.has(e._id.toHexString()));
  const coveredPc = (set: Set<string>) => (r: GeneratedReport) => set.add(r.acCode ? pcOfAc.get(r.acCode)! : r.pcCode);
  const scopeCovered = new Set<string>();
  const nationalCovered = new Set<string>();
  const acsCovered = new Set<string>();
  for (const r of campaign.reports) {
    if (r.eventStartsAt >= end) continue;
    coveredPc(nationalCovered)(r);
    if (!states.has(r.stateCode)) continue;
    coveredPc(scopeCovered)(r);
    if (r.acCode) acsCovered.add(r.acCode);
  }
  const scopePcs = pcs.filter((p) => states.has(p.stateCode));
  return {
    held: held.length,
    reported: reported.length,
    later: todays.filter((e) => e.status === "planned" && e.startsAt > asOf).length,
    cancelled: todays.filter((e) => e.status === "cancelled").length,
    attendance: { total, byCategory, unassigned: total - assigned },
    pending: pending.filter((e) => e.startsAt >= listedSince).map((e) => e._id.toHexString()).sort(),
    pendingCount: pending.length,
    pcsCovered: scopePcs.filter((p) => scopeCovered.has(p.code)).length,
    pcsTotal: scopePcs.length,
    uncovered: scopePcs.filter((p) => !scopeCovered.has(p.code)).map((p) => p.code).sort(),
    national: { pcsCovered: nationalCovered.size, pcsTotal: 543 },
    acsCovered: acs.filter((a) => states.has(a.stateCode) && acsCovered.has(a.code)).length,
    acsTotal: acs.filter((a) => states.has(a.stateCode)).length,
    upcoming: inScope
      .filter((e) => e.status === "planned" && e.startsAt >= end && e.startsAt < upcomingEnd)
      .map((e) => e._id.toHexString())
      .sort(),
  };
}

function figures(r: Rollup) {
  return {
    held: r.today.held,
    reported: r.today.reported,
    later: r.today.later,
    cancelled: r.today.cancelled,
    attendance: r.today.attendance,
    pending: r.pending.listed.map((p) => p.eventId).sort(),
    pendingCount: r.pending.count,
    pcsCovered: r.coverage.pcsCovered,
    pcsTotal: r.coverage.pcsTotal,
    uncovered: [...r.coverage.uncoveredPcs].sort(),
    national: r.coverage.national,
    acsCovered: r.coverage.acsCovered,
    acsTotal: r.coverage.acsTotal,
    upcoming: r.upcoming.map((u) => u.eventId).sort(),
  };
}

describe("the daily rollup", () => {
  it("has a generated data set with the edge cases in it", () => {
    const { start, end } = dayWindow(DAY, ZONE);
    const today = campaign.events.filter((e) => e.startsAt >= start && e.startsAt < end);
    expect(campaign.events.length).toBeGreaterThanOrEqual(900);
    expect(today.filter((e) => e.status === "planned" && e.startsAt <= AT_20 && !e.reportedAt).length).toBeGreaterThan(0);
    expect(today.filter((e) => e.startsAt > AT_20).length).toBeGreaterThan(0);
    expect(campaign.events.filter((e) => e.status === "cancelled").length).toBeGreaterThan(0);
    const crossing = campaign.reports.filter((r) => r.acCode && CROSSING_ACS.includes(r.acCode));
    expect([...new Set(crossing.map((r) => `${r.acCode} in ${r.pcCode}`))].sort()).toEqual([
      "IN-JK:A27 in IN-JK:P1",
      "IN-JK:A28 in IN-JK:P1",
      "IN-JK:A36 in IN-JK:P3",
      "IN-JK:A37 in IN-JK:P2",
    ]);
  });

  it("computes every cluster's, a state's and the national figures exactly as an independent count does", async () => {
    const service = createRollupService(h.db.models);
    const scopes = [
      ...clusters.map((c) => ({ level: "cluster" as const, code: c.key })),
      { level: "state" as const, code: "IN-JK" },
      { level: "country" as const, code: "IN" as const },
    ];
    const rollups = await service.compute({ day: DAY, zone: ZONE, asOf: AT_20, scopes });
    for (const [i, scope] of scopes.entries()) {
      const states = scope.level === "country" ? "all" : scope.level === "state" ? [scope.code] : clusters.find((c) => c.key === scope.code)!.stateCodes;
      expect(figures(rollups[i]!), `${scope.level} ${scope.code}`).toEqual(independent(states, DAY, AT_20));
    }
    const national = rollups.at(-1)!;
    expect(national.clusters.map((c) => c.key)).toEqual(clusters.map((c) => c.key));
    for (const row of national.clusters) {
      const exp = independent(clusters.find((c) => c.key === row.key)!.stateCodes, DAY, AT_20);
      expect(row).toMatchObject({ eventsToday: exp.held, reportsToday: exp.reported, pending: exp.pendingCount, pcsCovered: exp.pcsCovered });
    }
    // The crossing ACs cover their own PCs in J&K.
    const jk = rollups[clusters.length]!;
    expect(jk.coverage.uncoveredPcs).not.toContain("IN-JK:P1");
  });

  it("counts reports by review status to date, and approved attendance, exactly as an independent count does", async () => {
    // Every fifth report in each status; void reports leave every figure. Put back afterwards: the other tests count
    // the same generated reports.
    const STATUSES = ["submitted", "corrected", "sent_back", "approved", "void"] as const;
    // The reports of one cluster get every status in turn (updating them all is slow on FerretDB/SQLite); the rest stay
    // submitted. Each scope is then compared with a count made from the same assignment.
    const marked = new Set(clusters[0]!.stateCodes);
    const chosen = campaign.reports.filter((r) => marked.has(r.stateCode));
    const statusById = new Map(chosen.map((r, j) => [r._id.toHexString(), STATUSES[j % STATUSES.length]!]));
    const statusOf = (r: GeneratedReport) => statusById.get(r._id.toHexString()) ?? "submitted";
    const { end } = dayWindow(DAY, ZONE);
    try {
      for (const [i, status] of STATUSES.entries()) {
        if (status === "submitted") continue;
        const ids = chosen.filter((_, j) => j % STATUSES.length === i).map((r) => r._id);
        await h.db.models.Report.collection.updateMany({ _id: { $in: ids } }, { $set: { reviewStatus: status } });
      }
      const scopes = [...clusters.map((c) => ({ level: "cluster" as const, code: c.key })), { level: "country" as const, code: "IN" as const }];
      const rollups = await createRollupService(h.db.models).compute({ day: DAY, zone: ZONE, asOf: AT_20, scopes });
      for (const [i, scope] of scopes.entries()) {
        const states = new Set(scope.level === "country" ? pcs.map((p) => p.stateCode) : clusters.find((c) => c.key === scope.code)!.stateCodes);
        const mine = campaign.reports.map((r) => ({ r, status: statusOf(r) })).filter(({ r }) => states.has(r.stateCode) && r.eventStartsAt < end);
        const count = (status: string) => mine.filter((m) => m.status === status).length;
        const counted = mine.filter((m) => m.status !== "void");
        expect(
          { ...rollups[i]!.review, sentBack: rollups[i]!.review.sentBack.map((b) => b.eventId).sort() },
          `${scope.level} ${scope.code}`,
        ).toEqual({
          awaiting: count("submitted"),
          corrected: count("corrected"),
          sentBack: mine.filter((m) => m.status === "sent_back").map((m) => m.r.eventId.toHexString()).sort(),
          approved: count("approved"),
          attendance: counted.reduce((n, m) => n + m.r.total, 0),
          attendanceApproved: mine.filter((m) => m.status === "approved").reduce((n, m) => n + m.r.total, 0),
          flagged: 0,
        });
      }
      expect(rollups.at(-1)!.review.approved).toBeGreaterThan(0);
    } finally {
      await h.db.models.Report.collection.updateMany({ _id: { $in: chosen.map((r) => r._id) } }, { $unset: { reviewStatus: "" } });
    }
  });

  it("sends one rollup (text, chart and coverage map) per cluster head with two scheduler instances running, none to the blocked", async () => {
    // Installed before this evening (the test below may have installed it on a later day, and nothing runs for days
    // before an installation).
    await h.db.models.JobRun.deleteOne({ _id: "scheduler:installed" });
    const a = scheduler(h.db, "a");
    const b = scheduler(second, "b");
    h.clock.set(new Date(AT_20.getTime() - 60_000));
    await Promise.all([a.tick(), b.tick()]);
    expect(await outbox.keys(`rollup:${DAY}`)).toEqual([]);

    h.clock.set(AT_20);
    await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
    // Later triggers the same evening, on both.
    h.clock.set(new Date(AT_20.getTime() + 5 * 60_000));
    await Promise.all([a.tick(), b.tick()]);

    const recipients: [string, number][] = [
      ...Object.entries(HEADS)
        .filter(([cluster]) => cluster !== "east")
        .flatMap(([cluster, ids]) => ids.map((id) => [cluster, id] as [string, number])),
      ["IN", ADMIN],
    ];
    // The events that climbed to a level today (recorded by the job's escalation step): that level's rollups carry
    // a second message naming them.
    const steps = await h.db.models.EscalationStep.find({ day: DAY }, { _id: 0, level: 1, stateCode: 1 }).lean<{ level: string; stateCode: string }[]>();
    const escalatedTo = (code: string) =>
      code === "IN"
        ? steps.some((s) => s.level === "country")
        : steps.some((s) => s.level === "cluster" && clusters.find((c) => c.key === code)!.stateCodes.includes(s.stateCode));
    const expectedKeys = recipients.flatMap(([code, id]) => {
      const scope = code === "IN" ? ({ level: "country", code: "IN" } as const) : ({ level: "cluster", code } as const);
      // Cluster and national rollups carry the coverage map too.
      const keys = [rollupKey(DAY, scope, id, "text"), rollupKey(DAY, scope, id, "chart"), rollupKey(DAY, scope, id, "map")];
      return escalatedTo(code) ? [...keys, rollupKey(DAY, scope, id, "escalated")] : keys;
    });
    expect(expectedKeys.some((k) => k.startsWith("rollup.escalated:"))).toBe(true);
    const attempted = outbox.attempts.filter((m) => m.key.includes(`:${DAY}:`)).map((m) => m.key);
    // Not only one stored message per key: one attempt per key, i.e. only one instance ran the rollup.
    expect(attempted.sort()).toEqual([...expectedKeys].sort());
    const stored = (await outbox.stored()).filter((m) => m._id.includes(`:${DAY}:`));
    expect(stored.map((m) => m._id).sort()).toEqual([...expectedKeys].sort());
    expect(stored.some((m) => m.chatId === HEADS.east[0])).toBe(false);
    expect(await h.db.models.JobRun.countDocuments({ job: "rollup.daily", period: DAY, kind: "done" })).toBe(1);

    // What the north cluster's Hindi- and English-reading heads got: one phone screen of their cluster's figures, in
    // their language, with the buttons that open the lists.
    const north = independent(clusters.find((c) => c.key === "north")!.stateCodes, DAY, AT_20);
    const northText = (id: number) => stored.find((m) => m._id === rollupKey(DAY, { level: "cluster", code: "north" }, id, "text"))!;
    const hiText = northText(HEADS.north[0]!).text!;
    const enText = northText(HEADS.north[1]!).text!;
    const fmt = (n: number) => new Intl.NumberFormat("en-IN").format(n);
    expect(hiText).toContain("📊 <b>उत्तर क्लस्टर</b>\nदैनिक सारांश, 26 नवंबर 2026");
    expect(hiText).toContain(`आज: <b>${north.held}</b> हुए · <b>${north.reported}</b> की रिपोर्ट आई`);
    expect(enText).toContain("📊 <b>North cluster</b>\nDaily summary, 26 November 2026");
    expect(enText).toContain(`Today: <b>${north.held}</b> held · <b>${north.reported}</b> reported`);
    expect(enText).toContain(`Attendance today: <b>${fmt(north.attendance.total)}</b>`);
    expect(enText).toContain(`Reports pending: <b>${fmt(north.pendingCount)}</b>`);
    expect(enText).toContain(`Lok Sabha seats covered: <b>${north.pcsCovered}/${north.pcsTotal}</b>`);
    expect(enText).toContain(`👉 Chase ${north.pendingCount} missing reports (📋 below)`);
    for (const m of stored) if (m.text) expect(m.text.length).toBeLessThanOrEqual(4096);
    for (const m of stored.filter((x) => x._id.startsWith(`rollup:${DAY}:`))) expect(screenLines(m.text!).length, m._id).toBeLessThanOrEqual(PHONE_SCREEN.lines);
    const northButtons = JSON.parse(northText(HEADS.north[1]!).buttons!) as { text: string; callbackData: string }[][];
    expect(northButtons.flat().map((b) => b.callbackData)).toEqual([`ru:p:north:${DAY}`, ...(north.uncovered.length ? [`ru:u:north:${DAY}`] : []), `ru:d:north:${DAY}`]);

    // The lists behind the buttons, opened by the English-reading head as of the rollup's time: the same figures.
    h.clock.set(AT_20);
    const head = h.person(HEADS.north[1]!, { language_code: "en" });
    h.api.addUser(head.user);
    await head.send("/rollup");
    const summary = head.findButton(/^📋 Not reported/).message;
    expect(summary.reply_markup?.inline_keyboard.flat().map((b) => ("callback_data" in b ? b.callback_data : ""))).toEqual(northButtons.flat().map((b) => b.callbackData));
    await head.tapData(summary.message_id, `ru:p:north:${DAY}`);
    const pendingList = head.botTexts().at(-1)!;
    expect(pendingList).toContain(`Reports still pending: ${north.pendingCount}`);
    expect(pendingList).toContain("Organiser"); // whose reports are pending
    expect(pendingList).toMatch(/\([A-Z]{2}\), \d/); // each seat with its state
    await head.tapData(summary.message_id, `ru:d:north:${DAY}`);
    const details = head.botTexts().at(-1)!;
    expect(details).toContain(`Events held: ${north.held} · reports received: ${north.reported}`);
    expect(details).toContain(`Attendance reported: ${fmt(north.attendance.total)}`);
    expect(details).toContain(`Lok Sabha seats with a reported event: ${north.pcsCovered} of ${north.pcsTotal}`);
    expect(details).toContain(`All India: ${north.national.pcsCovered} of 543`);
    expect(details).toContain(`Vidhan Sabha seats covered: ${north.acsCovered} of ${north.acsTotal}`);
    expect(details).toContain(`Next three days: ${north.upcoming.length} events`);

    const national = stored.find((m) => m._id === rollupKey(DAY, { level: "country", code: "IN" }, ADMIN, "text"))!;
    expect(national.text).toContain("📊 <b>All India</b>\nDaily summary");
    expect(national.buttons).toContain(`ru:c:IN:${DAY}`);
    const admin = h.person(ADMIN, { language_code: "en" });
    h.api.addUser(admin.user);
    await admin.send("/rollup");
    await admin.tap("By cluster");
    const byCluster = admin.botTexts().at(-1)!;
    expect(byCluster).toContain("By cluster");
    for (const c of clusters) {
      const exp = independent(c.stateCodes, DAY, AT_20);
      const name = (await h.services.map.getCluster(c.key))!.name.en;
      expect(byCluster).toContain(`${name}: ${exp.held} · ${exp.reported} · ${fmt(exp.attendance.total)}; pending ${fmt(exp.pendingCount)}; ${exp.pcsCovered}/${exp.pcsTotal}`);
    }

    // The chart: a PNG, saved for people to look at.
    const chart = outbox.photos.get(rollupKey(DAY, { level: "cluster", code: "north" }, HEADS.north[0]!, "chart"))!;
    expect(chart.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    mkdirSync("test-results", { recursive: true });
    writeFileSync("test-results/rollup-chart-north-hi.png", chart);
    writeFileSync("test-results/rollup-chart-national-en.png", outbox.photos.get(rollupKey(DAY, { level: "country", code: "IN" }, ADMIN, "chart"))!);
    // The coverage map: the cluster's, captioned with the cluster's count of seats with a report.
    const map = outbox.photos.get(rollupKey(DAY, { level: "cluster", code: "north" }, HEADS.north[1]!, "map"))!;
    expect(map.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    writeFileSync("test-results/rollup-map-north-en.png", map);
    const mapCaption = stored.find((m) => m._id === rollupKey(DAY, { level: "cluster", code: "north" }, HEADS.north[1]!, "map"))!;
    expect(JSON.stringify(mapCaption)).toContain(`North cluster: ${north.pcsCovered} of ${north.pcsTotal} Lok Sabha seats reported`);
    await a.stop();
    await b.stop();
  }, 120_000);

  it("after downtime runs each missed day within 48 hours once at start-up", async () => {
    // The bot stops on 27 Nov before 20:00 and comes back on 29 Nov at 20:30 IST: 27 Nov's rollup time is 48.5 hours
    // ago (too old), 28 and 29 Nov's are due.
    h.clock.set(atLocalTime("2026-11-27", { hour: 19, minute: 0 }, ZONE));
    const before = scheduler(h.db, "before");
    await before.tick();
    await before.stop();

    h.clock.set(atLocalTime("2026-11-29", { hour: 20, minute: 30 }, ZONE));
    cronCalls.length = 0;
    const restarted = scheduler(h.db, "restarted");
    const other = scheduler(second, "other");
    await Promise.all([restarted.start(), other.start()]);
    // start() runs the catch-up in the background; stop() waits for it.
    await Promise.all([restarted.stop(), other.stop()]);
    expect(cronCalls).toEqual([
      { expression: "0 20 * * *", timezone: ZONE, name: "rollup" },
      { expression: "*/5 * * * *", timezone: ZONE, name: "reminders" },
      { expression: "0 20 * * *", timezone: ZONE, name: "rollup" },
      { expression: "*/5 * * * *", timezone: ZONE, name: "reminders" },
    ]);

    const head = HEADS.central[0]!;
    const central = { level: "cluster", code: "central" } as const;
    const keys = await outbox.keys("rollup:");
    // Only this test's days (the test above sends 26 Nov's, which is 72 hours old here and not sent again).
    expect(keys.filter((k) => k.endsWith(`:central:${head}`) && !k.includes(`:${DAY}:`)).sort()).toEqual([
      rollupKey("2026-11-28", central, head, "text"),
      rollupKey("2026-11-29", central, head, "text"),
    ]);
    const attempts = outbox.attempts.filter((m) => m.key.startsWith("rollup:2026-11-28:") || m.key.startsWith("rollup:2026-11-29:"));
    expect(attempts.length).toBe(2 * 5); // 5 recipients (4 heads not blocked, 1 admin), once each per day

    // Yet another restart the same evening: nothing runs again.
    const attemptsBefore = outbox.attempts.length;
    const third = scheduler(h.db, "third");
    await third.start();
    await third.stop();
    expect(outbox.attempts.filter((m) => m.key.startsWith("rollup")).length).toBe(
      outbox.attempts.slice(0, attemptsBefore).filter((m) => m.key.startsWith("rollup")).length,
    );
    const done = await h.db.models.JobRun.find({ job: "rollup.daily", kind: "done" }).lean();
    expect(done.map((d) => d.period).filter((p) => p !== DAY).sort()).toEqual(["2026-11-28", "2026-11-29"]);
  }, 120_000);
});
