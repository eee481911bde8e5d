// /gaps through the real bot against the test database: a state's vacant seats, blocked in-charges, seats with
// nothing planned and unreported events, named by state; another state's team sees none of it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../helpers/harness.js";
import { computeGaps } from "../../src/domain/gaps.js";
import { rng } from "../helpers/campaign.js";

const HOUR = 3600_000;
let h: Harness;
let nextId = 5_700_000_000;

beforeAll(async () => {
  h = await createHarness({ label: "gaps" });
  h.clock.set("2026-11-26T06:30:00Z");
  await h.services.programmes.seedDefaults();
});
afterAll(async () => {
  await h.close();
});

async function event(by: number, code: string, hours: number) {
  const r = await h.services.events.create({
    actor: { telegramId: by, scopes: [{ role: "pc_incharge", level: "pc", code }] },
    input: { programmeKey: "sneh-samvad", territory: { level: "pc", code }, startsAt: new Date(h.clock.now().getTime() + hours * HOUR), venue: "Hall", location: null, expectedAttendance: 10, notes: "" },
    confirmKey: `gaps:${code}:${hours}`,
  });
  if (!r.ok) throw new Error(r.reason);
}

describe("/gaps", () => {
  it("names a state's vacant seats, blocked in-charges, seats with nothing planned and unreported events", async () => {
    const north = await h.grant(nextId++, "pc_incharge", "IN-GA:P1", { first_name: "Anil" });
    const south = await h.grant(nextId++, "pc_incharge", "IN-GA:P2", { first_name: "Savio", username: "savio_goa" });
    await h.services.people.markBlocked(south.id);
    const acs = await h.services.map.listAcs("IN-GA:P1");
    await h.grant(nextId++, "ac_incharge", acs[0]!.code, { first_name: "Rekha" });
    await event(north.id, "IN-GA:P1", 30); // planned ahead
    await event(north.id, "IN-GA:P1", -5); // held, no report
    const team = await h.grant(nextId++, "state_team", "IN-GA", { first_name: "Maria", language_code: "en" });
    await h.services.people.setLanguage(team.id, "en");
    const acsTotal = (await h.db.models.Ac.countDocuments({ stateCode: "IN-GA" })) as number;

    await team.send("/gaps");
    const text = team.lastText();
    expect(text).toContain("Lok Sabha seats with nobody appointed: 0 of 2");
    expect(text).toContain(`Vidhan Sabha seats with nobody appointed: ${acsTotal - 1} of ${acsTotal}`);
    expect(text).toContain("Seats whose in-charge blocked the bot: 1");
    expect(text).toContain("Lok Sabha seats with nothing planned ahead: 1");
    expect(text).toContain("Events held without a report: 1");
    expect(team.lastButtons()).toEqual(["Goa"]);

    await team.tap("Goa");
    const goa = team.lastText();
    expect(goa).toContain("Gaps: Goa");
    expect(goa).toMatch(/blocked the bot: 1[\s\S]*South Goa \(2\): @savio_goa/);
    expect(goa).toMatch(/nothing planned ahead: 1 of 2\nSouth Goa \(2\)/);
    expect(goa).not.toContain(acs[0]!.name + " (");
    await team.tap("↩ All states");
    expect(team.lastText()).toContain("Gaps in your area");
    // The state's rollup has one line of vacancies per state.
    await team.send("/rollup 2026-11-26");
    expect(team.botTexts().find((t) => t.includes("Daily summary"))).toContain("What to do next\n👉 Chase the missing report (📋 below)");
    await team.tap("More details");
    const rollup = team.botTexts().find((t) => t.includes("Seats with nobody appointed"))!;
    expect(rollup).toContain(`• Goa: 0/2 · ${acsTotal - 1}/${acsTotal}`);

    // Another state's team: their own state only; Goa's button, forged, is refused and audited.
    const other = await h.grant(nextId++, "state_team", "IN-TR", { first_name: "Biplab", language_code: "en" });
    await h.services.people.setLanguage(other.id, "en");
    await other.send("/gaps");
    expect(other.lastButtons()).toEqual(["Tripura"]);
    await other.tapData(other.transcript().at(-1)!.message.message_id, "gp:IN-GA");
    expect(h.api.callsTo("answerCallbackQuery").at(-1)!.params).toMatchObject({ show_alert: true });
    expect(await h.db.models.Audit.findOne({ actorId: other.id, action: "access.denied" }).lean()).toMatchObject({ details: { attempted: "gaps.open" } });
    // An in-charge has no /gaps.
    await north.send("/gaps");
    expect(north.lastText()).toContain("भूमिका"); // "your role cannot do this", in the in-charge's Hindi
  });
});

/** What a seat is given in the generated organisation, and how an independent count files it. */
const FATES = ["vacant", "openLink", "expiredLink", "withdrawnLink", "started", "startedBlocked", "neverStarted", "neverStartedAndStarted", "startedBlockedAndNeverStarted"] as const;
type Fate = (typeof FATES)[number];

describe("/gaps over a generated organisation", () => {
  it("vacant, blocked and never-started seats equal an independent count, state by state; a state team sees its own", async () => {
    const states = ["IN-TR", "IN-SK", "IN-MN", "IN-ML"];
    const random = rng(11);
    const now = h.clock.now();
    const day = 24 * HOUR;
    const people: Record<string, unknown>[] = [];
    const invites: Record<string, unknown>[] = [];
    const expected = new Map(states.map((s) => [s, { vacantPcs: 0, vacantAcs: 0, blocked: 0, neverStarted: 0, invitedNeverStarted: 0 }]));
    const person = (role: string, code: string, started: boolean, blocked: boolean) => {
      const id = nextId++;
      people.push({
        _id: id,
        telegramId: id,
        // A person who never wrote is known by id only (personService.touch fills the name on their first update).
        firstName: started ? `P${id}` : "",
        language: "en",
        roles: [{ role, level: role === "pc_incharge" ? "pc" : "ac", code, grantedBy: null, grantedAt: now, inviteId: null }],
        blockedBotAt: blocked ? now : null,
      });
    };
    const invite = (role: string, code: string, kind: "open" | "expired" | "withdrawn") => {
      invites.push({
        tokenHash: `gen-${code}-${invites.length}`,
        role,
        level: role === "pc_incharge" ? "pc" : "ac",
        code,
        createdBy: null,
        createdAt: new Date(now.getTime() - 10 * day),
        expiresAt: new Date(now.getTime() + (kind === "expired" ? -3 : 3) * day),
        usedBy: null,
        usedAt: null,
        revokedAt: kind === "withdrawn" ? now : null,
      });
    };
    for (const state of states) {
      const seats = [
        ...(await h.services.map.listPcs(state)).map((p) => ({ role: "pc_incharge", code: p.code })),
        ...(await h.db.models.Ac.find({ stateCode: state }, { _id: 0, code: 1 }).lean()).map((a) => ({ role: "ac_incharge", code: a.code })),
      ];
      const count = expected.get(state)!;
      for (const seat of seats) {
        const fate: Fate = FATES[Math.floor(random() * FATES.length)]!;
        const vacant = () => (seat.role === "pc_incharge" ? count.vacantPcs++ : count.vacantAcs++);
        switch (fate) {
          case "vacant":
            vacant();
            break;
          case "openLink":
          case "expiredLink":
            invite(seat.role, seat.code, fate === "openLink" ? "open" : "expired");
            vacant();
            count.neverStarted++;
            count.invitedNeverStarted++;
            break;
          case "withdrawnLink":
            invite(seat.role, seat.code, "withdrawn");
            vacant();
            break;
          case "started":
            person(seat.role, seat.code, true, false);
            // An old link for a seat someone now holds is no gap.
            if (random() < 0.5) invite(seat.role, seat.code, "open");
            break;
          case "startedBlocked":
            person(seat.role, seat.code, true, true);
            count.blocked++;
            break;
          case "neverStarted":
            // Known by id only; the bot's first message to them failed as if blocked (403): still "never started".
            person(seat.role, seat.code, false, random() < 0.5);
            count.neverStarted++;
            break;
          case "neverStartedAndStarted":
            person(seat.role, seat.code, false, false);
            person(seat.role, seat.code, true, false);
            break;
          case "startedBlockedAndNeverStarted":
            person(seat.role, seat.code, false, false);
            person(seat.role, seat.code, true, true);
            count.blocked++;
            break;
        }
      }
    }
    await h.db.models.Person.insertMany(people);
    await h.db.models.Invite.insertMany(invites);

    const result = await h.services.gaps.gaps({ telegramId: 1, scopes: [{ role: "national_admin", level: "country", code: "IN" }] });
    if (!result.ok) throw new Error(result.reason);
    for (const state of states) {
      const got = result.states.find((s) => s.stateCode === state)!;
      const want = expected.get(state)!;
      expect(
        {
          vacantPcs: got.vacantPcs.length,
          vacantAcs: got.vacantAcs.length,
          blocked: got.blockedSeats.length,
          neverStarted: got.neverStarted.length,
          invitedNeverStarted: got.neverStarted.filter((n) => n.telegramIds.length === 0).length,
        },
        state,
      ).toEqual(want);
    }
    const total = [...expected.values()].reduce((n, c) => n + c.neverStarted, 0);
    expect(total).toBeGreaterThan(20); // the generation gave every kind a fair share

    // Through the bot: Sikkim's team sees Sikkim's counts, and the seats by name with who to call.
    const team = await h.grant(nextId++, "state_team", "IN-SK", { first_name: "Pema", language_code: "en" });
    await h.services.people.setLanguage(team.id, "en");
    await team.send("/gaps");
    const sk = expected.get("IN-SK")!;
    expect(team.lastText()).toContain(`Seats whose in-charge never started the bot: ${sk.neverStarted} (of them invited, link not used: ${sk.invitedNeverStarted})`);
    expect(team.lastText()).toContain(`Seats whose in-charge blocked the bot: ${sk.blocked}`);
    await team.tap("Sikkim");
    const view = team.lastText();
    expect(view).toContain(`Seats whose in-charge never started the bot: ${sk.neverStarted} (the bot cannot write first`);
    expect(view.match(/invited, link not used/g) ?? []).toHaveLength(sk.invitedNeverStarted);
    // A holder known by id only has no name yet: the id stands in, as a contact link.
    const ids = result.states.find((s) => s.stateCode === "IN-SK")!.neverStarted.flatMap((n) => n.telegramIds);
    expect(ids.length).toBe(sk.neverStarted - sk.invitedNeverStarted);
    for (const id of ids) expect(view).toContain(String(id));
  });
});

describe("computeGaps", () => {
  it("a seat held only by people who blocked the bot is blocked, not vacant; a cancelled or future event is not unreported", () => {
    const now = new Date("2026-11-26T00:00:00Z");
    const [s] = computeGaps({
      stateCodes: ["IN-XX"],
      pcs: [{ code: "IN-XX:P1", stateCode: "IN-XX" }, { code: "IN-XX:P2", stateCode: "IN-XX" }],
      acs: [{ code: "IN-XX:A1", stateCode: "IN-XX" }],
      holders: [
        { role: "pc_incharge", code: "IN-XX:P1", telegramId: 1, blocked: true, started: true },
        { role: "pc_incharge", code: "IN-XX:P1", telegramId: 2, blocked: true, started: true },
        { role: "ac_incharge", code: "IN-XX:A1", telegramId: 3, blocked: false, started: true },
      ],
      events: [
        { stateCode: "IN-XX", pcCode: "IN-XX:P2", startsAt: new Date(now.getTime() + HOUR), status: "planned", reported: false },
        { stateCode: "IN-XX", pcCode: "IN-XX:P2", startsAt: new Date(now.getTime() - HOUR), status: "cancelled", reported: false },
        { stateCode: "IN-XX", pcCode: "IN-XX:P1", startsAt: new Date(now.getTime() - HOUR), status: "planned", reported: true },
      ],
      now,
    });
    expect(s).toEqual({
      stateCode: "IN-XX",
      pcsTotal: 2,
      acsTotal: 1,
      vacantPcs: ["IN-XX:P2"],
      vacantAcs: [],
      blockedSeats: [{ code: "IN-XX:P1", telegramIds: [1, 2] }],
      neverStarted: [],
      pcsWithNothingPlanned: ["IN-XX:P1"],
      unreported: 0,
    });
  });
});
