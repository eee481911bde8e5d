// The escalation ladder as a use case: for a level's daily rollup, record the step of every unreported event that
// has just reached that level (insert-only, one key per event and level: domain/escalation.ts), then read back the
// steps recorded for that day, so a re-run of the day's rollup, or a second instance, names exactly the same events
// and no other day's rollup names them again at that level. Each named event comes with its seat's holders.
import { trusted } from "mongoose";
import type { Models, PersonDoc } from "../db/models/index.js";
import { isDuplicateKey } from "../db/duplicateKey.js";
import { escalationStepKey, ladderStep, type EscalationDays, type EscalationLevel } from "../domain/escalation.js";
import type { EscalatedEvent, EscalationSection, Rollup, SeatHolder } from "../domain/rollup/types.js";

export interface EscalationService {
  /**
   * The escalation section of a rollup (null when nothing in its scope is overdue at its level). With `record`,
   * first takes the step for the events that reached the level within `windowMs` before the rollup's asOf.
   */
  section(args: { rollup: Rollup; days: EscalationDays; windowMs: number; record: boolean }): Promise<EscalationSection | null>;
}

type HolderRow = Pick<PersonDoc, "telegramId" | "firstName" | "lastName" | "username" | "roles">;

export function createEscalationService(models: Models, now: () => Date): EscalationService {
  const { EscalationStep, Person } = models;

  async function record(level: EscalationLevel, day: string, events: readonly { eventId: string; stateCode: string }[]): Promise<void> {
    const at = now();
    // One insert per step: the unique _id decides. Few at a time (events reaching the level within the window).
    await Promise.all(
      events.map((e) =>
        EscalationStep.create({ _id: escalationStepKey(level, e.eventId), eventId: e.eventId, level, day, stateCode: e.stateCode, at }).catch((err: unknown) => {
          if (!isDuplicateKey(err)) throw err;
        }),
      ),
    );
  }

  async function holdersOf(codes: readonly string[]): Promise<Map<string, SeatHolder[]>> {
    const out = new Map<string, SeatHolder[]>();
    if (codes.length === 0) return out;
    const rows = await Person.find(
      { "roles.code": trusted({ $in: [...new Set(codes)] }) },
      { _id: 0, telegramId: 1, firstName: 1, lastName: 1, username: 1, roles: 1 },
    ).lean<HolderRow[]>();
    rows.sort((a, b) => a.telegramId - b.telegramId);
    for (const p of rows) {
      const name = [p.firstName, p.lastName].filter(Boolean).join(" ").trim() || (p.username ? `@${p.username}` : String(p.telegramId));
      for (const g of p.roles ?? []) {
        if (g.role !== "pc_incharge" && g.role !== "ac_incharge") continue;
        const list = out.get(`${g.role}|${g.code}`) ?? [];
        list.push({ telegramId: p.telegramId, name, username: p.username ?? null });
        out.set(`${g.role}|${g.code}`, list);
      }
    }
    return out;
  }

  return {
    async section({ rollup, days, windowMs, record: take }) {
      const level: EscalationLevel = rollup.scope.level;
      const { overdue, overdueCount, reachingNow } = ladderStep(rollup.pending, level, rollup.asOf, days, windowMs);
      if (overdueCount === 0) return null;
      if (take && reachingNow.length > 0) await record(level, rollup.day, reachingNow);
      // Read back after inserting: whoever inserted a step first, everyone running this day's rollup names it.
      const steps = await EscalationStep.find({ level, day: rollup.day }, { _id: 0, eventId: 1 }).lean<{ eventId: string }[]>();
      const today = new Set(steps.map((s) => s.eventId));
      const named = overdue.filter((e) => today.has(e.eventId));
      const seatOf = (e: (typeof named)[number]) =>
        e.acCode ? { role: "ac_incharge" as const, code: e.acCode } : { role: "pc_incharge" as const, code: e.pcCode };
      const holders = await holdersOf(named.map((e) => seatOf(e).code));
      const lines: EscalatedEvent[] = named.map((e) => {
        const seat = seatOf(e);
        return { ...e, seat, holders: holders.get(`${seat.role}|${seat.code}`) ?? [] };
      });
      return { level, days: days[level], named: lines, earlier: overdueCount - named.length };
    },
  };
}
