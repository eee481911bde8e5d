// Folds the rollups' running totals every minute (services/rollupTotals.ts), so that a rollup asked for at any time
// only recomputes (without writing) the seats changed in the last minute. A minute's run is claimed once across copies like every job; a
// run cut short leaves its marks for the next one.
import type { RollupTotals } from "../services/rollupTotals.js";
import { minutePeriod } from "./periods.js";
import type { JobDefinition } from "./runner.js";

export const ROLLUP_TOTALS_JOB = "rollup.totals";

export function createRollupTotalsJob(deps: { totals: Pick<RollupTotals, "fold"> }): JobDefinition {
  return {
    name: ROLLUP_TOTALS_JOB,
    leaseMs: 5 * 60_000,
    duePeriods: (now) => [minutePeriod(now)],
    run: async () => ({ seats: await deps.totals.fold() }),
  };
}
