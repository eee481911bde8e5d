// Keeps job_runs small: the reminder scan leaves two documents per run (its attempt and its done marker), about
// 600 a day. Runs older than two weeks are past any catch-up window and only served as a log: deleted once a day.
import type { JobRuns } from "../services/jobRunService.js";
import { dueDays, sinceInstalled } from "./periods.js";
import type { JobDefinition } from "./runner.js";

export const PRUNE_JOB = "job-runs.prune";
export const KEEP_RUNS_MS = 14 * 24 * 60 * 60 * 1000;

export function createPruneJob(deps: { jobRuns: Pick<JobRuns, "pruneBefore">; now: () => Date; zone: string }): JobDefinition {
  return {
    name: PRUNE_JOB,
    leaseMs: 10 * 60_000,
    // 03:30 local: a quiet hour.
    duePeriods: (now, installedAt) => dueDays(now, { hour: 3, minute: 30 }, deps.zone, sinceInstalled(installedAt)),
    async run() {
      const before = new Date(deps.now().getTime() - KEEP_RUNS_MS);
      return { deleted: await deps.jobRuns.pruneBefore(before) };
    },
  };
}
