// Calendars: "my events" and "my reports" are found by _id (services/calendars.ts). Every writer of events keeps them:
// registration, a move (also many at once), a seat handed over; events stored before calendars existed are filed once
// at start (db/migrations/calendars.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Types } from "mongoose";
import { openSeededTestDatabase } from "../helpers/seededDatabase.js";
import type { TestDatabase } from "../helpers/db.js";
import { TestClock } from "../helpers/harness.js";
import { createServices, type Services } from "../../src/services/index.js";
import { createSeatHandover } from "../../src/services/seatHandover.js";
import { fileAllIntoCalendars, fileCalendarsOnce } from "../../src/db/migrations/calendars.js";
import type { RoleScope } from "../../src/domain/roles.js";
import type { Actor, EventInput } from "../../src/services/eventService.js";

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const PC77: RoleScope = { role: "pc_incharge", level: "pc", code: "IN-UP:P77" };
const AC390: RoleScope = { role: "ac_incharge", level: "ac", code: "IN-UP:A390" };

let db: TestDatabase;
let clock: TestClock;
let s: Services;
let keys = 0;

beforeAll(async () => {
  db = await openSeededTestDatabase("calendars");
  clock = new TestClock();
  s = createServices({ models: db.models, now: clock.now });
});
afterAll(async () => {
  await db.drop();
});

const actor = (telegramId: number, ...scopes: RoleScope[]): Actor => ({ telegramId, scopes });

async function register(by: Actor, over: Partial<EventInput> = {}): Promise<string> {
  const created = await s.events.create({
    actor: by,
    input: {
      programmeKey: "sneh-samvad",
      territory: { level: "pc", code: "IN-UP:P77" },
      startsAt: new Date(clock.now().getTime() + 2 * DAY),
      venue: "Town hall",
      location: null,
      expectedAttendance: 100,
      notes: "",
      ...over,
    },
    confirmKey: `calendars:${keys++}`,
  });
  if (!created.ok) throw new Error(created.reason);
  return created.event.id;
}

const week = () => ({ from: clock.now(), to: new Date(clock.now().getTime() + 7 * DAY) });
const idsOf = (events: { id: string }[]) => events.map((e) => e.id);

describe("calendars", () => {
  it("find a registered event for its organiser, its PC's and its AC's in-charges, and only them", async () => {
    const pcEvent = await register(actor(7_100_000_001, PC77));
    const acEvent = await register(actor(7_100_000_002, AC390), { territory: { level: "ac", code: "IN-UP:A390" } });
    expect(idsOf(await s.events.listMine(actor(7_100_000_001, PC77), week()))).toEqual(expect.arrayContaining([pcEvent, acEvent]));
    expect(idsOf(await s.events.listMine(actor(7_100_000_002, AC390), week()))).toEqual([acEvent]);
    // Someone else in charge of the same AC sees it too; a stranger nothing.
    expect(idsOf(await s.events.listMine(actor(7_100_000_003, AC390), week()))).toEqual([acEvent]);
    expect(await s.events.listMine(actor(7_100_000_004), week())).toEqual([]);
    // The events collection is read by _id only: a calendar names candidates, the event decides.
    expect(await db.models.Calendar.findById("person:7100000002").lean()).toMatchObject({ entries: [expect.stringContaining(acEvent)] });
  });

  it("follow a move (also five at once from two people): found at the time it ended at, not at the one it left", async () => {
    const pc = actor(7_100_000_011, { ...PC77, code: "IN-UP:P78" });
    const id = await register(pc, { territory: { level: "pc", code: "IN-UP:P78" } });
    const at = (days: number) => new Date(clock.now().getTime() + days * DAY);
    const day = (d: Date) => ({ from: d, to: new Date(d.getTime() + HOUR) });
    expect((await s.events.move({ actor: pc, eventId: id, startsAt: at(10) })).ok).toBe(true);
    expect(idsOf(await s.events.listMine(pc, day(at(10))))).toEqual([id]);
    expect(await s.events.listMine(pc, day(at(2)))).toEqual([]);

    const other = createServices({ models: db.models, now: clock.now });
    const targets = [11, 12, 13, 14, 15].map(at);
    await Promise.all(targets.map((when, i) => (i % 2 ? other : s).events.move({ actor: pc, eventId: id, startsAt: when })));
    const final = (await s.events.get(id))!.startsAt;
    expect(idsOf(await s.events.listMine(pc, day(final)))).toEqual([id]);
    for (const when of [at(10), ...targets].filter((t) => t.getTime() !== final.getTime())) expect(await s.events.listMine(pc, day(when))).toEqual([]);
  });

  it("follow a seat handed over: the new holder finds the open events as theirs, the old one no more", async () => {
    const seat: RoleScope = { ...PC77, code: "IN-UP:P79" };
    const old = actor(7_100_000_021, seat);
    const id = await register(old, { territory: { level: "pc", code: "IN-UP:P79" } });
    expect(await createSeatHandover(db.models, clock.now).handOver({ role: "pc_incharge", code: "IN-UP:P79", from: old.telegramId, to: 7_100_000_022 })).toBe(1);
    // Without the seat (the old holder has lost it; the new one finds it as its organiser too).
    expect(await s.events.listMine(actor(old.telegramId), week())).toEqual([]);
    expect(idsOf(await s.events.listMine(actor(7_100_000_022), week()))).toEqual([id]);
    expect(await db.models.Event.findById(id).lean()).toMatchObject({ createdBy: 7_100_000_022, registeredBy: old.telegramId });
    // Again (a retry): nothing more changes hands.
    expect(await createSeatHandover(db.models, clock.now).handOver({ role: "pc_incharge", code: "IN-UP:P79", from: old.telegramId, to: 7_100_000_022 })).toBe(0);
  });

  it("list a report its author may still correct, and the events waiting for one", async () => {
    const pc = actor(7_100_000_031, { ...PC77, code: "IN-UP:P80" });
    const id = await register(pc, { territory: { level: "pc", code: "IN-UP:P80" }, startsAt: new Date(clock.now().getTime() + HOUR) });
    clock.advance(3 * HOUR);
    expect(idsOf((await s.events.listAwaitingReport(pc, new Date(clock.now().getTime() - DAY), 20)).events)).toEqual([id]);
    const saved = await s.reports.submit({
      actor: pc,
      eventId: id,
      input: { total: 5, counts: { "sufi-ulema": 5 }, photos: [], notes: "" },
      confirmKey: "calendars:report",
    });
    expect(saved.ok).toBe(true);
    expect(await s.events.listAwaitingReport(pc, new Date(clock.now().getTime() - DAY), 20)).toEqual({ events: [], total: 0 });
    expect((await s.reports.listCorrectable(pc)).map((r) => r.eventId)).toEqual([id]);
    expect(await s.reports.listCorrectable(actor(7_100_000_032, { ...PC77, code: "IN-UP:P80" }))).toEqual([]);
    clock.advance(4 * DAY); // past the correction window
    expect(await s.reports.listCorrectable(pc)).toEqual([]);
  });

  it("give /report only the events that still need a report: reported and cancelled ones are never read again", async () => {
    const pc = actor(7_100_000_051, { ...PC77, code: "IN-UP:P76" });
    const at = { territory: { level: "pc" as const, code: "IN-UP:P76" }, startsAt: new Date(clock.now().getTime() + HOUR) };
    const [reported, cancelled, open] = [await register(pc, at), await register(pc, at), await register(pc, at)];
    expect((await s.events.cancel({ actor: pc, eventId: cancelled })).ok).toBe(true);
    clock.advance(3 * HOUR);
    const saved = await s.reports.submit({
      actor: pc,
      eventId: reported,
      input: { total: 5, counts: { "sufi-ulema": 5 }, photos: [], notes: "" },
      confirmKey: "calendars:closed",
    });
    expect(saved.ok).toBe(true);
    for (const key of ["pc:IN-UP:P76", "person:7100000051"]) {
      expect((await db.models.Calendar.findById(key).lean())?.closed?.sort()).toEqual([reported, cancelled].sort());
    }
    const reads: unknown[] = [];
    db.connection.set("debug", (collection: string, _method: string, filter?: unknown) => {
      if (collection === "events") reads.push(filter);
    });
    try {
      expect(idsOf((await s.events.listAwaitingReport(pc, new Date(clock.now().getTime() - DAY), 20)).events)).toEqual([open]);
    } finally {
      db.connection.set("debug", false);
    }
    // One read, of the open event: the other two are closed in the calendars.
    expect(reads).toEqual([{ _id: new Types.ObjectId(open) }]);
    // Everything is still "mine" for /myevents.
    expect(idsOf(await s.events.listMine(pc, { from: new Date(clock.now().getTime() - DAY), to: clock.now() })).sort()).toEqual(
      [reported, cancelled, open].sort(),
    );
  });

  it("give /report the newest events awaiting a report, reading no more of them than it shows, and the count of all", async () => {
    const pc = actor(7_100_000_071, { ...PC77, code: "IN-UP:P72" });
    const startsAt = (i: number) => new Date(clock.now().getTime() + HOUR + i * 60_000);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await register(pc, { territory: { level: "pc", code: "IN-UP:P72" }, startsAt: startsAt(i) }));
    clock.advance(3 * HOUR);
    // The newest is reported, but its calendars never heard (a close that failed): it is left out and closed now.
    await db.models.Event.updateOne({ _id: new Types.ObjectId(ids[11]) }, { $set: { reportedAt: clock.now() } });
    const since = new Date(clock.now().getTime() - DAY);
    const reads: string[] = [];
    db.connection.set("debug", (collection: string, _method: string, filter?: { _id?: Types.ObjectId }) => {
      if (collection === "events" && filter?._id) reads.push(filter._id.toHexString());
    });
    let listed;
    try {
      listed = await s.events.listAwaitingReport(pc, since, 4);
    } finally {
      db.connection.set("debug", false);
    }
    // The four newest open ones, oldest first; eleven awaiting in all (seven of them counted, not read).
    expect(idsOf(listed.events)).toEqual(ids.slice(7, 11));
    expect(listed.total).toBe(11);
    expect(reads.sort()).toEqual(ids.slice(7, 12).sort());
    expect((await db.models.Calendar.findById("pc:IN-UP:P72").lean())?.closed).toEqual([ids[11]]);
    // Asked again: the closed one is not read again, and the count is the same.
    expect(await s.events.listAwaitingReport(pc, since, 4)).toMatchObject({ total: 11 });
    // Everything is read when the limit is above the count.
    expect(idsOf((await s.events.listAwaitingReport(pc, since, 20)).events)).toEqual(ids.slice(0, 11));
  });

  it("give /myevents only the events nearest now, on either side, when asked for a few", async () => {
    const pc = actor(7_100_000_081, { ...PC77, code: "IN-UP:P71" });
    const hours = [-30, -20, -10, 10, 20, 30];
    const ids = [];
    for (const h of hours.filter((x) => x < 0)) ids.push(await register(pc, { territory: { level: "pc", code: "IN-UP:P71" }, startsAt: new Date(clock.now().getTime() + (h + 40) * HOUR) }));
    clock.advance(40 * HOUR);
    for (const h of hours.filter((x) => x > 0)) ids.push(await register(pc, { territory: { level: "pc", code: "IN-UP:P71" }, startsAt: new Date(clock.now().getTime() + h * HOUR) }));
    const past = { from: new Date(clock.now().getTime() - 2 * DAY), to: clock.now() };
    const ahead = { from: clock.now(), to: new Date(clock.now().getTime() + 2 * DAY) };
    expect(idsOf(await s.events.listMine(pc, past, { limit: 2, nearest: "end" }))).toEqual(ids.slice(1, 3));
    expect(idsOf(await s.events.listMine(pc, ahead, { limit: 2, nearest: "start" }))).toEqual(ids.slice(3, 5));
    expect(idsOf(await s.events.listMine(pc, ahead, { limit: 9, nearest: "start" }))).toEqual(ids.slice(3, 6));
    expect(idsOf(await s.events.listMine(pc, { from: past.from, to: ahead.to }))).toEqual(ids);
  });

  it("are filed once at start for events and reports stored before them, and by the bulk filer again without harm", async () => {
    const pcEventId = new Types.ObjectId();
    const startsAt = new Date(clock.now().getTime() + DAY);
    await db.models.Event.collection.insertOne({
      _id: pcEventId, programmeKey: "sneh-samvad", level: "pc", code: "IN-UP:P81", stateCode: "IN-UP", pcCode: "IN-UP:P81", acCode: null,
      startsAt, venue: "Old hall", location: null, expectedAttendance: 10, notes: "", status: "planned", createdBy: 7_100_000_041,
      createdAt: clock.now(), updatedAt: clock.now(), reportedAt: null,
    } as never);
    const pc = actor(7_100_000_041, { ...PC77, code: "IN-UP:P81" });
    expect(await s.events.listMine(pc, week())).toEqual([]);
    expect(await fileCalendarsOnce(db.models, clock.now)).toBeGreaterThan(0);
    expect(idsOf(await s.events.listMine(pc, week()))).toEqual([pcEventId.toHexString()]);
    expect(await fileCalendarsOnce(db.models, clock.now)).toBe(0);
    await fileAllIntoCalendars(db.models);
    expect(await db.models.Calendar.findById("pc:IN-UP:P81").lean()).toEqual({ _id: "pc:IN-UP:P81", entries: [`${startsAt.toISOString()}|${pcEventId.toHexString()}`] });
  });

  it("are filed with what is closed: a reported or cancelled event stored before is closed by the bulk filer", async () => {
    const stored = (over: Record<string, unknown>) => ({
      _id: new Types.ObjectId(), programmeKey: "sneh-samvad", level: "pc", code: "IN-UP:P83", stateCode: "IN-UP", pcCode: "IN-UP:P83", acCode: null,
      startsAt: new Date(clock.now().getTime() - DAY), venue: "Old hall", location: null, expectedAttendance: 10, notes: "", status: "planned",
      createdBy: 7_100_000_061, createdAt: clock.now(), updatedAt: clock.now(), reportedAt: null, ...over,
    });
    const [open, reported, cancelled] = [stored({}), stored({ reportedAt: clock.now() }), stored({ status: "cancelled" })];
    await db.models.Event.collection.insertMany([open, reported, cancelled] as never[]);
    // Once into new calendars, once more into calendars that exist (the second pass adds nothing twice).
    await fileAllIntoCalendars(db.models);
    await fileAllIntoCalendars(db.models);
    const pc = actor(7_100_000_061, { ...PC77, code: "IN-UP:P83" });
    expect((await db.models.Calendar.findById("pc:IN-UP:P83").lean())?.closed?.sort()).toEqual([reported._id.toHexString(), cancelled._id.toHexString()].sort());
    expect(idsOf((await s.events.listAwaitingReport(pc, new Date(clock.now().getTime() - 2 * DAY), 20)).events)).toEqual([open._id.toHexString()]);
  });

  it("are filed again over 150 calendars that exist: only what each lacks is added, and the server keeps answering", async () => {
    // A rerun over stored calendars (a new marker, or a restart mid-filing) once sent an update command of 500
    // statements, on which FerretDB 1.24 on PostgreSQL hangs for everyone (about 60 statements are enough).
    const events = Array.from({ length: 150 }, (_, i) => ({
      _id: new Types.ObjectId(), programmeKey: "sneh-samvad", level: "pc", code: "IN-UP:P85", stateCode: "IN-UP", pcCode: "IN-UP:P85", acCode: null,
      startsAt: new Date(clock.now().getTime() - DAY + i * 60_000), venue: "Hall", location: null, expectedAttendance: 10, notes: "",
      status: "planned", createdBy: 7_100_100_000 + i, createdAt: clock.now(), updatedAt: clock.now(), reportedAt: i % 3 === 0 ? clock.now() : null,
    }));
    await db.models.Event.collection.insertMany(events as never[]);
    await fileAllIntoCalendars(db.models);
    const pcCalendar = (await db.models.Calendar.findById("pc:IN-UP:P85").lean())!;
    expect(pcCalendar.entries).toHaveLength(150);
    expect(pcCalendar.closed).toHaveLength(50);
    // One organiser's calendar loses its entry, the PC's loses its closed ids; then the filer runs again over all.
    const mine = `person:${7_100_100_001}`;
    const before = (await db.models.Calendar.findById(mine).lean())!;
    await db.models.Calendar.collection.updateOne({ _id: mine } as never, { $set: { entries: [] } });
    await db.models.Calendar.collection.updateOne({ _id: "pc:IN-UP:P85" } as never, { $unset: { closed: 1 } });
    await fileAllIntoCalendars(db.models);
    expect((await db.models.Calendar.findById(mine).lean())!.entries).toEqual(before.entries);
    expect((await db.models.Calendar.findById("pc:IN-UP:P85").lean())!.closed?.sort()).toEqual(pcCalendar.closed?.sort());
    expect(await db.models.Calendar.countDocuments({ _id: "pc:IN-UP:P85" })).toBe(1);
  });
});
