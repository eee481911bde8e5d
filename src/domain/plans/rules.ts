// Who may define phases and raise targets, and what a phase or a raise must look like. Pure.
//   national office → defines phases (programme, level, events per seat, start and end days)
//   cluster in-charge, state team (and the national office) → raise, never lower, the target of seats in their area:
//     every seat of a state, or one seat
import type { Decision } from "../permissions.js";
import type { RoleScope } from "../roles.js";
import { contains, type MapView, type TerritoryRef } from "../territory.js";
import type { PhaseLevel } from "./progress.js";

/** Events one seat may be asked to hold in one phase. */
export const MAX_TARGET = 100;
/** The longest phase, in days. */
export const MAX_PHASE_DAYS = 366;

export const PHASE_LEVELS: readonly PhaseLevel[] = ["pc", "ac"];

export type PhaseProblem = "end_before_start" | "ended" | "too_long" | "bad_target";

export function canDefinePhases(actor: readonly RoleScope[]): Decision {
  if (actor.length === 0) return { allowed: false, reason: "no_role" };
  return actor.some((s) => s.role === "national_admin") ? { allowed: true } : { allowed: false, reason: "role_not_appointable" };
}

/** A new phase's numbers: a target of 1–100 events, an end on or after the start and not already past, ≤ 366 days. */
export function checkPhase(p: { target: number; startDay: string; endDay: string }, today: string): { ok: true } | { ok: false; problem: PhaseProblem } {
  if (!Number.isInteger(p.target) || p.target < 1 || p.target > MAX_TARGET) return { ok: false, problem: "bad_target" };
  if (p.endDay < p.startDay) return { ok: false, problem: "end_before_start" };
  if (p.endDay < today) return { ok: false, problem: "ended" };
  const days = (Date.parse(`${p.endDay}T00:00:00Z`) - Date.parse(`${p.startDay}T00:00:00Z`)) / 86_400_000 + 1;
  if (days > MAX_PHASE_DAYS) return { ok: false, problem: "too_long" };
  return { ok: true };
}

const RAISERS = ["national_admin", "cluster_head", "state_team"] as const;

/** May the actor raise targets for `territory` (a state, or a seat: a PC or an AC)? A raiser's area must contain it. */
export function canRaise(actor: readonly RoleScope[], territory: TerritoryRef, map: MapView): Decision {
  if (actor.length === 0) return { allowed: false, reason: "no_role" };
  const raisers = actor.filter((s) => (RAISERS as readonly string[]).includes(s.role));
  if (raisers.length === 0) return { allowed: false, reason: "role_not_appointable" };
  return raisers.some((s) => contains(map, s, territory)) ? { allowed: true } : { allowed: false, reason: "outside_scope" };
}

export type RaiseProblem = "not_higher" | "too_high" | "phase_over" | "wrong_level";

/**
 * A raise to `target` where the target now is `current`: only upward, at most MAX_TARGET, while the phase runs or
 * before it starts, and for a state or a seat of the phase's level.
 */
export function checkRaise(args: {
  target: number;
  current: number;
  phase: { level: PhaseLevel; endDay: string };
  territory: TerritoryRef;
  today: string;
}): { ok: true } | { ok: false; problem: RaiseProblem } {
  if (args.territory.level !== "state" && args.territory.level !== args.phase.level) return { ok: false, problem: "wrong_level" };
  if (args.today > args.phase.endDay) return { ok: false, problem: "phase_over" };
  if (!Number.isInteger(args.target) || args.target <= args.current) return { ok: false, problem: "not_higher" };
  if (args.target > MAX_TARGET) return { ok: false, problem: "too_high" };
  return { ok: true };
}
