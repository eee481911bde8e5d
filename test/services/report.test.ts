// Report service on the test database: one report per event, every version kept with who and when, replays and
// races adding nothing, corrections by the author for 72 hours only.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trusted } from "mongoose";
import { reopenTestDatabase, type TestDatabase } from "../helpers/db.js";
import { openSeededTestDatabase } from "../helpers/seededDatabase.js";
import { TestClock } from "../helpers/harness.js";
import { createServices, type Services } from "../../src/services/index.js";
import type { Database } from "../../src/db/connection.js";
import type { RoleScope } from "../../src/domain/roles.js";
import type { ReportInput } from "../../src/services/reportService.js";

const HOUR = 3600_000;
const PC77: RoleScope = { role: "pc_incharge", level: "pc", code: "IN-UP:P77" };
const AC390: RoleScope = { role: "ac_incharge", level: "ac", code: "IN-UP:A390" };
const author = { telegramId: 41, scopes: [PC77] };

let db: TestDatabase;
let second: Database;
let clock: TestClock;
let s: Services;
let s2: Services;
let n = 0;

beforeAll(async () => {
  db = await openSeededTestDatabase("reportsvc");
  second = await reopenTestDatabase(db);
  clock = new TestClock();
  s = createServices({ models: db.models, now: clock.now });
  s2 = createServices({ models: second.models, now: clock.now });
});
afterAll(async () => {
  await second.close();
  await db.drop();
});

async function event(opts: { startsInHours?: number; code?: string } = {}): Promise<string> {
  const code = opts.code ?? "IN-UP:A390";
  const r = await s.events.create({
    actor: author,
    input: {
      programmeKey: "sufi-samvad",
      territory: { level: code.includes(":A") ? "ac" : "pc", code },
      startsAt: new Date(clock.now().getTime() + (opts.startsInHours ?? -2) * HOUR),
      venue: "Madrasa hall",
      location: { latitude: 25.3, longitude: 83.0 },
      expectedAttendance: 80,
      notes: "",
    },
    confirmKey: `ev:${++n}`,
  });
  if (!r.ok) throw new Error(r.reason);
  return r.event.id;
}

const report = (over: Partial<ReportInput> = {}): ReportInput => ({
  total: 60,
  counts: { "sufi-ulema": 10, intellectuals: 5, sports: 0, influential: 5, "women-beneficiaries": 20 },
  photos: [{ fileId: "F1", fileUniqueId: "U1", kind: "photo" }],
  notes: "Good turnout",
  ...over,
});

describe("submitting a report", () => {
  it("stores the report with the event's place, the first version, and marks the event reported", async () => {
    const eventId = await event();
    const r = await s.reports.submit({ actor: author, eventId, input: report(), confirmKey: "r:1" });
    expect(r).toMatchObject({ ok: true, version: 1, duplicate: false, report: { total: 60, others: 20 } });
    const stored = await db.models.Report.findOne({ eventId }).lean();
    expect(stored).toMatchObject({
      programmeKey: "sufi-samvad",
      stateCode: "IN-UP",
      pcCode: "IN-UP:P77",
      acCode: "IN-UP:A390",
      total: 60,
      counts: { "sufi-ulema": 10, "women-beneficiaries": 20 },
      submittedBy: 41,
      version: 1,
    });
    expect(stored!.photos).toEqual([{ fileId: "F1", fileUniqueId: "U1", kind: "photo" }]);
    const ev = await db.models.Event.findById(eventId).lean();
    expect(ev!.reportedAt).toEqual(clock.now());
    expect(stored!.eventStartsAt).toEqual(ev!.startsAt);
    expect(await s.reports.listVersions(eventId)).toHaveLength(1);
    expect((await s.reports.listForEvents([eventId, "nonsense"])).map((x) => x.eventId)).toEqual([eventId]);
    expect((await s.reports.listByEventStartBetween(new Date(clock.now().getTime() - 3 * HOUR), clock.now())).map((x) => x.eventId)).toContain(eventId);
  });

  it("adds nothing for the same press again, from any instance, at once or later", async () => {
    const eventId = await event();
    const args = { actor: author, eventId, input: report(), confirmKey: "r:race" };
    const results = await Promise.all([s.reports.submit(args), s2.reports.submit(args), s.reports.submit(args)]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.filter((r) => r.ok && !r.duplicate)).toHaveLength(1);
    expect(await s2.reports.submit(args)).toMatchObject({ ok: true, duplicate: true, version: 1 });
    expect(await db.models.Report.countDocuments({ eventId })).toBe(1);
    expect(await db.models.ReportVersion.countDocuments({ eventId })).toBe(1);
  });

  it("lets one of two different first reports win; the other is told to look again", async () => {
    const eventId = await event();
    const other = { telegramId: 42, scopes: [AC390] };
    const [a, b] = await Promise.all([
      s.reports.submit({ actor: author, eventId, input: report(), confirmKey: "r:a" }),
      s2.reports.submit({ actor: other, eventId, input: report({ total: 70 }), confirmKey: "r:b" }),
    ]);
    const oks = [a, b].filter((r) => r.ok);
    expect(oks).toHaveLength(1);
    expect([a, b].find((r) => !r.ok)).toMatchObject({ ok: false, reason: expect.stringMatching(/^(conflict|not_author)$/) });
    expect(await db.models.ReportVersion.countDocuments({ eventId })).toBe(1);
  });

  it("repairs the report when a crash left only the version", async () => {
    const eventId = await event();
    await s.reports.submit({ actor: author, eventId, input: report(), confirmKey: "r:crash" });
    await db.models.Report.deleteOne({ eventId });
    await db.models.Event.updateOne({ _id: eventId }, { $set: { reportedAt: null } });
    expect(await s.reports.submit({ actor: author, eventId, input: report(), confirmKey: "r:crash" })).toMatchObject({ ok: true, duplicate: true });
    expect(await db.models.Report.countDocuments({ eventId })).toBe(1);
    expect((await db.models.Event.findById(eventId).lean())!.reportedAt).not.toBeNull();
  });

  it("files the report under its author again when a crash left it unfiled", async () => {
    // A first save writes the report and files it under its author at the same time: a crash between the two is
    // mended when the same press is replayed.
    const eventId = await event();
    await s.reports.submit({ actor: author, eventId, input: report(), confirmKey: "r:unfiled" });
    const calendar = await db.models.Calendar.findById(`reporter:${author.telegramId}`).lean<{ entries: string[] }>();
    const entries = calendar!.entries.filter((e) => e.endsWith(eventId));
    expect(entries).toHaveLength(1);
    await db.models.Calendar.updateOne({ _id: `reporter:${author.telegramId}` }, { $set: { entries: calendar!.entries.filter((e) => !e.endsWith(eventId)) } });
    expect((await s.reports.listCorrectable(author)).map((r) => r.eventId)).not.toContain(eventId);
    expect(await s.reports.submit({ actor: author, eventId, input: report(), confirmKey: "r:unfiled" })).toMatchObject({ ok: true, duplicate: true });
    expect((await s.reports.listCorrectable(author)).map((r) => r.eventId)).toContain(eventId);
  });

  it("never marks the event reported while its report could not be written; the replayed press finishes it", async () => {
    const eventId = await event();
    const create = db.models.Report.create.bind(db.models.Report);
    db.models.Report.create = (async () => {
      throw new Error("connection reset");
    }) as never;
    try {
      await expect(s.reports.submit({ actor: author, eventId, input: report(), confirmKey: "r:failed" })).rejects.toThrow("connection reset");
    } finally {
      db.models.Report.create = create;
    }
    // Still waiting for its report: listed by /report (and chased by the reminders), not counted as reported.
    expect((await db.models.Event.findById(eventId).lean())!.reportedAt).toBeNull();
    const since = new Date(clock.now().getTime() - 30 * 24 * HOUR);
    expect((await s.events.listAwaitingReport(author, since, 20)).events.map((e) => e.id)).toContain(eventId);
    expect(await s.reports.submit({ actor: author, eventId, input: report(), confirmKey: "r:failed" })).toMatchObject({ ok: true, duplicate: true });
    expect((await db.models.Event.findById(eventId).lean())!.reportedAt).not.toBeNull();
    expect((await s.events.listAwaitingReport(author, since, 20)).events.map((e) => e.id)).not.toContain(eventId);
  });

  it("answers a save with the report as stored, first version and correction alike", async () => {
    // The answer is built from what the save wrote (not read back): it must be what a read finds.
    const eventId = await event();
    const first = await s.reports.submit({ actor: author, eventId, input: report(), confirmKey: "r:as-stored:1" });
    expect(first.ok && first.report).toEqual(await s.reports.getForEvent(eventId));
    const second = await s.reports.submit({ actor: author, eventId, input: report({ total: 61, notes: "" }), confirmKey: "r:as-stored:2" });
    expect(second).toMatchObject({ ok: true, version: 2, report: { total: 61, version: 2, notes: "" } });
    expect(second.ok && second.report).toEqual(await s.reports.getForEvent(eventId));
  });

  it("refuses bad numbers, photos, strangers, future and cancelled events", async () => {
    const eventId = await event();
    const bad: [Partial<ReportInput>, string][] = [
      [{ total: 10 }, "exceeds_total"],
      [{ total: -1 }, "bad_total"],
      [{ counts: { sports: 1.5 } }, "bad_count"],
      [{ counts: { "made-up": 1 } }, "unknown_category"],
      [{ photos: Array.from({ length: 11 }, (_, i) => ({ fileId: `F${i}`, fileUniqueId: `U${i}`, kind: "photo" as const })) }, "bad_photos"],
      [{ photos: [{ fileId: "", fileUniqueId: "U", kind: "photo" }] }, "bad_photos"],
      [{ notes: "x".repeat(1001) }, "bad_notes"],
    ];
    for (const [over, reason] of bad) {
      expect(await s.reports.submit({ actor: author, eventId, input: report(over), confirmKey: `r:bad:${reason}` }), reason).toEqual({ ok: false, reason });
    }
    const stranger = { telegramId: 43, scopes: [{ role: "pc_incharge" as const, level: "pc" as const, code: "IN-BR:P1" }] };
    expect(await s.reports.submit({ actor: stranger, eventId, input: report(), confirmKey: "r:x" })).toEqual({ ok: false, reason: "outside_scope" });
    const future = await event({ startsInHours: 5 });
    expect(await s.reports.submit({ actor: author, eventId: future, input: report(), confirmKey: "r:f" })).toEqual({ ok: false, reason: "not_started" });
    expect(await s.reports.access(author, future)).toEqual({ ok: false, reason: "not_started" });
    const cancelled = await event();
    await s.events.cancel({ actor: author, eventId: cancelled });
    expect(await s.reports.submit({ actor: author, eventId: cancelled, input: report(), confirmKey: "r:c" })).toEqual({ ok: false, reason: "cancelled" });
    expect(await db.models.Report.countDocuments({ eventId: trusted({ $in: [eventId, future, cancelled] }) as never })).toBe(0);
  });

  it("duplicates of one photo are kept once", async () => {
    const eventId = await event();
    const photo = { fileId: "F9", fileUniqueId: "U9", kind: "document" as const };
    const r = await s.reports.submit({ actor: author, eventId, input: report({ photos: [photo, { ...photo, fileId: "F9b" }] }), confirmKey: "r:dup" });
    expect(r.ok && r.report.photos).toEqual([photo]);
  });
});

describe("correcting a report", () => {
  it("keeps every version with who changed it and when, for the author within 72 hours", async () => {
    const eventId = await event();
    await s.reports.submit({ actor: author, eventId, input: report(), confirmKey: "r:v1" });
    const first = clock.now();
    clock.advance(71 * HOUR);
    expect(await s.reports.access(author, eventId)).toMatchObject({ ok: true, mode: "correct" });
    const r = await s.reports.submit({ actor: author, eventId, input: report({ total: 65, notes: "Recounted" }), confirmKey: "r:v2" });
    expect(r).toMatchObject({ ok: true, version: 2, report: { total: 65, others: 25, submittedAt: first, submittedBy: 41 } });
    const versions = await s.reports.listVersions(eventId);
    expect(versions.map((v) => [v.version, v.total, v.changedBy])).toEqual([
      [1, 60, 41],
      [2, 65, 41],
    ]);
    expect(versions[1]!.changedAt).toEqual(clock.now());
    expect(await db.models.Audit.countDocuments({ action: "report.correct", actorId: 41 })).toBeGreaterThanOrEqual(1);

    // Someone else with access to the event may not correct it.
    const other = { telegramId: 44, scopes: [AC390] };
    expect(await s.reports.submit({ actor: other, eventId, input: report(), confirmKey: "r:v3x" })).toEqual({ ok: false, reason: "not_author" });
    expect(await s.reports.access(other, eventId)).toEqual({ ok: false, reason: "not_author" });

    // After 72 hours from the first submission, nobody may.
    clock.advance(1 * HOUR + 1000);
    expect(await s.reports.submit({ actor: author, eventId, input: report({ total: 70 }), confirmKey: "r:v3" })).toEqual({ ok: false, reason: "too_late" });
    expect(await s.reports.access(author, eventId)).toEqual({ ok: false, reason: "too_late" });
    expect((await db.models.Report.findOne({ eventId }).lean())).toMatchObject({ total: 65, version: 2 });
    expect(await db.models.ReportVersion.countDocuments({ eventId })).toBe(2);
    clock.advance(-(72 * HOUR + 1000));
  });

  it("lists the author's correctable reports", async () => {
    const eventId = await event();
    await s.reports.submit({ actor: author, eventId, input: report(), confirmKey: "r:list" });
    expect((await s.reports.listCorrectable(author)).map((r) => r.eventId)).toContain(eventId);
    expect((await s.reports.listCorrectable({ telegramId: 99, scopes: [] })).length).toBe(0);
  });
});
