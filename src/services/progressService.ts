// Progress and pace of the running phases, for a scope: the country, a cluster, a state, or one seat (a PC
// in-charge's PC, with its ACs for an assembly phase; an AC in-charge's AC). Reads within what FerretDB 1.24 does:
// finds with projections on indexed fields (events by state and start, void reports by status), the joins and sums in
// TypeScript (domain/plans/progress.ts).
import { trusted } from "mongoose";
import type { Models, PersonDoc } from "../db/models/index.js";
import {
  computeProgress,
  isRunning,
  type PhaseSpec,
  type ProgressEvent,
  type ProgressScope,
  type ProgressSeat,
  type ScopeProgress,
} from "../domain/plans/progress.js";
import { dayWindow, localDay } from "../domain/rollup/day.js";
import type { SeatHolder } from "../domain/rollup/types.js";
import { stateOf } from "../domain/territory.js";
import type { PlanService } from "./planService.js";
import type { RollupDataSource } from "./rollupData.js";

export type { ProgressScope, ScopeProgress };

export interface ProgressService {
  /** One entry per running phase that has seats in the scope, soonest started first. */
  forScope(args: { scope: ProgressScope; asOf: Date }): Promise<ScopeProgress[]>;
}

export function createProgressService(deps: {
  models: Models;
  plans: Pick<PlanService, "currentPhases" | "raises">;
  data: Pick<RollupDataSource, "loadMap">;
  zone: string;
  graceDays: number;
}): ProgressService {
  const { models, zone } = deps;

  async function forPhase(phase: PhaseSpec, scope: ProgressScope, asOf: Date, day: string): Promise<ScopeProgress | null> {
    const map = await deps.data.loadMap();
    const pool: ProgressSeat[] =
      phase.level === "pc" ? map.pcs.map((p) => ({ code: p.code, stateCode: p.stateCode, pcCode: p.code })) : map.acs.map((a) => ({ ...a }));
    let seats: ProgressSeat[];
    switch (scope.level) {
      case "country":
        seats = pool;
        break;
      case "cluster": {
        const states = new Set(map.clusters.find((c) => c.key === scope.code)?.stateCodes ?? []);
        seats = pool.filter((s) => states.has(s.stateCode));
        break;
      }
      case "state":
        seats = pool.filter((s) => s.stateCode === scope.code);
        break;
      case "pc":
        seats = pool.filter((s) => s.pcCode === scope.code);
        break;
      case "ac":
        seats = pool.filter((s) => s.code === scope.code);
        break;
    }
    if (seats.length === 0) return null;
    const states = [...new Set(seats.map((s) => s.stateCode))];
    const inStates = scope.level === "country" ? {} : { stateCode: trusted({ $in: states }) };
    const window = { $gte: dayWindow(phase.startDay, zone).start, $lt: dayWindow(phase.endDay, zone).end };
    const role = phase.level === "pc" ? "pc_incharge" : "ac_incharge";
    const [events, voids, raises, people] = await Promise.all([
      models.Event.find(
        { ...inStates, startsAt: trusted(window), programmeKey: phase.programmeKey, level: phase.level, status: "planned" },
        { _id: 1, code: 1, startsAt: 1, reportedAt: 1 },
      ).lean<{ _id: { toHexString(): string }; code: string; startsAt: Date; reportedAt?: Date | null }[]>(),
      // Void reports leave the figures (domain/review.ts); they are few, so only they are read.
      models.Report.find(
        { ...inStates, reviewStatus: "void", eventStartsAt: trusted(window), programmeKey: phase.programmeKey },
        { _id: 0, eventId: 1 },
      ).lean<{ eventId: { toHexString(): string } }[]>(),
      deps.plans.raises(phase.id, states),
      models.Person.find({ "roles.role": role }, { _id: 0, telegramId: 1, firstName: 1, lastName: 1, username: 1, roles: 1 }).lean<
        Pick<PersonDoc, "telegramId" | "firstName" | "lastName" | "username" | "roles">[]
      >(),
    ]);
    const voided = new Set(voids.map((v) => v.eventId.toHexString()));
    const seatCodes = new Set(seats.map((s) => s.code));
    const holders = new Map<string, number[]>();
    const contacts = new Map<number, SeatHolder>();
    for (const p of people) {
      for (const g of p.roles ?? []) {
        if (g.role !== role || !seatCodes.has(g.code)) continue;
        holders.set(g.code, [...(holders.get(g.code) ?? []), p.telegramId]);
        contacts.set(p.telegramId, { telegramId: p.telegramId, name: displayName(p), username: p.username ?? null });
      }
    }
    const phaseEvents: ProgressEvent[] = events.map((e) => ({
      code: e.code,
      startsAt: e.startsAt,
      held: e.reportedAt != null && !voided.has(e._id.toHexString()),
    }));
    const progress = computeProgress({
      phase,
      raises,
      seats,
      holders,
      events: phaseEvents,
      clusters: map.clusters,
      day,
      asOf,
      graceDays: deps.graceDays,
      totalKey: scope.code,
    });
    return { scope, progress, people: contacts };
  }

  return {
    async forScope({ scope, asOf }) {
      if (scope.level !== "country" && scope.level !== "cluster" && !stateOf(scope)) return [];
      const day = localDay(asOf, zone);
      const phases = (await deps.plans.currentPhases(day)).filter((p) => isRunning(p, day));
      const out: ScopeProgress[] = [];
      for (const phase of phases) {
        const one = await forPhase(phase, scope, asOf, day);
        if (one) out.push(one);
      }
      return out;
    },
  };
}

function displayName(p: Pick<PersonDoc, "firstName" | "lastName" | "username" | "telegramId">): string {
  const name = [p.firstName, p.lastName].filter(Boolean).join(" ").trim();
  return name || (p.username ? `@${p.username}` : String(p.telegramId));
}
