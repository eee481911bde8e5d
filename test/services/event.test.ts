// Event and programme services on the test database: registration exactly once per confirm press (also when two
// bot instances race), permissions re-checked at every change, listing, cancelling and moving.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reopenTestDatabase, type TestDatabase } from "../helpers/db.js";
import { openSeededTestDatabase } from "../helpers/seededDatabase.js";
import { TestClock } from "../helpers/harness.js";
import { createServices, type Services } from "../../src/services/index.js";
import type { Database } from "../../src/db/connection.js";
import type { RoleScope } from "../../src/domain/roles.js";
import type { EventInput } from "../../src/services/eventService.js";

const HOUR = 3600_000;
const PC77: RoleScope = { role: "pc_incharge", level: "pc", code: "IN-UP:P77" };
const AC390: RoleScope = { role: "ac_incharge", level: "ac", code: "IN-UP:A390" };
const STATE_BR: RoleScope = { role: "state_team", level: "state", code: "IN-BR" };

let db: TestDatabase;
let second: Database;
let clock: TestClock;
let s: Services;
let s2: Services;

beforeAll(async () => {
  db = await openSeededTestDatabase("eventsvc");
  second = await reopenTestDatabase(db);
  clock = new TestClock();
  s = createServices({ models: db.models, now: clock.now });
  s2 = createServices({ models: second.models, now: clock.now });
});
afterAll(async () => {
  await second.close();
  await db.drop();
});

function input(over: Partial<EventInput> = {}): EventInput {
  return {
    programmeKey: "sneh-samvad",
    territory: { level: "pc", code: "IN-UP:P77" },
    startsAt: new Date(clock.now().getTime() + 48 * HOUR),
    venue: "Town hall",
    location: null,
    expectedAttendance: 100,
    notes: "",
    ...over,
  };
}

describe("programmes as data", () => {
  it("seeds the defaults once, into empty collections only", async () => {
    const programmes = await s.programmes.list("programme");
    expect(programmes.map((p) => p.name)).toEqual([
      { hi: "स्नेह संवाद", en: "Sneh Samvad" },
      { hi: "सूफ़ी संवाद", en: "Sufi Samvad" },
    ]);
    expect((await s.programmes.list("category")).map((c) => c.key)).toEqual([
      "sufi-ulema",
      "intellectuals",
      "sports",
      "influential",
      "women-beneficiaries",
    ]);
    expect(await s.programmes.seedDefaults()).toEqual({ programmes: 0, categories: 0 });
    expect(await db.models.Programme.countDocuments()).toBe(2);
  });

  it("adds an item once (a double tap adds nothing more), hides and shows it", async () => {
    const name = { hi: "युवा", en: "Youth" };
    const [a, b] = await Promise.all([s.programmes.add("category", name, 1), s2.programmes.add("category", name, 1)]);
    expect([a, b].filter((r) => r.ok && r.created)).toHaveLength(1);
    expect([a, b].every((r) => r.ok)).toBe(true);
    expect(await db.models.AttendeeCategory.countDocuments({ key: "youth" })).toBe(1);
    expect(await s.programmes.add("category", { hi: "दूसरा", en: "Youth" }, 1)).toEqual({ ok: false, reason: "duplicate_name" });
    expect(await s.programmes.add("category", { hi: "x", en: "Youth" }, 1)).toEqual({ ok: false, reason: "bad_name" });
    expect(await s.programmes.add("category", { hi: "युवा", en: "युवा" }, 1)).toEqual({ ok: false, reason: "bad_key" });
    await s.programmes.setActive("category", "youth", false);
    expect((await s.programmes.list("category")).map((c) => c.key)).not.toContain("youth");
    expect((await s.programmes.list("category", { includeHidden: true })).map((c) => c.key)).toContain("youth");
  });
});

describe("registering an event", () => {
  it("stores where, when and who, flat", async () => {
    const r = await s.events.create({ actor: { telegramId: 11, scopes: [PC77] }, input: input({ territory: { level: "ac", code: "IN-UP:A390" } }), confirmKey: "c:1" });
    expect(r).toMatchObject({ ok: true, duplicate: false });
    if (!r.ok) return;
    const stored = await db.models.Event.findById(r.event.id).lean();
    expect(stored).toMatchObject({
      programmeKey: "sneh-samvad",
      level: "ac",
      code: "IN-UP:A390",
      stateCode: "IN-UP",
      pcCode: "IN-UP:P77",
      acCode: "IN-UP:A390",
      status: "planned",
      createdBy: 11,
      reportedAt: null,
    });
    expect(await db.models.Audit.countDocuments({ action: "event.create", actorId: 11 })).toBe(1);
  });

  it("stores one event for one confirm press, however often and from however many instances it arrives", async () => {
    const args = { actor: { telegramId: 12, scopes: [PC77] }, input: input({ venue: "Race hall" }), confirmKey: "c:race" };
    const results = await Promise.all([s.events.create(args), s2.events.create(args), s.events.create(args), s2.events.create(args)]);
    expect(results.every((r) => r.ok)).toBe(true);
    const ids = new Set(results.map((r) => (r.ok ? r.event.id : "")));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.ok && !r.duplicate)).toHaveLength(1);
    expect(await db.models.Event.countDocuments({ venue: "Race hall" })).toBe(1);
    // Replayed later (after a restart): the same event again.
    const again = await s2.events.create(args);
    expect(again).toMatchObject({ ok: true, duplicate: true });
    expect(await db.models.Event.countDocuments({ venue: "Race hall" })).toBe(1);
  });

  it("finishes creating the event when a crash left only the claim", async () => {
    const eventId = "65a000000000000000000001";
    await s.claims.claimOnce("event.confirm:c:crashed", "13", { eventId });
    const r = await s.events.create({ actor: { telegramId: 13, scopes: [PC77] }, input: input({ venue: "After crash" }), confirmKey: "c:crashed" });
    expect(r).toMatchObject({ ok: true, event: { id: eventId } });
    expect(await db.models.Event.countDocuments({ venue: "After crash" })).toBe(1);
  });

  it("refuses outside the actor's scope, unknown places and programmes, and bad values, storing nothing", async () => {
    const before = await db.models.Event.countDocuments();
    const actor = { telegramId: 14, scopes: [AC390] };
    const cases: [Partial<EventInput>, string, RoleScope[]?][] = [
      [{ territory: { level: "pc", code: "IN-UP:P77" } }, "outside_scope"],
      [{ territory: { level: "ac", code: "IN-UP:A391" } }, "outside_scope"],
      [{ territory: { level: "ac", code: "IN-UP:A999" } }, "unknown_territory"],
      [{ territory: { level: "state", code: "IN-UP" } }, "bad_territory", [STATE_BR]],
      [{ territory: { level: "pc", code: "IN-UP:P77" } }, "outside_scope", [STATE_BR]],
      [{ programmeKey: "nope", territory: { level: "ac", code: "IN-UP:A390" } }, "unknown_programme"],
      [{ territory: { level: "ac", code: "IN-UP:A390" }, startsAt: new Date(clock.now().getTime() - 25 * HOUR) }, "bad_time"],
      [{ territory: { level: "ac", code: "IN-UP:A390" }, venue: "🎉" }, "bad_venue"],
      [{ territory: { level: "ac", code: "IN-UP:A390" }, expectedAttendance: -1 }, "bad_expected"],
      [{ territory: { level: "ac", code: "IN-UP:A390" }, notes: "x".repeat(1001) }, "bad_notes"],
    ];
    for (const [over, reason, scopes] of cases) {
      const r = await s.events.create({ actor: scopes ? { ...actor, scopes } : actor, input: input(over), confirmKey: `c:bad:${reason}:${Math.random()}` });
      expect(r, reason).toEqual({ ok: false, reason });
    }
    expect(await s.events.create({ actor: { telegramId: 15, scopes: [] }, input: input(), confirmKey: "c:none" })).toEqual({ ok: false, reason: "no_role" });
    expect(await db.models.Event.countDocuments()).toBe(before);
  });

  it("lets a state team member and a cluster head register on behalf of a seat in their scope", async () => {
    const upTeam: RoleScope = { role: "state_team", level: "state", code: "IN-UP" };
    expect(await s.events.create({ actor: { telegramId: 16, scopes: [upTeam] }, input: input(), confirmKey: "c:team" })).toMatchObject({ ok: true });
    const cluster = (await s.map.listClusters()).find((c) => c.stateCodes.includes("IN-UP"))!;
    const head: RoleScope = { role: "cluster_head", level: "cluster", code: cluster.key };
    expect(await s.events.create({ actor: { telegramId: 17, scopes: [head] }, input: input(), confirmKey: "c:head" })).toMatchObject({ ok: true });
    const other = (await s.map.listClusters()).find((c) => !c.stateCodes.includes("IN-UP"))!;
    expect(
      await s.events.create({ actor: { telegramId: 17, scopes: [{ ...head, code: other.key }] }, input: input(), confirmKey: "c:head2" }),
    ).toEqual({ ok: false, reason: "outside_scope" });
  });
});

describe("listing, cancelling and moving", () => {
  it("lists a person's events: registered by them or in their own seats", async () => {
    const actor = { telegramId: 21, scopes: [{ role: "pc_incharge" as const, level: "pc" as const, code: "IN-BR:P1" }] };
    const team = { telegramId: 22, scopes: [{ role: "state_team" as const, level: "state" as const, code: "IN-BR" }] };
    const mine = await s.events.create({ actor, input: input({ territory: { level: "pc", code: "IN-BR:P1" } }), confirmKey: "c:l1" });
    const forMe = await s.events.create({ actor: team, input: input({ territory: { level: "pc", code: "IN-BR:P1" }, venue: "By team" }), confirmKey: "c:l2" });
    const notMine = await s.events.create({ actor: team, input: input({ territory: { level: "pc", code: "IN-BR:P2" } }), confirmKey: "c:l3" });
    const past = await s.events.create({ actor, input: input({ territory: { level: "pc", code: "IN-BR:P1" }, startsAt: new Date(clock.now().getTime() - HOUR) }), confirmKey: "c:l4" });
    const range = { from: new Date(clock.now().getTime() - 30 * 24 * HOUR), to: new Date(clock.now().getTime() + 400 * 24 * HOUR) };
    const listed = (await s.events.listMine(actor, range)).map((e) => e.id);
    const id = (r: typeof mine) => (r.ok ? r.event.id : "");
    expect(listed).toEqual(expect.arrayContaining([id(mine), id(forMe), id(past)]));
    expect(listed).not.toContain(id(notMine));
    expect((await s.events.listAwaitingReport(actor, range.from, 20)).events.map((e) => e.id)).toEqual([id(past)]);
    // The team member sees what they registered.
    expect((await s.events.listMine(team, range)).map((e) => e.id)).toEqual(expect.arrayContaining([id(forMe), id(notMine)]));
    // For the reminder scan: planned events by start time, within the range only.
    const soon = await s.events.listPlannedStartingBetween(new Date(clock.now().getTime() - 2 * HOUR), clock.now());
    expect(soon.map((e) => e.id)).toContain(id(past));
    expect(soon.map((e) => e.id)).not.toContain(id(mine));
  });

  it("cancels once, refuses strangers, and moves only to a possible time", async () => {
    const actor = { telegramId: 31, scopes: [PC77] };
    const created = await s.events.create({ actor, input: input({ venue: "To cancel" }), confirmKey: "c:cx" });
    if (!created.ok) throw new Error("not created");
    const id = created.event.id;
    expect(await s.events.cancel({ actor: { telegramId: 32, scopes: [AC390] }, eventId: id })).toEqual({ ok: false, reason: "outside_scope" });
    const [a, b] = await Promise.all([s.events.cancel({ actor, eventId: id }), s2.events.cancel({ actor, eventId: id })]);
    expect(a.ok && b.ok).toBe(true);
    expect((await db.models.Event.findById(id).lean())).toMatchObject({ status: "cancelled", cancelledBy: 31 });
    expect(await s.events.move({ actor, eventId: id, startsAt: new Date(clock.now().getTime() + 5 * HOUR) })).toEqual({ ok: false, reason: "cancelled" });

    const other = await s.events.create({ actor, input: input({ venue: "To move" }), confirmKey: "c:mv" });
    if (!other.ok) throw new Error("not created");
    const to = new Date(clock.now().getTime() + 72 * HOUR);
    expect(await s.events.move({ actor, eventId: other.event.id, startsAt: to })).toMatchObject({ ok: true, changed: true });
    expect(await s.events.move({ actor, eventId: other.event.id, startsAt: to })).toMatchObject({ ok: true, changed: false });
    expect(await s.events.move({ actor, eventId: other.event.id, startsAt: new Date(clock.now().getTime() - 30 * HOUR) })).toEqual({ ok: false, reason: "bad_time" });
    expect((await db.models.Event.findById(other.event.id).lean())?.startsAt).toEqual(to);
    expect(await s.events.cancel({ actor, eventId: "not-an-id" })).toEqual({ ok: false, reason: "not_found" });
  });
});

describe("a second event of a seat at the same time", () => {
  it("is refused as same_slot only when asked to, never for the draft that registered the first", async () => {
    const actor = { telegramId: 4_400_000_001, scopes: [{ role: "pc_incharge" as const, level: "pc" as const, code: "IN-UP:P60" }] };
    const at = input({ territory: { level: "pc", code: "IN-UP:P60" }, startsAt: new Date(clock.now().getTime() + 30 * HOUR) });
    const first = await s.events.create({ actor, input: at, confirmKey: "slot:1", refuseSameSlot: true });
    if (!first.ok) throw new Error(first.reason);
    // The same draft again (another copy's Confirm, another instance): the same event, not a question.
    expect(await s2.events.create({ actor, input: at, confirmKey: "slot:1", refuseSameSlot: true })).toMatchObject({ ok: true, duplicate: true });
    const again = await s.events.create({ actor, input: { ...at, venue: "Madrasa" }, confirmKey: "slot:2", refuseSameSlot: true });
    expect(again).toMatchObject({ ok: false, reason: "same_slot", existing: [{ id: first.event.id, venue: "Town hall" }] });
    expect(await db.models.Event.countDocuments({ code: "IN-UP:P60" })).toBe(1);
    // Without asking (scripts, the demo data), or after the person said yes: stored.
    expect(await s.events.create({ actor, input: { ...at, venue: "Madrasa" }, confirmKey: "slot:2" })).toMatchObject({ ok: true, duplicate: false });
    // The same seat at another minute is another slot.
    const later = { ...at, startsAt: new Date(at.startsAt.getTime() + 60_000) };
    expect(await s.events.create({ actor, input: later, confirmKey: "slot:3", refuseSameSlot: true })).toMatchObject({ ok: true });
  });
});
