// The escalation ladder. Pure. An event still unreported some days after its start climbs, one step at a time, to
// the state team, then the cluster in-charge, then the national office: on the day it reaches a level it is named in
// that level's daily rollup, once (services/escalationService.ts records each step under a unique key); after that
// the level's rollup only counts it among the earlier escalations still unreported, until a report arrives.

/** The rollup levels of the ladder, in the order an event reaches them. */
export const ESCALATION_LEVELS = ["state", "cluster", "country"] as const;
export type EscalationLevel = (typeof ESCALATION_LEVELS)[number];

/** Days after the start at which an unreported event reaches each level (ESCALATION_DAYS, e.g. 3,5,7). */
export type EscalationDays = Readonly<Record<EscalationLevel, number>>;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The unique key of one step: an event reaches a level once, whatever restarts or second instances do. */
export function escalationStepKey(level: EscalationLevel, eventId: string): string {
  return `escalation.step:${level}:${eventId}`;
}

/** When an event that starts at `startsAt` reaches `level` if still unreported. */
export function reachesAt(startsAt: Date, level: EscalationLevel, days: EscalationDays): Date {
  return new Date(startsAt.getTime() + days[level] * DAY_MS);
}

export interface LadderEvent {
  eventId: string;
  startsAt: Date;
}

/**
 * Of the unreported events of a scope (held, not cancelled, no report as of `asOf`: `count` of them, those started
 * since `listedSince` listed, every one when it is null), those listed that have reached `level` (overdue), how many
 * have reached it in all (the listed and the older ones, only counted), and among the listed, those that reached it
 * within `windowMs` before `asOf` (the ones to record a step for now). The window keeps a long-unreported backlog
 * (the day the ladder is switched on, or a seat filled after weeks) from being named as new: it is counted as
 * overdue instead. Exact when listedSince is at least `days[level]` days and `windowMs` before asOf
 * (pendingListDays gives a listing that long).
 */
export function ladderStep<E extends LadderEvent>(
  unreported: { count: number; listed: readonly E[] },
  level: EscalationLevel,
  asOf: Date,
  days: EscalationDays,
  windowMs: number,
): { overdue: E[]; overdueCount: number; reachingNow: E[] } {
  const t = asOf.getTime();
  const overdue = unreported.listed.filter((e) => reachesAt(e.startsAt, level, days).getTime() <= t);
  const reachingNow = overdue.filter((e) => reachesAt(e.startsAt, level, days).getTime() > t - windowMs);
  // Every one not yet overdue started within days[level] of asOf, so it is listed: the rest of the count is overdue.
  const notYet = unreported.listed.length - overdue.length;
  return { overdue, overdueCount: unreported.count - notYet, reachingNow };
}

/**
 * How many days back a rollup lists pending events one by one (older ones are counted): enough for the ladder's
 * last level and its catch-up window, and at least two weeks (the rollup's list shows the newest anyway).
 */
export function pendingListDays(days: EscalationDays, windowMs: number): number {
  return Math.max(14, Math.max(...ESCALATION_LEVELS.map((l) => days[l])) + Math.ceil(windowMs / DAY_MS) + 1);
}
