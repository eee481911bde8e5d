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
import { createRollupTotals, type RollupTotals } from "../../src/services/rollupTotals.js";
import { computeRollup } from "../../src/domain/rollup/compute.js";
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

beforeAll(async () => {
  db = await openSeededTestDatabase("rollup-totals");
  totals = createRollupTotals(db.models, { zone: ZONE });
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

describe("rollups from running totals", () => {
  it("equal the rollup from the records over a generated campaign, and read only totals", async () => {
    const map = await createRollupDataSource(db.models).loadMap();
    const campaign = generateCampaign(map, {
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
    expect(await db.models.RollupMark.countDocuments({})).toBeGreaterThan(0);

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
    expect(country!.fromTotals.pending.length).toBeGreaterThan(0);
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

  it("are not used for a day that has ended (read from the records) and give its figures all the same", async () => {
    const yesterday = localDay(new Date(AS_OF.getTime() - 24 * HOUR), ZONE);
    await expectSame(yesterday, AS_OF);
  });
});
