// The rollup maths: what happened in a scope (a cluster, a state, the country) on a day, the reports still owed,
// coverage of constituencies so far, and what is planned for the next three days. Pure: the inputs may be supersets
// (the data layer fetches by time window and state), and everything is filtered here by scope and time.
import type {
  Attendance,
  ClusterRow,
  EventLine,
  ReportedPlace,
  Rollup,
  RollupEvent,
  RollupInput,
  RollupMap,
  RollupReport,
  RollupReview,
  RollupReviewRow,
  RollupReviewTotals,
  RollupScope,
  StateRow,
  StateVacancies,
} from "./types.js";
import { addDays, dayWindow } from "./day.js";

/** Upcoming events: the three local days after the rollup's day. */
export const UPCOMING_DAYS = 3;

/** The state codes a scope covers (a cluster's states; a state; every state with PCs). */
export function scopeStates(scope: RollupScope, map: RollupMap): string[] {
  switch (scope.level) {
    case "country":
      return [...new Set(map.pcs.map((p) => p.stateCode))];
    case "cluster":
      return [...(map.clusters.find((c) => c.key === scope.code)?.stateCodes ?? [])];
    case "state":
      return map.pcs.some((p) => p.stateCode === scope.code) ? [scope.code] : [];
  }
}

/** The PC a report or event counts for: an AC's PC comes from the map (ACs are not numbered within their PC). */
function pcFor(place: { pcCode: string; acCode: string | null }, pcOfAc: ReadonlyMap<string, string>): string {
  return (place.acCode && pcOfAc.get(place.acCode)) || place.pcCode;
}

export function placesFromReports(reports: readonly RollupReport[]): ReportedPlace[] {
  return reports.map((r) => ({
    stateCode: r.stateCode,
    pcCode: r.pcCode,
    acCode: r.acCode,
    reports: 1,
    attendance: r.total,
  }));
}

function emptyAttendance(): Attendance {
  return { total: 0, byCategory: {}, unassigned: 0 };
}

function addAttendance(into: Attendance, report: RollupReport): void {
  const total = Math.max(0, report.total);
  let assigned = 0;
  into.total += total;
  for (const [key, n] of Object.entries(report.counts ?? {})) {
    const count = Math.max(0, n);
    into.byCategory[key] = (into.byCategory[key] ?? 0) + count;
    assigned += count;
  }
  into.unassigned += Math.max(0, total - assigned);
}

function line(e: RollupEvent): EventLine {
  return {
    eventId: e.id,
    programmeKey: e.programmeKey,
    stateCode: e.stateCode,
    pcCode: e.pcCode,
    acCode: e.acCode,
    startsAt: e.startsAt,
    createdBy: e.createdBy,
  };
}

const byStart = (a: EventLine, b: EventLine) => a.startsAt.getTime() - b.startsAt.getTime() || a.eventId.localeCompare(b.eventId);

export function computeRollup(input: RollupInput): Rollup {
  const { map, asOf } = input;
  const { start: dayStart, end: dayEnd } = dayWindow(input.day, input.zone);
  const upcomingLimit = dayWindow(addDays(input.day, UPCOMING_DAYS, input.zone), input.zone).end;
  const states = scopeStates(input.scope, map);
  const inScope = new Set(states);
  const pcOfAc = new Map(map.acs.map((a) => [a.code, a.pcCode]));

  const rows = new Map<string, StateRow>();
  for (const code of states) {
    rows.set(code, {
      stateCode: code,
      pcsCovered: 0,
      pcsTotal: 0,
      acsCovered: 0,
      acsTotal: 0,
      attendanceToDate: 0,
      attendanceToday: 0,
      eventsToday: 0,
      reportsToday: 0,
      pending: 0,
    });
  }
  const scopePcs = map.pcs.filter((p) => inScope.has(p.stateCode));
  const scopeAcs = map.acs.filter((a) => inScope.has(a.stateCode));
  for (const p of scopePcs) rows.get(p.stateCode)!.pcsTotal++;
  for (const a of scopeAcs) rows.get(a.stateCode)!.acsTotal++;

  // Events: each counted once even if the data layer passed it twice (its queries overlap).
  const events = new Map<string, RollupEvent>();
  for (const e of input.events) if (inScope.has(e.stateCode)) events.set(e.id, e);
  const reportByEvent = new Map<string, RollupReport>();
  for (const r of input.reports) if (inScope.has(r.stateCode)) reportByEvent.set(r.eventId, r);
  const isReported = (e: RollupEvent) => e.reported || reportByEvent.has(e.id);

  let held = 0;
  let reported = 0;
  let later = 0;
  let cancelled = 0;
  const attendance = emptyAttendance();
  const pending: EventLine[] = [];
  const upcoming: EventLine[] = [];
  // Started before this: counted, not listed (the same rule whether the input lists them or only counts them).
  const listedSince = input.pendingListedSince?.getTime();
  let olderPending = 0;
  for (const older of input.olderPending ?? []) {
    if (!inScope.has(older.stateCode)) continue;
    olderPending += older.count;
    rows.get(older.stateCode)!.pending += older.count;
  }
  for (const e of events.values()) {
    const t = e.startsAt.getTime();
    const today = t >= dayStart.getTime() && t < dayEnd.getTime();
    if (e.status === "cancelled") {
      if (today) cancelled++;
      continue;
    }
    const hasStarted = t <= asOf.getTime();
    const row = rows.get(e.stateCode)!;
    if (today && hasStarted) {
      held++;
      row.eventsToday++;
      if (isReported(e)) {
        reported++;
        row.reportsToday++;
        const report = reportByEvent.get(e.id);
        if (report) {
          addAttendance(attendance, report);
          row.attendanceToday += Math.max(0, report.total);
        }
      }
    } else if (today) {
      later++;
    }
    if (hasStarted && !isReported(e)) {
      if (!listedSince || t >= listedSince) pending.push(line(e));
      else olderPending++;
      row.pending++;
    }
    if (t >= dayEnd.getTime() && t < upcomingLimit.getTime()) upcoming.push(line(e));
  }

  // Coverage: a PC is covered once any event in it (at PC or AC level) has a report; an AC once an AC-level one has.
  const coveredPcs = new Set<string>();
  const coveredAcs = new Set<string>();
  const nationalPcs = new Set<string>();
  const allPcs = new Set(map.pcs.map((p) => p.code));
  for (const place of input.reportedPlaces) {
    if (place.reports <= 0) continue;
    const pc = pcFor(place, pcOfAc);
    if (allPcs.has(pc)) nationalPcs.add(pc);
    if (!inScope.has(place.stateCode)) continue;
    rows.get(place.stateCode)!.attendanceToDate += Math.max(0, place.attendance);
    coveredPcs.add(pc);
    if (place.acCode) coveredAcs.add(place.acCode);
  }
  for (const p of scopePcs) if (coveredPcs.has(p.code)) rows.get(p.stateCode)!.pcsCovered++;
  for (const a of scopeAcs) if (coveredAcs.has(a.code)) rows.get(a.stateCode)!.acsCovered++;

  const byState = [...rows.values()];
  const pcsCovered = scopePcs.filter((p) => coveredPcs.has(p.code)).length;
  return {
    scope: input.scope,
    day: input.day,
    asOf,
    stateCodes: states,
    today: { held, reported, later, cancelled, attendance },
    pending: { count: pending.length + olderPending, listed: pending.sort(byStart), listedSince: input.pendingListedSince ?? null },
    coverage: {
      pcsCovered,
      pcsTotal: scopePcs.length,
      acsCovered: scopeAcs.filter((a) => coveredAcs.has(a.code)).length,
      acsTotal: scopeAcs.length,
      national: { pcsCovered: nationalPcs.size, pcsTotal: allPcs.size },
      uncoveredPcs: scopePcs.filter((p) => !coveredPcs.has(p.code)).map((p) => p.code),
    },
    upcoming: upcoming.sort(byStart),
    review: reviewFigures(input.reviews ?? [], input.reviewTotals ?? [], inScope),
    vacancies: input.heldSeats ? vacancies(states, scopePcs, scopeAcs, new Set(input.heldSeats)) : [],
    byState,
    clusters: input.scope.level === "country" ? clusterRows(byState, map) : [],
  };
}

/** Per state, the seats nobody holds: the first gap to close before any event can happen there. */
function vacancies(
  states: readonly string[],
  pcs: readonly { code: string; stateCode: string }[],
  acs: readonly { code: string; stateCode: string }[],
  held: ReadonlySet<string>,
): StateVacancies[] {
  const rows = new Map<string, StateVacancies>(states.map((code) => [code, { stateCode: code, vacantPcs: 0, pcsTotal: 0, vacantAcs: 0, acsTotal: 0 }]));
  for (const p of pcs) {
    const r = rows.get(p.stateCode)!;
    r.pcsTotal++;
    if (!held.has(p.code)) r.vacantPcs++;
  }
  for (const a of acs) {
    const r = rows.get(a.stateCode)!;
    r.acsTotal++;
    if (!held.has(a.code)) r.vacantAcs++;
  }
  return [...rows.values()]
    .filter((r) => r.vacantPcs + r.vacantAcs > 0)
    .sort((a, b) => b.vacantPcs - a.vacantPcs || b.vacantAcs - a.vacantAcs || a.stateCode.localeCompare(b.stateCode));
}

/** Review to date: reports by status in the scope; void reports count nowhere. */
function reviewFigures(rows: readonly RollupReviewRow[], totals: readonly RollupReviewTotals[], inScope: ReadonlySet<string>): RollupReview {
  const out: RollupReview = { awaiting: 0, corrected: 0, sentBack: [], approved: 0, attendance: 0, attendanceApproved: 0, flagged: 0 };
  for (const t of totals) {
    if (!inScope.has(t.stateCode)) continue;
    out.awaiting += t.awaiting;
    out.corrected += t.corrected;
    out.approved += t.approved;
    out.attendance += t.attendance;
    out.attendanceApproved += t.attendanceApproved;
    out.flagged += t.flagged;
    out.sentBack.push(...t.sentBack);
  }
  for (const r of rows) {
    if (!inScope.has(r.stateCode) || r.status === "void") continue;
    const total = Math.max(0, r.total);
    out.attendance += total;
    if (r.flagged) out.flagged++;
    if (r.status === "approved") {
      out.approved++;
      out.attendanceApproved += total;
    } else if (r.status === "sent_back") out.sentBack.push(r);
    else if (r.status === "corrected") out.corrected++;
    else out.awaiting++;
  }
  out.sentBack.sort((a, b) => a.stateCode.localeCompare(b.stateCode) || a.pcCode.localeCompare(b.pcCode) || a.eventId.localeCompare(b.eventId));
  return out;
}

/** The national rollup's table: the state rows summed per cluster. */
function clusterRows(byState: readonly StateRow[], map: RollupMap): ClusterRow[] {
  const rowOf = new Map(byState.map((r) => [r.stateCode, r]));
  return map.clusters.map((c) => {
    const row: ClusterRow = {
      key: c.key,
      eventsToday: 0,
      reportsToday: 0,
      attendanceToday: 0,
      pending: 0,
      pcsCovered: 0,
      pcsTotal: 0,
    };
    for (const code of c.stateCodes) {
      const s = rowOf.get(code);
      if (!s) continue;
      row.eventsToday += s.eventsToday;
      row.reportsToday += s.reportsToday;
      row.attendanceToday += s.attendanceToday;
      row.pending += s.pending;
      row.pcsCovered += s.pcsCovered;
      row.pcsTotal += s.pcsTotal;
    }
    return row;
  });
}

