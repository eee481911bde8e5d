// /plans and /progress through the real bot: the national office defines a phase by conversation; a state team
// raises a seat's target, a lower one is refused and one outside its state too, each audited; /progress answers
// within the caller's scope (a state team never sees another state; a PC in-charge sees their seat), and the
// rollup leads with pace.
import { describe, expect } from "vitest";
import type { Actor } from "../../src/services/eventService.js";
import { testWithHarness, type Harness, type TestPerson } from "../helpers/harness.js";

const test = testWithHarness;
const ADMIN: Actor = { telegramId: 7_300_000_001, scopes: [{ role: "national_admin", level: "country", code: "IN" }] };

async function admin(h: Harness, id: number): Promise<TestPerson> {
  await h.services.people.ensureNationalAdmins([id]);
  const p = h.person(id, { first_name: "Asha", language_code: "en" });
  await h.services.people.touch(p.user);
  return p;
}

async function phase(h: Harness, input: { programmeKey: string; target: number; startDay: string; endDay: string }, key: string) {
  const made = await h.services.plans.createPhase({ actor: ADMIN, input: { level: "pc", ...input }, confirmKey: key });
  if (!made.ok) throw new Error(made.reason);
  return made.phase;
}

describe("/plans", () => {
  test.beforeAll(async ({ harness: h }) => {
    h.clock.set("2026-11-26T06:30:00Z");
    await h.services.programmes.seedDefaults();
  });

  test("the national office defines a phase by conversation, and it is stored and audited", async ({ harness: h }) => {
    const p = await admin(h, 7_300_000_010);
    await p.send("/plans");
    await p.tap("➕ New phase");
    await p.tap("Sneh Samvad");
    await p.tap("Lok Sabha seats");
    await p.send("500");
    expect(p.lastText()).toContain("whole number from 1 to 100");
    await p.send("4");
    await p.send("31/02");
    expect(p.lastText()).toContain("not a date I can read");
    await p.send("1/12");
    await p.send("30/11");
    expect(p.lastText()).toContain("cannot be before the start");
    await p.send("31/1/2027");
    expect(p.lastText()).toContain("4 events per seat");
    await p.tap("✅ Save");
    expect(p.lastText()).toContain("Saved");
    const stored = await h.db.models.PlanPhase.find({ createdBy: p.id }).lean();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ programmeKey: "sneh-samvad", level: "pc", target: 4, startDay: "2026-12-01", endDay: "2027-01-31" });
    expect(await h.db.models.Audit.countDocuments({ actorId: p.id, action: "plans.phase.create", outcome: "ok" })).toBe(1);
    // The list shows it, ahead.
    await p.send("/plans");
    expect(p.lastText()).toContain("⏳ Sneh Samvad · Lok Sabha seats · 2026-12-01 – 2027-01-31: 4 per seat");
  });

  test("a state team may not define a phase (a forged button is refused and audited)", async ({ harness: h }) => {
    const team = await h.grant(7_300_000_020, "state_team", "IN-MH", { first_name: "Neha", language_code: "en" });
    await team.send("/plans");
    expect(team.lastButtons()).not.toContain("➕ New phase");
    await team.tapData(team.transcript().at(-1)!.message.message_id, "pl:new");
    expect(await h.db.models.Audit.countDocuments({ actorId: team.id, action: "access.denied", "details.attempted": "plans.phase.create" })).toBe(1);
    expect(await h.openConversation(team.id)).toBeNull();
  });

  test("a state team raises a seat's target; lower is refused, outside the state too; all audited", async ({ harness: h }) => {
    const ph = await phase(h, { programmeKey: "sufi-samvad", target: 2, startDay: "2026-11-21", endDay: "2026-12-21" }, "raise-test");
    const team = await h.grant(7_300_000_030, "state_team", "IN-BR", { first_name: "Meena", language_code: "en" });
    const raise = async (number: string) => {
      await team.send("/plans");
      await team.tap("⬆️ Raise a target");
      if (team.lastText().startsWith("Which phase?")) await team.tap("Sufi Samvad · Lok Sabha seats · 2026-11-21 – 2026-12-21");
      await team.tap("One Lok Sabha seat");
      await team.send("Patna Sahib");
      expect(team.lastText()).toContain("2 events per seat now");
      await team.send(number);
    };
    await raise("1");
    expect(team.lastText()).toContain("a target can only be raised. It is 2 now");
    expect(await h.db.models.PlanRaise.countDocuments({ phaseId: ph.id })).toBe(0);
    expect(await h.db.models.Audit.findOne({ actorId: team.id, action: "plans.target.raise", outcome: "denied" }).lean()).toMatchObject({
      reason: "not_higher",
      details: { code: "IN-BR:P30", target: 1, current: 2 },
    });

    await raise("4");
    expect(team.lastText()).toContain("target raised from 2 to 4");
    expect(await h.db.models.PlanRaise.find({ phaseId: ph.id }).lean()).toMatchObject([{ code: "IN-BR:P30", level: "pc", target: 4, day: "2026-11-26", by: team.id }]);
    expect(await h.services.plans.targetOf(ph, { level: "pc", code: "IN-BR:P30" })).toBe(4);
    expect(await h.db.models.Audit.countDocuments({ actorId: team.id, action: "plans.target.raise", outcome: "ok" })).toBe(1);

    // Only Bihar is offered; a raise for a seat elsewhere (a forged request) is refused and audited.
    const actor = { telegramId: team.id, scopes: [{ role: "state_team" as const, level: "state" as const, code: "IN-BR" }] };
    const outside = await h.services.plans.raise({ actor, phaseId: ph.id, territory: { level: "pc", code: "IN-UP:P77" }, target: 9 });
    expect(outside).toEqual({ ok: false, reason: "outside_scope" });
    expect(await h.db.models.Audit.countDocuments({ actorId: team.id, action: "plans.target.raise", reason: "outside_scope" })).toBe(1);
    // A whole state's target lower than a seat's raise leaves the seat's: a target is never lowered.
    const state = await h.services.plans.raise({ actor, phaseId: ph.id, territory: { level: "state", code: "IN-BR" }, target: 3 });
    expect(state).toMatchObject({ ok: true, previous: 2, target: 3 });
    expect(await h.services.plans.targetOf(ph, { level: "pc", code: "IN-BR:P30" })).toBe(4);
    expect(await h.services.plans.targetOf(ph, { level: "pc", code: "IN-BR:P31" })).toBe(3);
    // A PC in-charge cannot raise anything.
    const pcActor = { telegramId: 5, scopes: [{ role: "pc_incharge" as const, level: "pc" as const, code: "IN-BR:P30" }] };
    expect(await h.services.plans.raise({ actor: pcActor, phaseId: ph.id, territory: { level: "pc", code: "IN-BR:P30" }, target: 9 })).toEqual({
      ok: false,
      reason: "role_not_appointable",
    });
  });
});

describe("/progress", () => {
  test.beforeAll(async ({ harness: h }) => {
    h.clock.set("2026-11-26T06:30:00Z");
    await h.services.programmes.seedDefaults();
  });

  test("answers within the caller's scope: a state team sees its state only, a PC in-charge its seat", async ({ harness: h }) => {
    // A phase from 2 November: by 26 November (3 days of grace) 3 × 18/26 working days → 2 due.
    await phase(h, { programmeKey: "sneh-samvad", target: 3, startDay: "2026-11-02", endDay: "2026-11-30" }, "progress-test");
    const north = await h.grant(7_300_000_040, "pc_incharge", "IN-GA:P1", { first_name: "Ravi", language_code: "en" });
    await h.grant(7_300_000_041, "pc_incharge", "IN-GA:P2", { first_name: "Sunita", username: "sunita_goa", language_code: "en" });
    const actor: Actor = { telegramId: north.id, scopes: [{ role: "pc_incharge", level: "pc", code: "IN-GA:P1" }] };
    for (const [i, when] of ["2026-11-10T06:00:00Z", "2026-11-28T06:00:00Z"].entries()) {
      // Registered before it happened, as people do.
      h.clock.set(i === 0 ? "2026-11-09T06:00:00Z" : "2026-11-26T06:30:00Z");
      const made = await h.services.events.create({
        actor,
        confirmKey: `progress-event-${i}`,
        input: { programmeKey: "sneh-samvad", territory: { level: "pc", code: "IN-GA:P1" }, startsAt: new Date(when), venue: "Panaji", location: null, expectedAttendance: 40, notes: "" },
      });
      if (!made.ok) throw new Error(made.reason);
      if (i === 0) {
        h.clock.set("2026-11-10T09:00:00Z");
        const saved = await h.services.reports.submit({ actor, eventId: made.event.id, confirmKey: "progress-report", input: { total: 30, counts: {}, photos: [], notes: "" } });
        if (!saved.ok) throw new Error(saved.reason);
      }
    }

    h.clock.set("2026-11-26T06:30:00Z");
    const goa = await h.grant(7_300_000_042, "state_team", "IN-GA", { first_name: "Maria", language_code: "en" });
    await goa.send("/progress");
    const text = goa.lastText();
    expect(text).toContain("Progress: Goa");
    expect(text).toContain("Held 1 of 6");
    expect(text).toContain("✅ 0 on track · 🟠 1 behind · ⚪ 1 not started · ⛔ 0 vacant");
    expect(text).toContain("North Goa (1), Goa: behind, held 1 of 3 (due 2), planned 1");
    // The in-charge with nothing in the phase, named with a way to reach her.
    expect(text).toContain("Nothing planned in this phase (1)");
    expect(text).toContain("Sunita (@sunita_goa): South Goa (2), Goa");
    expect(text).not.toMatch(/Uttar Pradesh|Bihar|Kerala/);

    // Another state's team sees its own state only.
    const kerala = await h.grant(7_300_000_043, "state_team", "IN-KL", { first_name: "Anil", language_code: "en" });
    await kerala.send("/progress");
    expect(kerala.lastText()).toContain("Progress: Kerala");
    expect(kerala.lastText()).not.toMatch(/Goa/);

    // The PC in-charge: their seat's line.
    await north.send("/progress");
    expect(north.lastText()).toContain("Progress: North Goa (1)");
    expect(north.lastText()).toContain("🟠 North Goa (1), Goa: behind, held 1 of 3 (due 2), planned 1");
    expect(north.lastText()).not.toContain("South Goa");

    // The national office: the country, clusters ranked.
    const office = await admin(h, 7_300_000_044);
    await office.send("/progress");
    const national = office.botTexts().slice(-3).join("\n");
    expect(national).toContain("Progress: All India");
    expect(national).toContain("Clusters");
    expect(national).toContain("Furthest behind");

    // In Hindi too.
    const hindi = await h.grant(7_300_000_045, "state_team", "IN-GA", { first_name: "Rekha", language_code: "hi" });
    await hindi.send("/progress");
    expect(hindi.lastText()).toContain("प्रगति: गोवा");

    // Nobody without a role.
    const stranger = h.person(7_300_000_046, { first_name: "X", language_code: "en" });
    await stranger.send("/progress");
    expect(await h.db.models.Audit.countDocuments({ actorId: stranger.id, action: "access.denied", "details.attempted": "progress.open" })).toBe(1);

    // The state's rollup has pace in one line on its first screen, and in full behind "More details".
    await goa.send("/rollup");
    const rollup = goa.botTexts().find((t, i, all) => i >= all.length - 3 && t.includes("Daily summary"))!;
    expect(rollup).toMatch(/🏁 .*: \d+\/\d+ held · 1 behind/);
    await goa.tap("More details");
    expect(goa.lastText()).toContain("🟠 1 behind");
  });
});
