// The gaps of an area as a use case: for each state in the actor's scope (national office, cluster in-charge, state
// team), the seats nobody holds, the seats whose holder blocked the bot or never started it, the Lok Sabha seats with nothing planned and
// the events held without a report (domain/gaps.ts does the counting).
import { trusted } from "mongoose";
import type { Models } from "../db/models/index.js";
import { computeGaps, type GapEvent, type GapHolder, type GapInvite, type StateGaps } from "../domain/gaps.js";
import { reviewerScopes } from "../domain/review.js";
import type { Actor } from "./eventService.js";
import type { PersonService } from "./personService.js";

export interface GapService {
  /** Every state of the actor's area, in the map's order; refused to roles that oversee no area. */
  gaps(actor: Actor, filter?: { stateCode?: string }): Promise<{ ok: true; states: StateGaps[] } | { ok: false; reason: "no_role" | "outside_scope" }>;
}

export function createGapService(deps: {
  models: Models;
  now: () => Date;
  people: Pick<PersonService, "listWithRolesIn">;
  statesInScope: (scopes: Actor["scopes"]) => Promise<"all" | string[]>;
}): GapService {
  const { models, now } = deps;
  return {
    async gaps(actor, filter = {}) {
      if (reviewerScopes(actor.scopes).length === 0) return { ok: false, reason: "no_role" };
      const scope = await deps.statesInScope(actor.scopes);
      const all = (await models.State.find({}, { _id: 0, code: 1 }).sort({ code: 1 }).lean<{ code: string }[]>()).map((s) => s.code);
      let states = scope === "all" ? all : all.filter((c) => scope.includes(c));
      if (filter.stateCode) {
        if (!states.includes(filter.stateCode)) return { ok: false, reason: "outside_scope" };
        states = [filter.stateCode];
      }
      const at = now();
      const inStates = { stateCode: trusted({ $in: states }) };
      const seatCodes = { $regex: states.map((c) => `^${c}:`).join("|") || "^$" };
      const [pcs, acs, people, events, invites] = await Promise.all([
        models.Pc.find(inStates, { _id: 0, code: 1, stateCode: 1, no: 1 }).sort({ stateCode: 1, no: 1 }).lean<{ code: string; stateCode: string }[]>(),
        models.Ac.find(inStates, { _id: 0, code: 1, stateCode: 1, no: 1 }).sort({ stateCode: 1, no: 1 }).lean<{ code: string; stateCode: string }[]>(),
        deps.people.listWithRolesIn(states),
        // What is ahead (anything planned from now on) and what is held without a report, over the campaign.
        models.Event.find(
          { ...inStates, status: "planned", $or: [{ startsAt: trusted({ $gte: at }) }, { startsAt: trusted({ $lt: at }), reportedAt: null }] },
          { _id: 0, stateCode: 1, pcCode: 1, startsAt: 1, status: 1, reportedAt: 1 },
        ).lean<{ stateCode: string; pcCode: string; startsAt: Date; status: "planned" | "cancelled"; reportedAt?: Date | null }[]>(),
        // Links that went out for a seat and were never used nor withdrawn: invited, never started.
        models.Invite.find(
          { role: trusted({ $in: ["pc_incharge", "ac_incharge"] }), code: trusted(seatCodes), usedBy: null, revokedAt: null },
          { _id: 0, role: 1, code: 1 },
        ).lean<GapInvite[]>(),
      ]);
      const holders: GapHolder[] = [];
      for (const p of people) {
        for (const g of p.roles ?? []) {
          if (g.role === "pc_incharge" || g.role === "ac_incharge") holders.push({ role: g.role, code: g.code, telegramId: p.telegramId, blocked: Boolean(p.blockedBotAt), started: hasStarted(p) });
        }
      }
      const gapEvents: GapEvent[] = events.map((e) => ({ stateCode: e.stateCode, pcCode: e.pcCode, startsAt: e.startsAt, status: e.status, reported: e.reportedAt != null }));
      return { ok: true, states: computeGaps({ stateCodes: states, pcs, acs, holders, invites, events: gapEvents, now: at }) };
    },
  };
}

/**
 * Whether a person ever wrote to the bot. Every update records the sender's Telegram first name, which Telegram
 * never leaves empty (personService.touch); a person known only by id (bootstrap admins, anyone seated by id) has "".
 */
export function hasStarted(p: { firstName?: string | null }): boolean {
  return Boolean(p.firstName);
}
