import { describe, expect, it } from "vitest";
import { computeRollup, placesFromReports, scopeStates } from "../../src/domain/rollup/compute.js";
import { addDays, atLocalTime, dayWindow, isDay, localDay, parseClockTime } from "../../src/domain/rollup/day.js";
import type { ReportedPlace, RollupEvent, RollupMap, RollupReport } from "../../src/domain/rollup/types.js";
import { inputFromTotals, rowsEndTooSoon, seatTotals } from "../../src/domain/rollup/totals.js";
import { ladderStep, pendingListDays } from "../../src/domain/escalation.js";

const HOUR_MS = 3600_000;

const ZONE = "Asia/Kolkata";

// Two clusters; J&K-like state "IN-JK" where AC 27 belongs to PC 1 although ACs 17-26 belong to PC 2.
const map: RollupMap = {
  pcs: [
    { code: "IN-JK:P1", stateCode: "IN-JK" },
    { code: "IN-JK:P2", stateCode: "IN-JK" },
    { code: "IN-PB:P1", stateCode: "IN-PB" },
    { code: "IN-UP:P1", stateCode: "IN-UP" },
    { code: "IN-UP:P2", stateCode: "IN-UP" },
  ],
  acs: [
    { code: "IN-JK:A1", stateCode: "IN-JK", pcCode: "IN-JK:P1" },
    { code: "IN-JK:A17", stateCode: "IN-JK", pcCode: "IN-JK:P2" },
    { code: "IN-JK:A27", stateCode: "IN-JK", pcCode: "IN-JK:P1" },
    { code: "IN-PB:A1", stateCode: "IN-PB", pcCode: "IN-PB:P1" },
    { code: "IN-UP:A1", stateCode: "IN-UP", pcCode: "IN-UP:P1" },
    { code: "IN-UP:A2", stateCode: "IN-UP", pcCode: "IN-UP:P2" },
  ],
  clusters: [
    { key: "north", stateCodes: ["IN-JK", "IN-PB"] },
    { key: "central", stateCodes: ["IN-UP"] },
  ],
};

let seq = 0;
function ev(over: Partial<Omit<RollupEvent, "startsAt">> & { startsAt: string }): RollupEvent {
  const { startsAt, ...rest } = over;
  return {
    id: `e${++seq}`,
    programmeKey: "sneh",
    stateCode: "IN-JK",
    pcCode: "IN-JK:P1",
    acCode: null,
    status: "planned",
    createdBy: 100,
    reported: false,
    ...rest,
    startsAt: new Date(startsAt),
  };
}
function rep(e: RollupEvent, total: number, counts: Record<string, number>): RollupReport {
  return {
    eventId: e.id,
    programmeKey: e.programmeKey,
    stateCode: e.stateCode,
    pcCode: e.pcCode,
    acCode: e.acCode,
    eventStartsAt: e.startsAt,
    total,
    counts,
  };
}

// The day is 2026-11-26 in India: 2026-11-25T18:30Z .. 2026-11-26T18:30Z. The rollup runs at 20:00 IST = 14:30Z.
const DAY = "2026-11-26";
const AS_OF = new Date("2026-11-26T14:30:00Z");

describe("days in the programme's time zone", () => {
  it("gives local day bounds in UTC", () => {
    const w = dayWindow(DAY, ZONE);
    expect(w.start.toISOString()).toBe("2026-11-25T18:30:00.000Z");
    expect(w.end.toISOString()).toBe("2026-11-26T18:30:00.000Z");
    expect(localDay(new Date("2026-11-26T18:29:59Z"), ZONE)).toBe("2026-11-26");
    expect(localDay(new Date("2026-11-26T18:30:00Z"), ZONE)).toBe("2026-11-27");
    expect(addDays("2026-12-31", 1, ZONE)).toBe("2027-01-01");
    expect(atLocalTime(DAY, { hour: 20, minute: 0 }, ZONE).toISOString()).toBe("2026-11-26T14:30:00.000Z");
  });
  it("parses clock times and days strictly", () => {
    expect(parseClockTime("20:00")).toEqual({ hour: 20, minute: 0 });
    expect(parseClockTime("7:05")).toEqual({ hour: 7, minute: 5 });
    expect(parseClockTime("24:00")).toBeUndefined();
    expect(parseClockTime("8 pm")).toBeUndefined();
    expect(isDay("2026-02-28")).toBe(true);
    expect(isDay("2026-02-30")).toBe(false);
    expect(isDay("26-11-2026")).toBe(false);
  });
});

describe("rollup maths", () => {
  const heldReported = ev({ startsAt: "2026-11-26T05:00:00Z", acCode: "IN-JK:A27", pcCode: "IN-JK:P1" });
  const heldUnreported = ev({ startsAt: "2026-11-26T06:00:00Z", pcCode: "IN-JK:P2", createdBy: 200 });
  const laterToday = ev({ startsAt: "2026-11-26T16:00:00Z", stateCode: "IN-PB", pcCode: "IN-PB:P1" });
  const cancelledToday = ev({ startsAt: "2026-11-26T07:00:00Z", status: "cancelled" });
  const yesterdayUnreported = ev({ startsAt: "2026-11-25T10:00:00Z", stateCode: "IN-PB", pcCode: "IN-PB:P1", createdBy: 300 });
  const lastWeekReported = ev({ startsAt: "2026-11-19T10:00:00Z", pcCode: "IN-JK:P2", acCode: "IN-JK:A17", reported: true });
  // Just after local midnight ending the day: tomorrow, not today.
  const tomorrowEarly = ev({ startsAt: "2026-11-26T18:30:00Z" });
  // Last minute of the third day after, and the first minute of the fourth.
  const thirdDayLate = ev({ startsAt: "2026-11-29T18:29:00Z" });
  const fourthDay = ev({ startsAt: "2026-11-29T18:30:00Z" });
  const otherClusterToday = ev({ startsAt: "2026-11-26T05:00:00Z", stateCode: "IN-UP", pcCode: "IN-UP:P1", acCode: "IN-UP:A1" });

  const events = [
    heldReported,
    heldUnreported,
    laterToday,
    cancelledToday,
    yesterdayUnreported,
    lastWeekReported,
    tomorrowEarly,
    thirdDayLate,
    fourthDay,
    otherClusterToday,
  ];
  const reports = [
    rep(heldReported, 50, { ulema: 10, women: 25 }),
    rep(lastWeekReported, 30, { ulema: 30 }),
    rep(otherClusterToday, 70, { women: 70 }),
  ];
  const base = { day: DAY, zone: ZONE, asOf: AS_OF, events, reports, reportedPlaces: placesFromReports(reports), map };

  it("counts today's held events, reports and attendance for a cluster", () => {
    const r = computeRollup({ ...base, scope: { level: "cluster", code: "north" } });
    expect(r.stateCodes).toEqual(["IN-JK", "IN-PB"]);
    expect(r.today.held).toBe(2);
    expect(r.today.reported).toBe(1);
    expect(r.today.later).toBe(1);
    expect(r.today.cancelled).toBe(1);
    expect(r.today.attendance).toEqual({ total: 50, byCategory: { ulema: 10, women: 25 }, unassigned: 15 });
  });

  it("lists pending reports over the whole campaign, oldest first, with their organisers", () => {
    const r = computeRollup({ ...base, scope: { level: "cluster", code: "north" } });
    expect(r.pending.count).toBe(2);
    expect(r.pending.listed.map((p) => [p.eventId, p.createdBy])).toEqual([
      [yesterdayUnreported.id, 300],
      [heldUnreported.id, 200],
    ]);
  });

  it("counts coverage with an AC's PC taken from the map, not from its number", () => {
    const r = computeRollup({ ...base, scope: { level: "cluster", code: "north" } });
    // A27 (an AC numbered among P2's) covers P1; A17 covers P2; Punjab has no report.
    expect(r.coverage.pcsCovered).toBe(2);
    expect(r.coverage.pcsTotal).toBe(3);
    expect(r.coverage.uncoveredPcs).toEqual(["IN-PB:P1"]);
    expect(r.coverage.acsCovered).toBe(2);
    expect(r.coverage.acsTotal).toBe(4);
    expect(r.coverage.national).toEqual({ pcsCovered: 3, pcsTotal: 5 });
  });

  it("ignores a report's own pcCode when the map places its AC elsewhere", () => {
    const wrong = { ...rep(heldReported, 5, {}), pcCode: "IN-JK:P2" };
    const r = computeRollup({
      ...base,
      reports: [wrong],
      reportedPlaces: placesFromReports([wrong]),
      scope: { level: "state", code: "IN-JK" },
    });
    expect(r.coverage.uncoveredPcs).toEqual(["IN-JK:P2"]);
  });

  it("lists the next three local days' planned events, and not the fourth", () => {
    const r = computeRollup({ ...base, scope: { level: "cluster", code: "north" } });
    expect(r.upcoming.map((u) => u.eventId)).toEqual([tomorrowEarly.id, thirdDayLate.id]);
  });

  it("gives per-state rows that add up to the scope's figures", () => {
    const r = computeRollup({ ...base, scope: { level: "cluster", code: "north" } });
    const jk = r.byState.find((s) => s.stateCode === "IN-JK")!;
    const pb = r.byState.find((s) => s.stateCode === "IN-PB")!;
    expect(jk).toMatchObject({ pcsCovered: 2, pcsTotal: 2, acsCovered: 2, acsTotal: 3, attendanceToDate: 80, attendanceToday: 50 });
    expect(jk).toMatchObject({ eventsToday: 2, reportsToday: 1, pending: 1 });
    expect(pb).toMatchObject({ pcsCovered: 0, pcsTotal: 1, attendanceToDate: 0, eventsToday: 0, pending: 1 });
  });

  it("gives the national rollup one row per cluster", () => {
    const r = computeRollup({ ...base, scope: { level: "country", code: "IN" } });
    expect(r.today.held).toBe(3);
    expect(r.today.attendance.total).toBe(120);
    expect(r.coverage.pcsCovered).toBe(3);
    expect(r.coverage.pcsTotal).toBe(5);
    expect(r.clusters).toEqual([
      { key: "north", eventsToday: 2, reportsToday: 1, attendanceToday: 50, pending: 2, pcsCovered: 2, pcsTotal: 3 },
      { key: "central", eventsToday: 1, reportsToday: 1, attendanceToday: 70, pending: 0, pcsCovered: 1, pcsTotal: 2 },
    ]);
  });

  it("gives the same result from grouped places as from one place per report", () => {
    const grouped = new Map<string, ReportedPlace>();
    for (const p of placesFromReports(reports)) {
      const k = `${p.stateCode}|${p.pcCode}|${p.acCode}`;
      const g = grouped.get(k);
      if (g) {
        g.reports += p.reports;
        g.attendance += p.attendance;
      } else grouped.set(k, { ...p });
    }
    const a = computeRollup({ ...base, scope: { level: "country", code: "IN" } });
    const b = computeRollup({ ...base, reportedPlaces: [...grouped.values()], scope: { level: "country", code: "IN" } });
    expect(b).toEqual(a);
  });

  it("counts an event passed twice (overlapping queries) once", () => {
    const r = computeRollup({ ...base, events: [...events, heldUnreported], scope: { level: "cluster", code: "north" } });
    expect(r.today.held).toBe(2);
    expect(r.pending.count).toBe(2);
    expect(r.pending.listed).toHaveLength(2);
  });

  it("treats an unknown cluster or state as an empty scope", () => {
    expect(scopeStates({ level: "cluster", code: "nowhere" }, map)).toEqual([]);
    expect(scopeStates({ level: "state", code: "IN-XX" }, map)).toEqual([]);
    const r = computeRollup({ ...base, scope: { level: "cluster", code: "nowhere" } });
    expect(r.today.held).toBe(0);
    expect(r.coverage.pcsTotal).toBe(0);
  });
});

describe("pending events listed for two weeks, counted before", () => {
  const since = new Date("2026-11-12T18:30:00Z"); // the start of 13 November in India: 14 days before the day
  const old = ev({ startsAt: "2026-11-01T05:00:00Z", stateCode: "IN-PB", pcCode: "IN-PB:P1" });
  const recent = ev({ startsAt: "2026-11-20T05:00:00Z", stateCode: "IN-PB", pcCode: "IN-PB:P1" });
  const edge = ev({ startsAt: since.toISOString() });
  const north = { level: "cluster", code: "north" } as const;
  const input = { day: DAY, zone: ZONE, asOf: AS_OF, reports: [], reportedPlaces: [], map, scope: north };

  it("lists those started since the listing began, counts the rest, in every figure alike", () => {
    const r = computeRollup({ ...input, events: [old, recent, edge], pendingListedSince: since });
    expect(r.pending).toEqual({ count: 3, listed: [edge, recent].map((e) => expect.objectContaining({ eventId: e.id })), listedSince: since });
    // Counted only (the running totals keep events that old as counts): the same rollup.
    const counted = computeRollup({ ...input, events: [recent, edge], pendingListedSince: since, olderPending: [{ stateCode: "IN-PB", count: 1 }] });
    expect(counted).toEqual(r);
    expect(r.byState.find((s) => s.stateCode === "IN-PB")!.pending).toBe(2);
    // Another scope's counts are not this one's.
    const central = computeRollup({ ...input, scope: { level: "cluster", code: "central" }, events: [], olderPending: [{ stateCode: "IN-PB", count: 5 }] });
    expect(central.pending.count).toBe(0);
    // Without a listing start, every one is listed.
    expect(computeRollup({ ...input, events: [old, recent] }).pending).toMatchObject({ count: 2, listedSince: null });
  });

  it("gives the ladder exact overdue counts when older events are only counted", () => {
    const days = { state: 3, cluster: 5, country: 7 };
    const lines = (es: RollupEvent[]) => es.map((e) => ({ eventId: e.id, startsAt: e.startsAt }));
    const sixDaysAgo = ev({ startsAt: "2026-11-20T14:00:00Z" });
    const twoDaysAgo = ev({ startsAt: "2026-11-24T14:00:00Z" });
    // 40 events from last month counted, two listed: both older than 5 days overdue at the cluster level.
    const step = ladderStep({ count: 42, listed: lines([sixDaysAgo, twoDaysAgo]) }, "cluster", AS_OF, days, 48 * HOUR_MS);
    expect(step.overdueCount).toBe(41);
    expect(step.overdue.map((e) => e.eventId)).toEqual([sixDaysAgo.id]);
    expect(step.reachingNow.map((e) => e.eventId)).toEqual([sixDaysAgo.id]);
    expect(ladderStep({ count: 42, listed: lines([sixDaysAgo, twoDaysAgo]) }, "country", AS_OF, days, 48 * HOUR_MS)).toMatchObject({ overdueCount: 40, overdue: [] });
    // Listed for long enough: the last level, its catch-up window and a day, at least two weeks.
    expect(pendingListDays(days, 48 * HOUR_MS)).toBe(14);
    expect(pendingListDays({ state: 10, cluster: 20, country: 30 }, 48 * HOUR_MS)).toBe(33);
  });
});

describe("running totals of a seat", () => {
  const seatEvent = (startsAt: string, over: Partial<Omit<RollupEvent, "startsAt">> = {}) => ev({ startsAt, stateCode: "IN-UP", pcCode: "IN-UP:P1", ...over });
  const rows = { from: "2026-11-12", until: "2026-12-02" };

  it("keep open events within their days as rows and count the others per local day", () => {
    const oldOpen = seatEvent("2026-11-01T05:00:00Z");
    const oldReported = seatEvent("2026-11-02T05:00:00Z", { reported: true });
    const recentOpen = seatEvent("2026-11-20T05:00:00Z");
    const farAhead = seatEvent("2026-12-10T05:00:00Z");
    const farAheadToo = seatEvent("2026-12-10T07:00:00Z");
    const totals = seatTotals({ seat: "IN-UP:P1", zone: ZONE, flagged: new Set(), reports: [], rows, events: [oldOpen, oldReported, recentOpen, farAhead, farAheadToo] })!;
    expect(totals.seat.open.map((r) => r.id)).toEqual([recentOpen.id]);
    expect(totals.seat.openDays).toEqual({ "2026-11-01": 1, "2026-12-10": 2 });
    expect(totals.seat).toMatchObject({ rowsFrom: rows.from, rowsUntil: rows.until });
    // Every event stays in its day (today's figures and the upcoming list read days, not these rows).
    expect(totals.days.map((d) => d.day).sort()).toEqual(["2026-11-01", "2026-11-02", "2026-11-20", "2026-12-10"]);
    // The rollup's inputs: counted before the rows are pending; counted after them, not started.
    const input = inputFromTotals([totals.seat], [], DAY);
    expect(input.olderPending).toEqual([{ stateCode: "IN-UP", count: 1 }]);
    expect(input.events.map((e) => e.id)).toEqual([recentOpen.id]);
  });

  it("are folded again before a rollup of a day after their rows end, if they count events after them", () => {
    const counting = { openDays: { "2026-12-10": 1 }, rowsUntil: "2026-12-02" };
    expect(rowsEndTooSoon(counting, "2026-12-02")).toBe(false);
    expect(rowsEndTooSoon(counting, "2026-12-03")).toBe(true);
    expect(rowsEndTooSoon({ openDays: { "2026-11-01": 3 }, rowsUntil: "2026-12-02" }, "2026-12-20")).toBe(false);
  });
});
