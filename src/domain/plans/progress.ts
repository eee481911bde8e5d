// Progress of a campaign phase: for every seat of the phase's level, events held and planned against its target and
// its pace (pace.ts), summed per state, per cluster and for the country. Pure: the service passes the phase, the
// raises, the seats of the states asked about, who holds them and the phase's events there.
//
// What counts. An event counts for a phase when it is of the phase's programme, at the phase's level (a Lok Sabha
// phase counts PC-level events; an assembly phase AC-level ones: each level is its in-charges' own work), not
// cancelled, and starts within the phase (from the start of the start day to the end of the end day, local time).
// Held = reported and the report not void. Planned = still ahead (starts after the moment of the figures).
import type { SeatHolder } from "../rollup/types.js";
import { dueBy, paceStatus, targetSteps, type PaceStatus } from "./pace.js";

export type PhaseLevel = "pc" | "ac";

export interface PhaseSpec {
  id: string;
  programmeKey: string;
  level: PhaseLevel;
  /** Events each seat must hold in the phase. */
  target: number;
  startDay: string;
  endDay: string;
}

/** A raised target: for one seat, or every seat of a state (level "state"). */
export interface PlanRaise {
  level: "state" | PhaseLevel;
  code: string;
  target: number;
  /** The local day it was raised on: the extra events are spread from that day. */
  day: string;
}

export interface ProgressSeat {
  code: string;
  stateCode: string;
  pcCode: string;
}

export interface ProgressEvent {
  /** The seat: the event's PC code (a PC-level event) or AC code. */
  code: string;
  startsAt: Date;
  /** Reported and not void. */
  held: boolean;
}

export interface SeatProgress extends ProgressSeat {
  target: number;
  due: number;
  held: number;
  planned: number;
  /** Every event of the phase in the seat (held, awaiting a report, ahead). */
  registered: number;
  status: PaceStatus;
  holders: number[];
}

export interface AreaProgress {
  /** A state code, a cluster key, or "IN". */
  key: string;
  seats: number;
  target: number;
  due: number;
  held: number;
  planned: number;
  /** Events short of the line, summed over the seats behind it (a seat ahead does not make up for another). */
  owed: number;
  counts: Record<PaceStatus, number>;
}

export interface PhaseProgress {
  phase: PhaseSpec;
  day: string;
  seats: SeatProgress[];
  /** In the order the seats were given. */
  states: AreaProgress[];
  /** Clusters with at least one of the seats' states. */
  clusters: AreaProgress[];
  total: AreaProgress;
}

export interface ProgressInput {
  phase: PhaseSpec;
  raises: readonly PlanRaise[];
  /** The seats of the phase's level in the states asked about (map order). */
  seats: readonly ProgressSeat[];
  /** Seat code → Telegram ids of its holders (absent or empty: vacant). */
  holders: ReadonlyMap<string, readonly number[]>;
  /** The phase's events (already of its programme, level and dates, not cancelled); others in them are ignored. */
  events: readonly ProgressEvent[];
  clusters: readonly { key: string; stateCodes: readonly string[] }[];
  /** Today, local. */
  day: string;
  /** The moment of the figures: events after it are planned. */
  asOf: Date;
  graceDays: number;
  /** The code of the whole (country, cluster or state) the totals are for. */
  totalKey?: string;
}

function emptyArea(key: string): AreaProgress {
  return { key, seats: 0, target: 0, due: 0, held: 0, planned: 0, owed: 0, counts: { on_track: 0, behind: 0, not_started: 0, vacant: 0 } };
}

function add(area: AreaProgress, s: SeatProgress): void {
  area.seats++;
  area.target += s.target;
  area.due += s.due;
  area.held += s.held;
  area.planned += s.planned;
  area.owed += Math.max(0, s.due - s.held);
  area.counts[s.status]++;
}

export function computeProgress(input: ProgressInput): PhaseProgress {
  const { phase } = input;
  const bySeat = new Map<string, { held: number; planned: number; registered: number }>();
  for (const s of input.seats) bySeat.set(s.code, { held: 0, planned: 0, registered: 0 });
  for (const e of input.events) {
    const c = bySeat.get(e.code);
    if (!c) continue;
    c.registered++;
    if (e.held) c.held++;
    else if (e.startsAt.getTime() > input.asOf.getTime()) c.planned++;
  }
  const stateRaises = new Map<string, PlanRaise[]>();
  const seatRaises = new Map<string, PlanRaise[]>();
  for (const r of input.raises) {
    const into = r.level === "state" ? stateRaises : seatRaises;
    into.set(r.code, [...(into.get(r.code) ?? []), r]);
  }

  const seats: SeatProgress[] = input.seats.map((seat) => {
    const raises = [...(stateRaises.get(seat.stateCode) ?? []), ...(seatRaises.get(seat.code) ?? [])];
    const steps = targetSteps(phase, raises);
    const counts = bySeat.get(seat.code)!;
    const due = dueBy({ steps, endDay: phase.endDay, day: input.day, graceDays: input.graceDays });
    const holders = [...(input.holders.get(seat.code) ?? [])];
    return {
      ...seat,
      target: steps[steps.length - 1]!.target,
      due,
      ...counts,
      status: paceStatus({ held: counts.held, due, hasHolder: holders.length > 0 }),
      holders,
    };
  });

  const states = new Map<string, AreaProgress>();
  const total = emptyArea(input.totalKey ?? "IN");
  for (const s of seats) {
    let st = states.get(s.stateCode);
    if (!st) states.set(s.stateCode, (st = emptyArea(s.stateCode)));
    add(st, s);
    add(total, s);
  }
  const clusters: AreaProgress[] = [];
  for (const c of input.clusters) {
    const area = emptyArea(c.key);
    for (const s of seats) if (c.stateCodes.includes(s.stateCode)) add(area, s);
    if (area.seats > 0) clusters.push(area);
  }
  return { phase, day: input.day, seats, states: [...states.values()], clusters, total };
}

/** Share of the line reached (0..1): events held toward what is due, each seat counting up to its due. */
export function lineShare(area: AreaProgress): number {
  return area.due > 0 ? (area.due - area.owed) / area.due : 1;
}

/** Areas (states, clusters) furthest behind first: most events owed, then the smaller share of the line. */
export function furthestBehind(areas: readonly AreaProgress[], limit: number): AreaProgress[] {
  return [...areas]
    .filter((a) => a.owed > 0)
    .sort((a, b) => b.owed - a.owed || lineShare(a) - lineShare(b) || a.key.localeCompare(b.key))
    .slice(0, limit);
}

/** Seats furthest behind the line (most owed first): for a state's rollup. */
export function seatsFurthestBehind(seats: readonly SeatProgress[], limit: number): SeatProgress[] {
  return [...seats]
    .filter((s) => s.due > s.held)
    .sort((a, b) => b.due - b.held - (a.due - a.held) || a.held - b.held || a.code.localeCompare(b.code))
    .slice(0, limit);
}

/** Clusters best first: the larger share of the line reached, then fewer events owed. */
export function rankClusters(clusters: readonly AreaProgress[]): AreaProgress[] {
  return [...clusters].sort((a, b) => lineShare(b) - lineShare(a) || a.owed - b.owed || a.key.localeCompare(b.key));
}

/** Held seats with nothing at all in the phase: the in-charges to call first. */
export function idleSeats(progress: PhaseProgress): SeatProgress[] {
  return progress.seats.filter((s) => s.holders.length > 0 && s.registered === 0);
}

/** Is the phase running on `day` (started, not yet over)? */
export function isRunning(phase: Pick<PhaseSpec, "startDay" | "endDay">, day: string): boolean {
  return phase.startDay <= day && day <= phase.endDay;
}

/** Whose progress: the country, a cluster, a state, or one seat's (a PC with its ACs, or an AC). */
export type ProgressScope =
  | { level: "country"; code: "IN" }
  | { level: "cluster"; code: string }
  | { level: "state"; code: string }
  | { level: "pc"; code: string }
  | { level: "ac"; code: string };

/** One running phase's progress in one scope, with what contact links to the seats' holders need. */
export interface ScopeProgress {
  scope: ProgressScope;
  progress: PhaseProgress;
  /** The holders of the scope's seats, by Telegram id. */
  people: ReadonlyMap<number, SeatHolder>;
}
