// Marks for the rollups' running totals (db/models/rollupTotals.ts, services/rollupTotals.ts): a seat whose events or
// reports changed. Insert-only, one document per mark, so no two writers ever update one document.
import { Types } from "mongoose";
import type { Models } from "./models/index.js";
import { runOnce } from "./migrations/once.js";

/** Marks seats whose events or reports changed, for the next fold. Call after the change is stored. */
export async function markRollupSeats(models: Pick<Models, "RollupMark">, seats: readonly string[]): Promise<void> {
  const unique = [...new Set(seats)];
  if (unique.length === 0) return;
  await models.RollupMark.collection.insertMany(unique.map((seat) => ({ _id: `${seat}|${new Types.ObjectId().toHexString()}`, seat })) as never[]);
}

/**
 * The mark of a grant or revoke of a PC or AC seat: the next fold recomputes who holds which seat (rollup_holders).
 * Not a seat code (codes have no "@").
 */
export const HOLDERS_MARK = "@holders";

/** Marks the seat holders for the next fold. Call after the grant or revoke is stored. */
export function markRollupHolders(models: Pick<Models, "RollupMark">): Promise<void> {
  return markRollupSeats(models, [HOLDERS_MARK]);
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
