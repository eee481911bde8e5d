// The pace rule (domain/plans/pace.ts) on a phase of December 2026: Tuesday 1 to Thursday 31, 31 days of which 4
// are Sundays (6, 13, 20, 27), so 27 working days.
import { describe, expect, it } from "vitest";
import { dueBy, paceStatus, shiftDay, targetSteps, workingDays } from "../../src/domain/plans/pace.js";
import { computeProgress, furthestBehind, idleSeats, rankClusters } from "../../src/domain/plans/progress.js";
import { checkPhase, checkRaise } from "../../src/domain/plans/rules.js";

const START = "2026-12-01";
const END = "2026-12-31";
const due = (target: number, day: string, graceDays = 0, raises: { target: number; day: string }[] = []) =>
  dueBy({ steps: targetSteps({ target, startDay: START }, raises), endDay: END, day, graceDays });

describe("the line of a phase", () => {
  it("counts Monday to Saturday: Sundays do not move it", () => {
    expect(workingDays(START, END)).toBe(27);
    expect(workingDays(START, "2026-12-05")).toBe(5); // Saturday
    expect(workingDays(START, "2026-12-06")).toBe(5); // Sunday: no step
    expect(workingDays(START, "2026-12-07")).toBe(6);
    expect(due(27, "2026-12-05")).toBe(5);
    expect(due(27, "2026-12-06")).toBe(5);
    expect(due(27, "2026-12-07")).toBe(6);
  });

  it("asks nothing before the start, a whole event once the line has passed one, everything at the end", () => {
    expect(due(3, "2026-11-30")).toBe(0);
    expect(due(27, START)).toBe(1); // one working day of 27
    expect(due(3, START)).toBe(0); // 3 × 1/27: no whole event yet
    // The middle: 14 December, 12 working days in.
    expect(due(27, "2026-12-14")).toBe(12);
    expect(due(3, "2026-12-14")).toBe(1); // 3 × 12/27 = 1.33
    expect(due(3, "2026-12-30")).toBe(2); // 3 × 26/27 = 2.89
    expect(due(3, END)).toBe(3);
    expect(due(3, "2027-01-15")).toBe(3);
  });

  it("gives PACE_GRACE_DAYS of grace: the line as it stood that many calendar days earlier", () => {
    expect(shiftDay("2026-12-14", -3)).toBe("2026-12-11");
    expect(due(27, "2026-12-14", 3)).toBe(10); // as of 11 December: 10 working days
    expect(due(27, "2026-12-03", 3)).toBe(0); // within the grace at the start
    expect(due(3, END, 3)).toBe(2); // the whole target only 3 days after the end
    expect(due(3, "2027-01-03", 3)).toBe(3);
  });

  it("spreads a target raised mid-phase over the days left, from the day of the raise", () => {
    const raised = [{ target: 6, day: "2026-12-14" }];
    // 14 December: 3 × 12/27 + 3 × 1/16 = 1.52 (not 6 × 12/27 = 2.67: the raise does not put the seat behind at once).
    expect(due(3, "2026-12-14", 0, raised)).toBe(1);
    // 24 December: 3 × 21/27 + 3 × 10/16 = 4.21.
    expect(due(3, "2026-12-24", 0, raised)).toBe(4);
    expect(due(3, END, 0, raised)).toBe(6);
    expect(due(3, "2026-12-13", 0, raised)).toBe(1); // the day before: as if nothing was raised
    expect(due(3, "2026-12-13")).toBe(1);
  });

  it("keeps the highest target: a lower raise changes nothing, one before the start counts from the start", () => {
    expect(targetSteps({ target: 5, startDay: START }, [{ target: 4, day: "2026-12-10" }])).toEqual([{ target: 5, fromDay: START }]);
    expect(targetSteps({ target: 2, startDay: START }, [{ target: 4, day: "2026-11-20" }])).toEqual([{ target: 4, fromDay: START }]);
    expect(
      targetSteps({ target: 2, startDay: START }, [
        { target: 6, day: "2026-12-20" },
        { target: 4, day: "2026-12-10" },
        { target: 5, day: "2026-12-22" },
      ]),
    ).toEqual([
      { target: 2, fromDay: START },
      { target: 4, fromDay: "2026-12-10" },
      { target: 6, fromDay: "2026-12-20" },
    ]);
  });
});

describe("a seat's status", () => {
  it("is on track at or above the line, else vacant without a holder, not started with nothing held, else behind", () => {
    expect(paceStatus({ held: 2, due: 2, hasHolder: true })).toBe("on_track");
    expect(paceStatus({ held: 0, due: 0, hasHolder: true })).toBe("on_track");
    expect(paceStatus({ held: 1, due: 2, hasHolder: true })).toBe("behind");
    expect(paceStatus({ held: 0, due: 2, hasHolder: true })).toBe("not_started");
    expect(paceStatus({ held: 0, due: 1, hasHolder: false })).toBe("vacant");
    // A seat with no holder that is on the line is on track: nothing to chase there.
    expect(paceStatus({ held: 3, due: 1, hasHolder: false })).toBe("on_track");
  });
});

describe("progress of a phase", () => {
  const phase = { id: "ph-1", programmeKey: "sneh-samvad", level: "pc" as const, target: 3, startDay: START, endDay: END };
  const seats = [
    { code: "IN-UP:P1", stateCode: "IN-UP", pcCode: "IN-UP:P1" },
    { code: "IN-UP:P2", stateCode: "IN-UP", pcCode: "IN-UP:P2" },
    { code: "IN-BR:P1", stateCode: "IN-BR", pcCode: "IN-BR:P1" },
    { code: "IN-BR:P2", stateCode: "IN-BR", pcCode: "IN-BR:P2" },
  ];
  const at = (iso: string, held: boolean, code: string) => ({ code, startsAt: new Date(iso), held });
  const asOf = new Date("2026-12-24T14:30:00Z"); // 24 December, 20:00 IST: 3 × 21/27 → 2 due
  const progress = computeProgress({
    phase,
    raises: [{ level: "pc", code: "IN-UP:P2", target: 6, day: "2026-12-14" }],
    seats,
    holders: new Map([
      ["IN-UP:P1", [1]],
      ["IN-UP:P2", [2]],
      ["IN-BR:P1", [3]],
    ]),
    events: [
      at("2026-12-02T05:00:00Z", true, "IN-UP:P1"),
      at("2026-12-09T05:00:00Z", true, "IN-UP:P1"),
      at("2026-12-10T05:00:00Z", true, "IN-UP:P2"),
      at("2026-12-20T05:00:00Z", false, "IN-UP:P2"), // held, report awaited: neither held nor planned
      at("2026-12-28T05:00:00Z", false, "IN-UP:P2"), // ahead
      at("2026-12-10T05:00:00Z", true, "IN-KA:P1"), // not a seat asked about
    ],
    clusters: [
      { key: "north", stateCodes: ["IN-UP"] },
      { key: "east", stateCodes: ["IN-BR"] },
      { key: "south", stateCodes: ["IN-KA"] },
    ],
    day: "2026-12-24",
    asOf,
    graceDays: 0,
  });

  it("gives every seat its target, due, held, planned and status", () => {
    expect(progress.seats.map((s) => [s.code, s.target, s.due, s.held, s.planned, s.status])).toEqual([
      ["IN-UP:P1", 3, 2, 2, 0, "on_track"],
      ["IN-UP:P2", 6, 4, 1, 1, "behind"],
      ["IN-BR:P1", 3, 2, 0, 0, "not_started"],
      ["IN-BR:P2", 3, 2, 0, 0, "vacant"],
    ]);
  });

  it("sums states, clusters and the whole, counting a seat's shortfall only up to the line", () => {
    expect(progress.total).toMatchObject({ seats: 4, target: 15, due: 10, held: 3, planned: 1, owed: 7 });
    expect(progress.total.counts).toEqual({ on_track: 1, behind: 1, not_started: 1, vacant: 1 });
    expect(progress.states.map((s) => [s.key, s.owed])).toEqual([
      ["IN-UP", 3],
      ["IN-BR", 4],
    ]);
    expect(furthestBehind(progress.states, 5).map((s) => s.key)).toEqual(["IN-BR", "IN-UP"]);
    expect(progress.clusters.map((c) => c.key)).toEqual(["north", "east"]);
    expect(rankClusters(progress.clusters).map((c) => c.key)).toEqual(["north", "east"]);
    expect(idleSeats(progress).map((s) => s.code)).toEqual(["IN-BR:P1"]);
  });
});

describe("what a phase and a raise must be", () => {
  it("refuses an end before the start, an ended phase, more than a year, a target outside 1–100", () => {
    expect(checkPhase({ target: 3, startDay: START, endDay: END }, "2026-11-26")).toEqual({ ok: true });
    expect(checkPhase({ target: 3, startDay: END, endDay: START }, "2026-11-26")).toEqual({ ok: false, problem: "end_before_start" });
    expect(checkPhase({ target: 3, startDay: "2026-10-01", endDay: "2026-10-31" }, "2026-11-26")).toEqual({ ok: false, problem: "ended" });
    expect(checkPhase({ target: 3, startDay: START, endDay: "2028-01-01" }, "2026-11-26")).toEqual({ ok: false, problem: "too_long" });
    expect(checkPhase({ target: 0, startDay: START, endDay: END }, "2026-11-26")).toEqual({ ok: false, problem: "bad_target" });
  });
  it("raises only upward, for a state or a seat of the phase's level, while the phase is not over", () => {
    const base = { phase: { level: "pc" as const, endDay: END }, today: "2026-12-10" };
    expect(checkRaise({ ...base, target: 4, current: 3, territory: { level: "state", code: "IN-UP" } })).toEqual({ ok: true });
    expect(checkRaise({ ...base, target: 3, current: 3, territory: { level: "pc", code: "IN-UP:P1" } })).toEqual({ ok: false, problem: "not_higher" });
    expect(checkRaise({ ...base, target: 2, current: 3, territory: { level: "pc", code: "IN-UP:P1" } })).toEqual({ ok: false, problem: "not_higher" });
    expect(checkRaise({ ...base, target: 5, current: 3, territory: { level: "ac", code: "IN-UP:A1" } })).toEqual({ ok: false, problem: "wrong_level" });
    expect(checkRaise({ ...base, target: 101, current: 3, territory: { level: "pc", code: "IN-UP:P1" } })).toEqual({ ok: false, problem: "too_high" });
    expect(checkRaise({ ...base, today: "2027-01-01", target: 5, current: 3, territory: { level: "pc", code: "IN-UP:P1" } })).toEqual({
      ok: false,
      problem: "phase_over",
    });
  });
});
