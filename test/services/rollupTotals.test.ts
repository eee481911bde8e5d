// The rollups' running totals (services/rollupTotals.ts): a rollup of today from the totals must equal the rollup
// computed from the raw events and reports, over a generated campaign with every review status, voids, flagged
// photos and cancellations, and after each kind of change made through the services; a replay never counts twice;
// the check finds drift and repairs it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSeededTestDatabase } from "../helpers/seededDatabase.js";
import type { TestDatabase } from "../helpers/db.js";
import { TestClock } from "../helpers/harness.js";
import { generateCampaign, insertCampaign } from "../helpers/campaign.js";
import { createServices, type Services } from "../../src/services/index.js";
import { createRollupDataSource } from "../../src/services/rollupData.js";
import { createRollupTotals, FOLD_LEASE, FOLD_LEASE_MS, FoldBusyError, type RollupTotals } from "../../src/services/rollupTotals.js";
import { createLeases, type Leases } from "../../src/db/leases.js";
import { waitUntil } from "../helpers/waitUntil.js";
import { computeRollup } from "../../src/domain/rollup/compute.js";
import { markRollupEvents, markRollupSeats } from "../../src/db/rollupMarks.js";
import { unpackLedger } from "../../src/services/rollupLedger.js";
import { Types } from "mongoose";
import { atLocalTime, localDay } from "../../src/domain/rollup/day.js";
import type { RollupScope } from "../../src/domain/rollup/types.js";
import type { RoleScope } from "../../src/domain/roles.js";
import type { Actor } from "../../src/services/eventService.js";

const ZONE = "Asia/Kolkata";
const DAY = "2026-11-26";
const AS_OF = atLocalTime(DAY, { hour: 20, minute: 0 }, ZONE);
const HOUR = 3600_000;
const SCOPES: RollupScope[] = [{ level: "country", code: "IN" }, { level: "cluster", code: "north" }, { level: "state", code: "IN-UP" }];
const STATUSES = [undefined, "submitted", "approved", "approved", "sent_back", "corrected", "void"] as const;

let db: TestDatabase;
let totals: RollupTotals;
let campaign: ReturnType<typeof generateCampaign>;

beforeAll(async () => {
  db = await openSeededTestDatabase("rollup-totals");
  // Folded on the rollups' day, as the bot folds on the day it sums up.
  totals = createRollupTotals(db.models, { zone: ZONE, now: () => AS_OF });
  // The campaign every test of the file changes and puts back (each test folds before and after what it changes).
  const map = await createRollupDataSource(db.models).loadMap();
  campaign = generateCampaign(map, {
    events: 1500,
    from: new Date(AS_OF.getTime() - 40 * 24 * HOUR),
    to: new Date(AS_OF.getTime() + 6 * 24 * HOUR),
    now: AS_OF,
    seed: 7,
  });
  // Every review status (absent: from before review), and a photo on every fifth report, one of them flagged.
  campaign.reports.forEach((r, i) => {
    const status = STATUSES[i % STATUSES.length];
    if (status) Object.assign(r, { reviewStatus: status });
    if (i % 5 === 0) Object.assign(r, { photos: [{ fileId: `f${i}`, fileUniqueId: `u${i}`, kind: "photo" }] });
  });
  const flaggedReports = campaign.reports.filter((_, i) => i % 10 === 0);
  await insertCampaign(db.models, campaign);
  await db.models.PhotoFlag.collection.insertMany(
    flaggedReports.map((r, i) => ({
      _id: `flag-${i}`,
      eventId: r.eventId.toHexString(),
      fileUniqueId: r.photos.length ? (r.photos as { fileUniqueId: string }[])[0]!.fileUniqueId : "none",
      fileId: "f",
      otherEventId: "x",
      otherFileUniqueId: "y",
      otherFileId: "z",
      reason: "same_file",
      distance: 0,
      at: AS_OF,
    })) as never[],
  );
  // Inserted past the services: every seat marked as a whole.
  expect(await db.models.RollupMark.countDocuments({})).toBeGreaterThan(0);
});
afterAll(async () => {
  await db.drop();
});

/** The rollups of these scopes from the records and from the totals. */
async function both(day: string, asOf: Date) {
  const raw = await createRollupDataSource(db.models).load({ day, zone: ZONE, asOf });
  const folded = await createRollupDataSource(db.models, totals).load({ day, zone: ZONE, asOf });
  return SCOPES.map((scope) => ({ fromRecords: computeRollup({ ...raw, scope }), fromTotals: computeRollup({ ...folded, scope }) }));
}

async function expectSame(day = DAY, asOf = AS_OF): Promise<void> {
  for (const { fromRecords, fromTotals } of await both(day, asOf)) expect(fromTotals).toEqual(fromRecords);
}

interface StoredReport {
  _id: Types.ObjectId;
  code: string;
  total: number;
}

/** Any stored report with attendance. */
async function reportWithAttendance(): Promise<StoredReport> {
  return (await db.models.Report.find({}, { _id: 1, code: 1, total: 1 }).lean<StoredReport[]>()).find((r) => r.total > 0)!;
}

/** A report's total changed past the services, and its event marked as the services mark it. */
async function setTotal(report: StoredReport, total: number): Promise<void> {
  await db.models.Report.updateOne({ _id: report._id }, { $set: { total } });
  await markRollupEvents(db.models, [{ code: report.code, eventId: report._id.toHexString() }]);
}

describe("rollups from running totals", () => {
  it("equal the rollup from the records over a generated campaign, and read only totals", async () => {
    await expectSame();
    // Folded: no mark left, a seat per seat with an event, and the same again with nothing to fold.
    expect(await db.models.RollupMark.countDocuments({})).toBe(0);
    const seats = new Set(campaign.events.map((e) => e.code));
    const stored = await db.models.RollupPc.find({}).lean();
    expect(stored.flatMap((d) => Object.keys(JSON.parse(d.seats) as object)).sort()).toEqual([...seats].sort());
    expect(await totals.fold()).toBe(0);
    await expectSame();
    // The figures are not trivially empty.
    const [country] = await both(DAY, AS_OF);
    expect(country!.fromTotals.today.held).toBeGreaterThan(0);
    expect(country!.fromTotals.pending.listed.length).toBeGreaterThan(0);
    expect(country!.fromTotals.upcoming.length).toBeGreaterThan(0);
    expect(country!.fromTotals.review.sentBack.length).toBeGreaterThan(0);
    expect(country!.fromTotals.review.flagged).toBeGreaterThan(0);
    expect(await totals.check()).toEqual({ seats: seats.size, drifted: [] });
  });

  it("follow every change made through the services (a report, its replay, a move, a cancel, a correction), counting the replay once", async () => {
    const clock = new TestClock(new Date(AS_OF.getTime() - 6 * HOUR));
    const s: Services = createServices({ models: db.models, now: clock.now, timeZone: ZONE });
    const seat: RoleScope = { role: "pc_incharge", level: "pc", code: "IN-UP:P50" };
    const pc: Actor = { telegramId: 7_300_000_001, scopes: [seat] };
    const register = async (key: string, hoursAhead: number) => {
      const made = await s.events.create({
        actor: pc,
        input: {
          programmeKey: "sneh-samvad",
          territory: { level: "pc", code: "IN-UP:P50" },
          startsAt: new Date(clock.now().getTime() + hoursAhead * HOUR),
          venue: "Hall",
          location: null,
          expectedAttendance: 50,
          notes: "",
        },
        confirmKey: `totals:${key}`,
      });
      if (!made.ok) throw new Error(made.reason);
      return made.event.id;
    };
    const [reported, moved, cancelled] = [await register("a", 1), await register("b", 2), await register("c", 3)];
    await expectSame(DAY, clock.now());
    clock.advance(2 * HOUR);
    const submit = () =>
      s.reports.submit({ actor: pc, eventId: reported, input: { total: 40, counts: { "sufi-ulema": 30 }, photos: [], notes: "" }, confirmKey: "totals:report" });
    expect((await submit()).ok).toBe(true);
    expect((await submit()).ok).toBe(true); // a replayed press
    expect((await s.events.move({ actor: pc, eventId: moved, startsAt: new Date(clock.now().getTime() + 30 * HOUR) })).ok).toBe(true);
    expect((await s.events.cancel({ actor: pc, eventId: cancelled })).ok).toBe(true);
    await expectSame(DAY, clock.now());
    const [country] = await both(DAY, clock.now());
    const line = country!.fromTotals.byState.find((r) => r.stateCode === "IN-UP")!;
    expect(country!.fromTotals.upcoming.map((e) => e.eventId)).toContain(moved);
    // A correction: the numbers change, not the count.
    const corrected = await s.reports.submit({
      actor: pc,
      eventId: reported,
      input: { total: 55, counts: { "sufi-ulema": 30 }, photos: [], notes: "" },
      confirmKey: "totals:correction",
    });
    expect(corrected.ok).toBe(true);
    await expectSame(DAY, clock.now());
    const [after] = await both(DAY, clock.now());
    const lineAfter = after!.fromTotals.byState.find((r) => r.stateCode === "IN-UP")!;
    expect(lineAfter.reportsToday).toBe(line.reportsToday);
    expect(lineAfter.attendanceToday - line.attendanceToday).toBe(15);
    expect(await totals.check()).toMatchObject({ drifted: [] });
  });

  it("fold a changed event from its seat's ledger: the event and its report read by id, never the seat's records", async () => {
    await totals.fold();
    // A reported event of a seat with several events, whose ledger the first fold made.
    const reports = await db.models.Report.find({ reviewStatus: "approved" }, { _id: 1, code: 1, total: 1 }).lean<StoredReport[]>();
    const counts = new Map<string, number>();
    for (const e of await db.models.Event.find({}, { _id: 0, code: 1 }).lean<{ code: string }[]>()) counts.set(e.code, (counts.get(e.code) ?? 0) + 1);
    const report = reports.find((r) => (counts.get(r.code) ?? 0) >= 3)!;
    const ledgerBefore = unpackLedger((await db.models.RollupLedger.findById(report.code).lean())!);
    expect(ledgerBefore.entries.get(report._id.toHexString())?.report?.total).toBe(report.total);

    // Its report corrected past the services, and the event marked as the services mark it.
    await setTotal(report, report.total + 7);
    const reads: { collection: string; filter: Record<string, unknown> }[] = [];
    db.connection.set("debug", (collection: string, method: string, filter?: Record<string, unknown>) => {
      if ((collection === "events" || collection === "reports") && method.startsWith("find")) reads.push({ collection, filter: filter ?? {} });
    });
    try {
      expect(await totals.fold()).toBe(1);
    } finally {
      db.connection.set("debug", false);
    }
    // Two reads, both by the event's id: the seat's other events and reports were not read.
    expect(reads.map((r) => `${r.collection}:${String(r.filter._id)}`).sort()).toEqual([`events:${report._id.toHexString()}`, `reports:${report._id.toHexString()}`]);
    const ledgerAfter = unpackLedger((await db.models.RollupLedger.findById(report.code).lean())!);
    expect(ledgerAfter.rev).toBe(ledgerBefore.rev + 1);
    expect(ledgerAfter.entries.get(report._id.toHexString())?.report?.total).toBe(report.total + 7);
    expect(ledgerAfter.entries.size).toBe(ledgerBefore.entries.size);
    await expectSame();
    expect(await totals.check()).toMatchObject({ drifted: [] });

    // A replayed mark recomputes the same figures: the ledger is not even written again.
    await markRollupEvents(db.models, [{ code: report.code, eventId: report._id.toHexString() }]);
    expect(await totals.fold()).toBe(1);
    expect((await db.models.RollupLedger.findById(report.code).lean())!.rev).toBe(ledgerAfter.rev);
    await setTotal(report, report.total);
    await totals.fold();
    await expectSame();
  });

  it("give a rollup with changes not yet folded from the ledgers and the marked events, writing nothing", async () => {
    await totals.fold();
    const report = await reportWithAttendance();
    const [country] = await both(DAY, AS_OF);
    const pcBefore = await db.models.RollupPc.find({}).lean();
    const ledgerBefore = await db.models.RollupLedger.findById(report.code).lean();
    // The report's figures changed and its event marked, as a correction through the services would.
    await setTotal(report, report.total + 11);
    const [after] = await both(DAY, AS_OF);
    expect(after!.fromTotals).toEqual(after!.fromRecords);
    expect(after!.fromTotals).not.toEqual(country!.fromTotals);
    // Nothing written: the mark is still there for the fold job, the stored totals and the ledger as they were.
    expect(await db.models.RollupMark.countDocuments({})).toBe(1);
    expect(await db.models.RollupPc.find({}).lean()).toEqual(pcBefore);
    expect(await db.models.RollupLedger.findById(report.code).lean()).toEqual(ledgerBefore);
    expect(await totals.fold()).toBe(1);
    await expectSame();
    await setTotal(report, report.total);
    await totals.fold();
  });

  it("leave a seat to the next fold when another fold replaced its ledger meanwhile: its marks stay, nothing is counted twice", async () => {
    await totals.fold();
    const report = await reportWithAttendance();
    const pcCode = (await db.models.Event.findById(report._id, { pcCode: 1 }).lean<{ pcCode: string }>())!.pcCode;
    const seatOf = async () => (JSON.parse((await db.models.RollupPc.findById(pcCode).lean())!.seats) as Record<string, { attendance: number }>)[report.code]!;
    const before = await seatOf();
    // Another copy's fold writes the seat's ledger between this fold's read and its write (once).
    const ledgers = db.models.RollupLedger;
    let raced = false;
    const collection = new Proxy(ledgers.collection, {
      get(target, key) {
        const value = Reflect.get(target, key, target) as unknown;
        if (key !== "replaceOne" || typeof value !== "function") return typeof value === "function" ? value.bind(target) : value;
        return async (...args: Parameters<typeof target.replaceOne>) => {
          if (!raced) {
            raced = true;
            await target.updateOne({ _id: report.code } as never, { $inc: { rev: 1 } });
          }
          return target.replaceOne(...args);
        };
      },
    });
    const racing = createRollupTotals(
      { ...db.models, serial: db.models.serial, RollupLedger: new Proxy(ledgers, { get: (target, key) => (key === "collection" ? collection : (Reflect.get(target, key, target) as unknown)) }) },
      { zone: ZONE, now: () => AS_OF },
    );
    await setTotal(report, report.total + 3);
    expect(await racing.fold()).toBe(0);
    expect(raced).toBe(true);
    // Nothing of the seat written, its mark kept; the next fold counts the change once.
    expect((await seatOf()).attendance).toBe(before.attendance);
    expect(await db.models.RollupMark.countDocuments({ seat: report.code })).toBe(1);
    expect(await racing.fold()).toBe(1);
    expect((await seatOf()).attendance).toBe(before.attendance + 3);
    expect(await db.models.RollupMark.countDocuments({})).toBe(0);
    await expectSame();
    await setTotal(report, report.total);
    await totals.fold();
  });

  it("fold in one copy at a time: while another holds the fold's lease, this copy writes nothing and keeps the marks, its rollup is exact all the same, its check refuses", async () => {
    await totals.fold();
    const report = await reportWithAttendance();
    const other = createLeases(db.models.Lease, { owner: "other-copy", now: () => AS_OF, ttlMs: FOLD_LEASE_MS });
    const held = (await other.acquire(FOLD_LEASE))!;
    expect(held).not.toBeNull();
    const [pcBefore, dayBefore] = await Promise.all([db.models.RollupPc.find({}).lean(), db.models.RollupDay.find({}).lean()]);
    await setTotal(report, report.total + 5);
    // And more seats marked as a whole than a rollup lays over without folding first: it would fold, and cannot.
    const whole = (await db.models.RollupLedger.find({}, { _id: 1 }).lean()).map((d) => d._id).filter((code) => code !== report.code).slice(0, 12);
    await markRollupSeats(db.models, whole);
    expect(await totals.fold()).toBe(0);
    await expectSame();
    await expect(totals.check()).rejects.toBeInstanceOf(FoldBusyError);
    // Nothing written by this copy; every mark still there; the other copy's lease untouched.
    expect(await db.models.RollupPc.find({}).lean()).toEqual(pcBefore);
    expect(await db.models.RollupDay.find({}).lean()).toEqual(dayBefore);
    expect(await db.models.RollupMark.countDocuments({})).toBe(13);
    expect((await db.models.Lease.findById(FOLD_LEASE).lean())!.owner).toBe("other-copy");
    // Its lease released, the next fold here folds every marked seat once, and takes and gives back the lease.
    await other.release(held);
    expect(await totals.fold()).toBe(13);
    expect(await db.models.RollupMark.countDocuments({})).toBe(0);
    expect(await db.models.Lease.countDocuments({ _id: FOLD_LEASE })).toBe(0);
    expect((await totals.check()).drifted).toEqual([]);
    await expectSame();
    await setTotal(report, report.total);
    await totals.fold();
  });

  it("take over the fold's lease from a copy that died holding it, once it has lapsed", async () => {
    await totals.fold();
    const report = await reportWithAttendance();
    const clock = new TestClock(AS_OF);
    const dead = createLeases(db.models.Lease, { owner: "dead-copy", now: clock.now, ttlMs: FOLD_LEASE_MS });
    expect(await dead.acquire(FOLD_LEASE)).not.toBeNull();
    const copy = createRollupTotals(db.models, { zone: ZONE, now: clock.now });
    await setTotal(report, report.total + 7);
    expect(await copy.fold()).toBe(0);
    clock.advance(FOLD_LEASE_MS - 1);
    expect(await copy.fold()).toBe(0);
    clock.advance(2);
    expect(await copy.fold()).toBe(1);
    expect(await db.models.RollupMark.countDocuments({})).toBe(0);
    expect(await db.models.Lease.countDocuments({})).toBe(0);
    await expectSame();
    await setTotal(report, report.total);
    await totals.fold();
  });

  it("stop a fold whose lease was taken over while it ran (it hung past the lease): nothing of it written, its marks kept", async () => {
    await totals.fold();
    const report = await reportWithAttendance();
    const real = createLeases(db.models.Lease, { owner: "hung-copy", now: () => AS_OF, ttlMs: FOLD_LEASE_MS });
    let renewals = 0;
    // A lease store whose renewal finds the lease gone, renewing every millisecond (a third of its length).
    const takenOver: Leases = { ...real, ttlMs: 3, renew: async (held) => (renewals++, [...held]) };
    // The fold held at its first read of a ledger until a renewal has run.
    const ledgers = db.models.RollupLedger;
    const hung = createRollupTotals(
      {
        ...db.models,
        serial: db.models.serial,
        RollupLedger: new Proxy(ledgers, {
          get: (target, key) =>
            key === "findById"
              ? (...args: Parameters<typeof target.findById>) => ({ lean: async () => (await waitUntil("a renewal", () => renewals > 0), target.findById(...args).lean()) })
              : (Reflect.get(target, key, target) as unknown),
        }),
      },
      { zone: ZONE, now: () => AS_OF, leases: takenOver },
    );
    const [pcBefore, ledgerBefore] = await Promise.all([db.models.RollupPc.find({}).lean(), db.models.RollupLedger.findById(report.code).lean()]);
    await setTotal(report, report.total + 9);
    await expect(hung.fold()).rejects.toThrow(/taken over/);
    expect(await db.models.RollupPc.find({}).lean()).toEqual(pcBefore);
    expect(await db.models.RollupLedger.findById(report.code).lean()).toEqual(ledgerBefore);
    expect(await db.models.RollupMark.countDocuments({})).toBe(1);
    expect(await totals.fold()).toBe(1);
    await expectSame();
    await setTotal(report, report.total);
    await totals.fold();
  });

  it("find a seat's ledger drifted from its records by the check, and repair it", async () => {
    await totals.fold();
    const doc = (await db.models.RollupLedger.find({}).lean()).find((d) => unpackLedger(d).entries.size >= 2)!;
    // One entry dropped from the ledger (a fold would then count the seat without it).
    const entries = JSON.parse(doc.entries) as unknown[];
    await db.models.RollupLedger.updateOne({ _id: doc._id }, { $set: { entries: JSON.stringify(entries.slice(1)) } });
    expect((await totals.check()).drifted).toEqual([doc._id]);
    expect((await totals.check({ repair: true })).drifted).toEqual([doc._id]);
    expect((await totals.check()).drifted).toEqual([]);
    expect((await db.models.RollupLedger.findById(doc._id).lean())!.entries).toBe(doc.entries);
  });

  it("are found drifted by the check when a seat's stored figures differ from its records, and repaired", async () => {
    // One seat's attendance changed in its PC's document, and another seat's events taken out of a day.
    const pc = (await db.models.RollupPc.find({}).lean()).find((d) => d._id.startsWith("IN-UP:"))!;
    const seats = JSON.parse(pc.seats) as Record<string, { attendance: number }>;
    const first = Object.keys(seats).sort()[0]!;
    seats[first]!.attendance += 1000;
    await db.models.RollupPc.updateOne({ _id: pc._id }, { $set: { seats: JSON.stringify(seats) } });
    const day = (await db.models.RollupDay.find({ stateCode: "IN-UP" }).lean()).find((d) => Object.keys(JSON.parse(d.seats) as object).some((c) => c !== first))!;
    const second = Object.keys(JSON.parse(day.seats) as object).find((c) => c !== first)!;
    const daySeats = JSON.parse(day.seats) as Record<string, unknown>;
    delete daySeats[second];
    await db.models.RollupDay.updateOne({ _id: day._id }, { $set: { seats: JSON.stringify(daySeats) } });
    expect((await totals.check()).drifted).toEqual([first, second].sort());
    expect((await totals.check({ repair: true })).drifted).toEqual([first, second].sort());
    expect((await totals.check()).drifted).toEqual([]);
    await expectSame();
  });

  it("keep who holds a seat: a grant and a revoke reach the vacancies line, and the check finds and repairs drift", async () => {
    const clock = new TestClock(AS_OF);
    const s: Services = createServices({ models: db.models, now: clock.now, timeZone: ZONE });
    const vacantPcs = async () => {
      const [country] = await both(DAY, clock.now());
      expect(country!.fromTotals.vacancies).toEqual(country!.fromRecords.vacancies);
      return country!.fromTotals.vacancies.find((v) => v.stateCode === "IN-UP")?.vacantPcs;
    };
    const before = await vacantPcs();
    expect(before).toBeGreaterThan(0);
    await db.models.Person.create({ _id: 7_300_000_077, telegramId: 7_300_000_077, firstName: "Asha" });
    expect(await s.people.grantRole(7_300_000_077, { role: "pc_incharge", code: "IN-UP:P51", grantedBy: null })).toBe(true);
    expect(await db.models.RollupMark.countDocuments({ seat: "@holders" })).toBe(1);
    expect(await vacantPcs()).toBe(before! - 1);
    const stored = await db.models.RollupHolders.findById("seats").lean();
    expect(JSON.parse(stored!.codes) as string[]).toContain("IN-UP:P51");
    // A replayed grant changes nothing and marks nothing.
    expect(await s.people.grantRole(7_300_000_077, { role: "pc_incharge", code: "IN-UP:P51", grantedBy: null })).toBe(false);
    expect(await db.models.RollupMark.countDocuments({})).toBe(0);
    expect(await s.people.revokeRole(7_300_000_077, "IN-UP:P51")).toBe(true);
    expect(await vacantPcs()).toBe(before);
    // A role that is not a seat does not mark.
    expect(await s.people.grantRole(7_300_000_077, { role: "state_team", code: "IN-UP", grantedBy: null })).toBe(true);
    expect(await db.models.RollupMark.countDocuments({})).toBe(0);

    // Drift: a seat holder written straight into the people, past the services.
    await db.models.Person.updateOne({ _id: 7_300_000_077 }, { $push: { roles: { role: "ac_incharge", level: "ac", code: "IN-UP:A100", grantedAt: AS_OF } } });
    expect((await totals.check()).drifted).toEqual(["@holders"]);
    expect((await totals.check({ repair: true })).drifted).toEqual(["@holders"]);
    expect((await totals.check()).drifted).toEqual([]);
    await expectSame(DAY, clock.now());
  });

  it("keep recent open events as rows and older ones as counts, folded again before their rows run out", async () => {
    const clock = new TestClock(AS_OF);
    const dated = createRollupTotals(db.models, { zone: ZONE, now: clock.now });
    // An AC of Uttar Pradesh with no event of the generated campaign: only this test's events are its.
    const acs = await db.models.Ac.find({ stateCode: "IN-UP" }, { _id: 0, code: 1, pcCode: 1 }).lean<{ code: string; pcCode: string }[]>();
    const taken = new Set((await db.models.Event.find({ stateCode: "IN-UP" }, { _id: 0, code: 1 }).lean<{ code: string }[]>()).map((e) => e.code));
    const ac = acs.find((a) => !taken.has(a.code))!;
    const SEAT = ac.code;
    const at = (days: number) => new Date(AS_OF.getTime() + days * 24 * HOUR);
    const event = (startsAt: Date) => ({
      _id: new Types.ObjectId(), programmeKey: "sneh-samvad", level: "ac", code: SEAT, stateCode: "IN-UP", pcCode: ac.pcCode, acCode: SEAT,
      startsAt, venue: "Hall", location: null, expectedAttendance: 10, notes: "", status: "planned", createdBy: 7_300_000_060,
      createdAt: AS_OF, updatedAt: AS_OF, reportedAt: null,
    });
    // A month old, yesterday, ten days ahead and twenty days ahead: none reported.
    const [monthOld, yesterday, tenAhead, twentyAhead] = [event(at(-30)), event(at(-1)), event(at(10)), event(at(20))];
    await db.models.Event.collection.insertMany([monthOld, yesterday, tenAhead, twentyAhead] as never[]);
    await markRollupSeats(db.models, [SEAT]);
    const storedSeat = async () => {
      // An AC's seat is kept in its PC's document.
      const doc = await db.models.RollupPc.findById(ac.pcCode).lean();
      return (JSON.parse(doc!.seats) as Record<string, { open: unknown[][]; openDays?: Record<string, number>; rowsUntil?: string }>)[SEAT]!;
    };
    const day = (days: number) => localDay(at(days), ZONE);

    await dated.fold();
    const folded = await storedSeat();
    expect(folded.open.map((row) => row[0])).toEqual([yesterday._id.toHexString()]);
    expect(folded.openDays).toEqual({ [day(-30)]: 1, [day(10)]: 1, [day(20)]: 1 });
    expect(folded.rowsUntil).toBe(day(6));

    // Five days on, the hourly sweep finds the rows ending within two days and folds the seat again.
    clock.set(at(5));
    await dated.fold();
    expect((await storedSeat()).rowsUntil).toBe(day(11));
    expect((await storedSeat()).open.map((row) => row[0])).toEqual([yesterday._id.toHexString(), tenAhead._id.toHexString()]);

    // Thirteen days on, with no fold since: a read for that day folds the seat first (its rows end on day 11).
    clock.set(at(13));
    const read = await dated.read([day(13)], day(13));
    expect(read.seats.find((s) => s.seat === SEAT)).toMatchObject({ rowsUntil: day(19) });
    // The rollup of that day from the totals equals the one from the records: the month-old event counted (listed
    // from 14 days back), yesterday's and the one ten days ahead listed as pending.
    const asOf = at(13);
    const raw = await createRollupDataSource(db.models).load({ day: day(13), zone: ZONE, asOf });
    const fromTotals = await createRollupDataSource(db.models, dated).load({ day: day(13), zone: ZONE, asOf });
    const state = { level: "state", code: "IN-UP" } as const;
    const [a, b] = [computeRollup({ ...raw, scope: state }), computeRollup({ ...fromTotals, scope: state })];
    expect(b).toEqual(a);
    const mine = (r: typeof a) => r.pending.listed.filter((e) => e.acCode === SEAT).map((e) => e.eventId);
    expect(mine(b)).toEqual([yesterday._id.toHexString(), tenAhead._id.toHexString()]);
    expect(b.pending.count).toBeGreaterThan(b.pending.listed.length);
    await db.models.Event.deleteMany({ code: SEAT });
    await markRollupSeats(db.models, [SEAT]);
    await dated.fold();
  });

  it("read seats stored before open events were counted by day as listing every open event", async () => {
    const SEAT = "IN-UP:P61";
    const id = new Types.ObjectId();
    const startsAt = new Date(AS_OF.getTime() - 20 * 24 * HOUR);
    await db.models.Event.collection.insertOne({
      _id: id, programmeKey: "sneh-samvad", level: "pc", code: SEAT, stateCode: "IN-UP", pcCode: SEAT, acCode: null, startsAt, venue: "Hall",
      location: null, expectedAttendance: 10, notes: "", status: "planned", createdBy: 7_300_000_061, createdAt: AS_OF, updatedAt: AS_OF, reportedAt: null,
    } as never);
    await markRollupSeats(db.models, [SEAT]);
    await totals.fold();
    // The seat as an older version stored it: every open event a row, no days or counts.
    const doc = await db.models.RollupPc.findById(SEAT).lean();
    const seats = JSON.parse(doc!.seats) as Record<string, Record<string, unknown>>;
    const { openDays: _d, rowsFrom: _f, rowsUntil: _u, ...old } = seats[SEAT]!;
    old.open = [[id.toHexString(), "sneh-samvad", startsAt.getTime(), 7_300_000_061]];
    await db.models.RollupPc.collection.replaceOne({ _id: SEAT } as never, { seats: JSON.stringify({ ...seats, [SEAT]: old }) });
    // No drift, and the same rollup as from the records (the event counted: older than the 14 days listed).
    expect((await totals.check()).drifted).toEqual([]);
    await expectSame();
    // A process's first fold (its sweep) folds such a seat again, to rows of days and counts.
    await createRollupTotals(db.models, { zone: ZONE, now: () => AS_OF }).fold();
    const now = JSON.parse((await db.models.RollupPc.findById(SEAT).lean())!.seats) as Record<string, { open: unknown[]; openDays: object; rowsFrom: string }>;
    expect(now[SEAT]).toMatchObject({ open: [], openDays: { [localDay(startsAt, ZONE)]: 1 }, rowsFrom: localDay(new Date(AS_OF.getTime() - 14 * 24 * HOUR), ZONE) });
    await db.models.Event.deleteMany({ code: SEAT });
    await markRollupSeats(db.models, [SEAT]);
    await totals.fold();
  });

  it("are not used for a day that has ended (read from the records) and give its figures all the same", async () => {
    const yesterday = localDay(new Date(AS_OF.getTime() - 24 * HOUR), ZONE);
    await expectSame(yesterday, AS_OF);
  });
});
