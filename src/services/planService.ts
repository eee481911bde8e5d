// Campaign plans as a use case: the national office defines phases (programme, level, events per seat, dates);
// cluster in-charges and state teams raise, never lower, the target of a state's seats or of one seat. Every
// change and every refusal is audited. Exactly once: a phase is inserted under its draft's key, a raise under
// "<phase>:<area>:<target>", so a replayed Confirm or a double tap stores one.
import { randomBytes } from "node:crypto";
import { trusted } from "mongoose";
import type { Models, PlanPhaseDoc, PlanRaiseDoc } from "../db/models/index.js";
import { planRaiseId } from "../db/models/plan.js";
import type { DenyReason } from "../domain/permissions.js";
import type { PhaseLevel, PhaseSpec, PlanRaise } from "../domain/plans/progress.js";
import { canDefinePhases, canRaise, checkPhase, checkRaise, type PhaseProblem, type RaiseProblem } from "../domain/plans/rules.js";
import { localDay } from "../domain/rollup/day.js";
import { stateOf, type MapView, type TerritoryRef } from "../domain/territory.js";
import type { AuditService } from "./auditService.js";
import { isDuplicateKey } from "./claims.js";
import type { Actor } from "./eventService.js";
import type { MapService } from "./mapService.js";
import type { ProgrammeService } from "./programmeService.js";

export interface PhaseInput {
  programmeKey: string;
  level: PhaseLevel;
  target: number;
  startDay: string;
  endDay: string;
}

export type CreatePhaseResult =
  | { ok: true; phase: PhaseSpec; created: boolean }
  | { ok: false; reason: DenyReason | PhaseProblem | "no_programme" };

export type RaiseResult =
  | { ok: true; target: number; previous: number; created: boolean }
  | { ok: false; reason: DenyReason | RaiseProblem | "no_phase" | "no_territory"; current?: number };

export interface PlanService {
  createPhase(args: { actor: Actor; input: PhaseInput; confirmKey: string }): Promise<CreatePhaseResult>;
  /** Phases not over by `day` (running or ahead), soonest start first. */
  currentPhases(day: string): Promise<PhaseSpec[]>;
  getPhase(id: string): Promise<PhaseSpec | null>;
  /** The raises of a phase in these states (all states when omitted). */
  raises(phaseId: string, stateCodes?: readonly string[]): Promise<PlanRaise[]>;
  /** The target of a state (what every seat of it is asked at least) or of one seat, today. */
  targetOf(phase: PhaseSpec, territory: TerritoryRef): Promise<number>;
  raise(args: { actor: Actor; phaseId: string; territory: TerritoryRef; target: number }): Promise<RaiseResult>;
}

export function toPhaseSpec(d: Pick<PlanPhaseDoc, "_id" | "programmeKey" | "level" | "target" | "startDay" | "endDay">): PhaseSpec {
  return { id: d._id, programmeKey: d.programmeKey, level: d.level, target: d.target, startDay: d.startDay, endDay: d.endDay };
}

const PHASE_FIELDS = { _id: 1, programmeKey: 1, level: 1, target: 1, startDay: 1, endDay: 1 };

export function createPlanService(deps: {
  models: Models;
  now: () => Date;
  zone: string;
  audit: AuditService;
  map: Pick<MapService, "loadMapView" | "getState" | "getPc" | "getAc">;
  programmes: Pick<ProgrammeService, "get">;
}): PlanService {
  const { models, now, zone, audit } = deps;
  const { PlanPhase, PlanRaise } = models;

  const refuse = async (actor: Actor, action: string, reason: string, details: Record<string, unknown>) => {
    await audit.record({ actorId: actor.telegramId, action, outcome: "denied", reason, details });
  };

  async function getPhase(id: string): Promise<PhaseSpec | null> {
    if (typeof id !== "string" || !/^ph-[a-f0-9]{1,24}$/.test(id)) return null;
    const doc = await PlanPhase.findById(id, PHASE_FIELDS).lean<PlanPhaseDoc>();
    return doc ? toPhaseSpec(doc) : null;
  }

  async function raises(phaseId: string, stateCodes?: readonly string[]): Promise<PlanRaise[]> {
    const rows = await PlanRaise.find(
      { phaseId, ...(stateCodes ? { stateCode: trusted({ $in: [...stateCodes] }) } : {}) },
      { _id: 0, level: 1, code: 1, target: 1, day: 1 },
    ).lean<Pick<PlanRaiseDoc, "level" | "code" | "target" | "day">[]>();
    return rows.map((r) => ({ level: r.level, code: r.code, target: r.target, day: r.day }));
  }

  async function targetOf(phase: PhaseSpec, territory: TerritoryRef): Promise<number> {
    const state = stateOf(territory);
    if (!state) return phase.target;
    const rows = await raises(phase.id, [state]);
    const apply = rows.filter((r) => r.level === "state" || r.code === territory.code);
    return Math.max(phase.target, ...apply.map((r) => r.target));
  }

  async function exists(ref: TerritoryRef): Promise<boolean> {
    if (ref.level === "state") return (await deps.map.getState(ref.code)) !== null;
    if (ref.level === "pc") return (await deps.map.getPc(ref.code)) !== null;
    if (ref.level === "ac") return (await deps.map.getAc(ref.code)) !== null;
    return false;
  }

  return {
    async createPhase({ actor, input, confirmKey }) {
      const action = "plans.phase.create";
      const allowed = canDefinePhases(actor.scopes);
      if (!allowed.allowed) {
        await refuse(actor, action, allowed.reason, { ...input });
        return { ok: false, reason: allowed.reason };
      }
      const checked = checkPhase(input, localDay(now(), zone));
      if (!checked.ok) return { ok: false, reason: checked.problem };
      if (!(input.level === "pc" || input.level === "ac") || !(await deps.programmes.get("programme", input.programmeKey))) {
        return { ok: false, reason: "no_programme" };
      }
      const doc: PlanPhaseDoc = { _id: `ph-${randomBytes(6).toString("hex")}`, ...input, createdBy: actor.telegramId, createdAt: now(), confirmKey };
      try {
        await PlanPhase.create(doc);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // The same draft confirmed again (a replay, a second copy of the summary): the phase it made.
        const existing = await PlanPhase.findOne({ confirmKey }, PHASE_FIELDS).lean<PlanPhaseDoc>();
        if (existing) return { ok: true, phase: toPhaseSpec(existing), created: false };
        throw err;
      }
      await audit.record({ actorId: actor.telegramId, action, outcome: "ok", details: { phaseId: doc._id, ...input } });
      return { ok: true, phase: toPhaseSpec(doc), created: true };
    },

    async currentPhases(day) {
      const docs = await PlanPhase.find({ endDay: trusted({ $gte: day }) }, PHASE_FIELDS).lean<PlanPhaseDoc[]>();
      return docs.map(toPhaseSpec).sort((a, b) => a.startDay.localeCompare(b.startDay) || a.id.localeCompare(b.id));
    },

    getPhase,
    raises,
    targetOf,

    async raise({ actor, phaseId, territory, target }) {
      const action = "plans.target.raise";
      const details = { phaseId, level: territory.level, code: territory.code, target };
      const phase = await getPhase(phaseId);
      if (!phase) {
        await refuse(actor, action, "no_phase", details);
        return { ok: false, reason: "no_phase" };
      }
      const map: MapView = await deps.map.loadMapView();
      const allowed = canRaise(actor.scopes, territory, map);
      if (!allowed.allowed) {
        await refuse(actor, action, allowed.reason, details);
        return { ok: false, reason: allowed.reason };
      }
      if (!(await exists(territory))) {
        await refuse(actor, action, "no_territory", details);
        return { ok: false, reason: "no_territory" };
      }
      // The same raise asked again (a double tap on a second copy): already stored, not a refusal.
      const same = await PlanRaise.findById(planRaiseId(phase.id, territory.code, target), { _id: 1 }).lean();
      if (same) return { ok: true, target, previous: target, created: false };
      const current = await targetOf(phase, territory);
      const today = localDay(now(), zone);
      const checked = checkRaise({ target, current, phase, territory, today });
      if (!checked.ok) {
        await refuse(actor, action, checked.problem, { ...details, current });
        return { ok: false, reason: checked.problem, current };
      }
      try {
        await PlanRaise.create({
          _id: planRaiseId(phase.id, territory.code, target),
          phaseId: phase.id,
          // checkRaise let only a state or a seat of the phase's level through.
          level: territory.level as PlanRaiseDoc["level"],
          code: territory.code,
          stateCode: stateOf(territory)!,
          target,
          day: today,
          by: actor.telegramId,
          at: now(),
        });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        return { ok: true, target, previous: current, created: false };
      }
      await audit.record({ actorId: actor.telegramId, action, outcome: "ok", details: { ...details, previous: current } });
      return { ok: true, target, previous: current, created: true };
    },
  };
}
