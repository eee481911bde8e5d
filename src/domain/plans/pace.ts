// The pace rule: how many of a seat's target events should have been held by a given day, and the seat's status.
// Pure: days are local calendar days (YYYY-MM-DD, in the programme's time zone; the caller converts).
//
// The line. A phase runs from its start day to its end day, both included. The expected number of events rises in
// a straight line from 0 before the start day to the full target at the end of the end day, moving only on working
// days: Monday to Saturday. Sundays do not move the line (events held on a Sunday count all the same); this is
// India's weekly holiday, when volunteers are least asked of. A phase made only of Sundays moves on its last day.
//
// Due. An event is due once the line has passed a whole event: due = floor(target × working days elapsed / working
// days in the phase). The grace shifts the line back by PACE_GRACE_DAYS calendar days: on day d, what was due on
// d − grace is what is asked. So at the start of a phase (within the grace) nothing is due, and at the end of the
// phase the whole target is due only `grace` days after the end day.
//
// A raised target (a cluster in-charge or state team raised it on day r) does not put the seat behind at once: the
// extra events are spread over the working days from r to the end, their own straight line from 0 on day r.
//
// Status, first that applies: held ≥ due → on track; nobody holds the seat → vacant; nothing held → not started;
// else behind.

/** PACE_GRACE_DAYS when unset. */
export const DEFAULT_PACE_GRACE_DAYS = 3;

export type PaceStatus = "on_track" | "behind" | "not_started" | "vacant";
export const PACE_STATUSES: readonly PaceStatus[] = ["on_track", "behind", "not_started", "vacant"];

/** Days of the week (ISO: Monday 1 … Sunday 7) on which the line does not move. */
export const NON_WORKING_WEEKDAYS: readonly number[] = [7];

/** The target from a day on: the phase's own target from its start day, then every raise from its day. */
export interface TargetStep {
  /** The seat's target from this day (the highest so far: raises never lower it). */
  target: number;
  fromDay: string;
}

const DAY_MS = 86_400_000;

function dayNumber(day: string): number {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

function isoWeekday(n: number): number {
  // 1970-01-01 (day 0) was a Thursday (4).
  return ((((n + 3) % 7) + 7) % 7) + 1;
}

/** Working days from `from` to `to`, both included (0 when to < from). */
export function workingDays(from: string, to: string): number {
  const a = dayNumber(from);
  const b = dayNumber(to);
  let n = 0;
  for (let d = a; d <= b; d++) if (!NON_WORKING_WEEKDAYS.includes(isoWeekday(d))) n++;
  return n;
}

/** `day` plus `days` calendar days. */
export function shiftDay(day: string, days: number): string {
  return new Date((dayNumber(day) + days) * DAY_MS).toISOString().slice(0, 10);
}

/** Share (0..1) of the line from `from` to `end` reached by the end of `day`. */
function share(from: string, end: string, day: string): number {
  if (day < from) return 0;
  if (day >= end) return 1;
  const total = workingDays(from, end);
  // A stretch with no working day at all moves the line on its last day.
  if (total === 0) return 0;
  return workingDays(from, day) / total;
}

/**
 * Events due by the end of `day` under the line of `steps` (the phase's target from its start, then raises),
 * ending on `endDay`, with `graceDays` of grace.
 */
export function dueBy(args: { steps: readonly TargetStep[]; endDay: string; day: string; graceDays: number }): number {
  const asked = shiftDay(args.day, -Math.max(0, args.graceDays));
  let due = 0;
  let before = 0;
  for (const step of args.steps) {
    const extra = step.target - before;
    if (extra <= 0) continue;
    before = step.target;
    due += extra * share(step.fromDay, args.endDay, asked);
  }
  // Rounded down, with room for the float error of a sum of shares that should be whole.
  return Math.floor(due + 1e-9);
}

export function paceStatus(args: { held: number; due: number; hasHolder: boolean }): PaceStatus {
  if (args.held >= args.due) return "on_track";
  if (!args.hasHolder) return "vacant";
  if (args.held === 0) return "not_started";
  return "behind";
}

/**
 * The target steps of one seat: the phase's target from its start, then each raise that lifts it, from the raise's
 * day (a raise made before the start counts from the start; a raise lower than what is already there is ignored).
 */
export function targetSteps(base: { target: number; startDay: string }, raises: readonly { target: number; day: string }[]): TargetStep[] {
  const steps: TargetStep[] = [{ target: base.target, fromDay: base.startDay }];
  const sorted = [...raises].sort((a, b) => a.day.localeCompare(b.day) || a.target - b.target);
  for (const r of sorted) {
    const top = steps[steps.length - 1]!;
    if (r.target <= top.target) continue;
    const fromDay = r.day < base.startDay ? base.startDay : r.day;
    if (fromDay === top.fromDay) steps[steps.length - 1] = { target: r.target, fromDay };
    else steps.push({ target: r.target, fromDay });
  }
  return steps;
}
