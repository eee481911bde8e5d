// Long scenarios (thousands of recipients) run scaled down in `npm test`, so that it stays quick, and in full with
// FULL_SCENARIOS=1 (`npm run test:full`, which CI runs too). A scenario's test is tagged "scenario" (vitest.config.ts)
// so that `npm run test:full` runs only those.

/** True when FULL_SCENARIOS=1: run long scenarios at their full size. */
export const fullScenarios = process.env.FULL_SCENARIOS === "1";

/** `full` under FULL_SCENARIOS=1, else `quick`. */
export function scenarioSize(full: number, quick: number): number {
  return fullScenarios ? full : quick;
}
