// Marks for the rollups' running totals (db/models/rollupTotals.ts, services/rollupTotals.ts): a seat whose events or
// reports changed. Insert-only, one document per mark, so no two writers ever update one document.
import { Types } from "mongoose";
import type { Models } from "./models/index.js";
import type { RollupMarkDoc } from "./models/rollupTotals.js";
import { runOnce } from "./migrations/once.js";

function insertMarks(models: Pick<Models, "RollupMark">, marks: readonly Omit<RollupMarkDoc, "_id">[]): Promise<unknown> {
  return models.RollupMark.collection.insertMany(marks.map((m) => ({ _id: `${m.seat}|${new Types.ObjectId().toHexString()}`, ...m })) as never[]);
}

/**
 * Marks seats whose records changed in ways not told event by event (a bulk import, a write around the services),
 * for the next fold, which reads all of each seat's records. Call after the change is stored.
 */
export async function markRollupSeats(models: Pick<Models, "RollupMark">, seats: readonly string[]): Promise<void> {
  const unique = [...new Set(seats)];
  if (unique.length > 0) await insertMarks(models, unique.map((seat) => ({ seat })));
}

/**
 * Marks events (or their reports) that changed, each with its seat (its code), for the next fold, which reads only
 * them. Call after the change is stored.
 */
export async function markRollupEvents(models: Pick<Models, "RollupMark">, events: readonly { code: string; eventId: string }[]): Promise<void> {
  const unique = new Map(events.map((e) => [`${e.code}|${e.eventId}`, { seat: e.code, event: e.eventId }]));
  if (unique.size > 0) await insertMarks(models, [...unique.values()]);
}

/** Marks seats whose days kept as rows must move on (nothing in their records changed): folded from their ledgers. */
export async function markRollupRows(models: Pick<Models, "RollupMark">, seats: readonly string[]): Promise<void> {
  const unique = [...new Set(seats)];
  if (unique.length > 0) await insertMarks(models, unique.map((seat) => ({ seat, rows: true })));
}

/**
 * The mark of a grant or revoke of a PC or AC seat: the next fold recomputes who holds which seat (rollup_holders).
 * Not a seat code (codes have no "@").
 */
export const HOLDERS_MARK = "@holders";

/** Marks the seat holders for the next fold. Call after the grant or revoke is stored. */
export async function markRollupHolders(models: Pick<Models, "RollupMark">): Promise<void> {
  await insertMarks(models, [{ seat: HOLDERS_MARK }]);
}

const DONE_MARKER = "rollup-totals-marked";

/**
 * Once per database: marks every seat with an event, so that the first fold builds the totals of records stored
 * before running totals existed. Returns how many seats it marked (0 when done before).
 */
export function markRollupSeatsOnce(models: Pick<Models, "Event" | "RollupMark">, now: () => Date): Promise<number> {
  return runOnce(models.Event.db, DONE_MARKER, now, async () => {
    const seats = (await models.Event.distinct("code")).map(String);
    for (let i = 0; i < seats.length; i += 1000) await markRollupSeats(models, seats.slice(i, i + 1000));
    return seats.length;
  });
}
