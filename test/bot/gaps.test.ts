// /gaps through the real bot against the test database: a state's vacant seats, blocked in-charges, seats with
// nothing planned and unreported events, named by state; another state's team sees none of it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../helpers/harness.js";
import { computeGaps } from "../../src/domain/gaps.js";

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

describe("computeGaps", () => {
  it("a seat held only by people who blocked the bot is blocked, not vacant; a cancelled or future event is not unreported", () => {
    const now = new Date("2026-11-26T00:00:00Z");
    const [s] = computeGaps({
      stateCodes: ["IN-XX"],
      pcs: [{ code: "IN-XX:P1", stateCode: "IN-XX" }, { code: "IN-XX:P2", stateCode: "IN-XX" }],
      acs: [{ code: "IN-XX:A1", stateCode: "IN-XX" }],
      holders: [
        { role: "pc_incharge", code: "IN-XX:P1", telegramId: 1, blocked: true },
        { role: "pc_incharge", code: "IN-XX:P1", telegramId: 2, blocked: true },
        { role: "ac_incharge", code: "IN-XX:A1", telegramId: 3, blocked: false },
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
      pcsWithNothingPlanned: ["IN-XX:P1"],
      unreported: 0,
    });
  });
});
