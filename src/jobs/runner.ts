// The job runner: on every trigger (a cron tick, or start-up), each job's due periods are run once, in order, through
// JobRuns (one owner per period across instances, with a lease). Cron only says "look now": what is due is derived
// from the clock and the job runs, so a missed tick, a restart or a second instance changes nothing.
import type { Logger } from "../logger.js";
import type { JobRuns, RunOutcome } from "../services/jobRunService.js";

export interface JobDefinition {
  name: string;
  /** How long an owner may hold a period before another instance may take it over. */
  leaseMs: number;
  /**
   * The periods to run now, oldest first (within the catch-up window; done ones are skipped by the runner).
   * `installedAt`: when the scheduler first ran on this database (a new installation has no missed periods).
   */
  duePeriods(now: Date, installedAt: Date): string[];
  run(period: string): Promise<Record<string, unknown> | void>;
}

export interface TickReport {
  at: Date;
  runs: { job: string; period: string; outcome: RunOutcome["status"]; summary?: Record<string, unknown> }[];
}

export interface JobRunner {
  /** Runs every due period of every job (or of the named ones). Overlapping calls share the run in progress. */
  tick(jobs?: readonly string[]): Promise<TickReport>;
  /** Resolves when the run in progress (if any) has finished. */
  idle(): Promise<void>;
}

export function createJobRunner(deps: {
  jobs: readonly JobDefinition[];
  jobRuns: JobRuns;
  now: () => Date;
  logger: Logger;
  /** After every claimed run, whatever its outcome (the metrics' job runs). */
  onRun?: (job: string, outcome: RunOutcome["status"]) => void;
}): JobRunner {
  const { jobs, jobRuns, now, logger } = deps;
  let inFlight: Promise<TickReport> | undefined;
  let queued: { names: Set<string> | undefined; promise: Promise<TickReport> } | undefined;

  let installed: Date | undefined;

  async function runJobs(names: ReadonlySet<string> | undefined): Promise<TickReport> {
    const report: TickReport = { at: now(), runs: [] };
    try {
      installed ??= await jobRuns.installedAt();
    } catch (err) {
      logger.error({ err }, "job runs unreadable; the next trigger tries again");
      return report;
    }
    for (const job of jobs) {
      if (names && !names.has(job.name)) continue;
      let periods: string[];
      try {
        periods = job.duePeriods(now(), installed);
      } catch (err) {
        logger.error({ err, job: job.name }, "could not work out due periods");
        continue;
      }
      for (const period of periods) {
        let outcome: RunOutcome;
        try {
          outcome = await jobRuns.runOnce(job.name, period, () => job.run(period), { leaseMs: job.leaseMs });
        } catch (err) {
          // The database is unreachable or similar: the next trigger tries again.
          logger.error({ err, job: job.name, period }, "job run could not be claimed");
          continue;
        }
        logOutcome(logger, job.name, period, outcome);
        deps.onRun?.(job.name, outcome.status);
        report.runs.push({
          job: job.name,
          period,
          outcome: outcome.status,
          ...(outcome.status === "ran" ? { summary: outcome.summary } : {}),
        });
      }
    }
    return report;
  }

  function tick(names?: readonly string[]): Promise<TickReport> {
    const wanted = names ? new Set(names) : undefined;
    if (!inFlight) {
      inFlight = runJobs(wanted).finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    }
    // A trigger during a run: run once more afterwards (it may be for a period that became due meanwhile).
    if (!queued) {
      const after = inFlight.catch(() => undefined);
      const entry: { names: Set<string> | undefined; promise: Promise<TickReport> } = {
        names: wanted,
        promise: after.then(() => {
          const run = entry.names;
          queued = undefined;
          return tick(run ? [...run] : undefined);
        }),
      };
      queued = entry;
    } else if (queued.names && wanted) {
      for (const n of wanted) queued.names.add(n);
    } else {
      queued.names = undefined;
    }
    return queued.promise;
  }

  return {
    tick,
    async idle() {
      while (inFlight || queued) await (queued?.promise ?? inFlight)?.catch(() => undefined);
    },
  };
}

function logOutcome(logger: Logger, job: string, period: string, outcome: RunOutcome): void {
  switch (outcome.status) {
    case "ran":
      logger.info({ job, period, attempt: outcome.attempt, ...outcome.summary }, "job ran");
      break;
    case "failed":
      logger.error({ job, period, attempt: outcome.attempt, err: outcome.error }, "job failed; a later trigger retries it");
      break;
    case "gave_up":
      logger.error({ job, period, attempts: outcome.attempts }, "job failed too often; not retried");
      break;
    case "busy":
      logger.debug({ job, period, owner: outcome.owner }, "job run held by another instance");
      break;
    case "done":
      break;
  }
}
