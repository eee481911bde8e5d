// createScheduler(deps): reminders, escalations and the daily rollup, run exactly once per period across restarts
// and several running copies of the bot. node-cron (in the configured time zone) only triggers; each trigger runs
// whatever is due by the clock (jobs/runner.ts), claimed per job and period in MongoDB (jobs/jobRuns.ts), and every
// message goes through the outbox under its own idempotency key. start() also runs a catch-up at once: the periods
// missed within the last 48 hours (e.g. while the bot was down) run once.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { schedule as cronSchedule } from "node-cron";
import type { SchedulerConfig } from "../config.js";
import type { I18n } from "../i18n.js";
import type { Logger } from "../logger.js";
import type { Services } from "../services/index.js";
import type { Outbox } from "./outbox.js";
import { CATCH_UP_MS, dailyCron } from "./periods.js";
import { createReminderJob } from "./reminderJob.js";
import { createRollupJob } from "./rollupJob.js";
import { createPruneJob } from "./pruneJob.js";
import { createJobRunner, type JobDefinition, type TickReport } from "./runner.js";

export type SchedulerServices = Pick<Services, "events" | "recipients" | "map" | "rollups" | "jobRunsFor" | "escalations" | "coverage" | "progress">;

/** How a trigger is scheduled: node-cron by default; tests pass their own to see what was scheduled. */
export type CronSchedule = (expression: string, fn: () => void, options: { timezone: string; name: string }) => { stop(): unknown };

export interface SchedulerDeps {
  /** The use cases the jobs go through (never the models). */
  services: SchedulerServices;
  i18n: I18n;
  logger: Logger;
  now: () => Date;
  timeZone: string;
  config: SchedulerConfig;
  outbox: Outbox;
  /**
   * More jobs to run on the same triggers (each trigger runs every job's due periods), e.g. ending idle
   * conversations every few minutes: { name, leaseMs, duePeriods: (now) => [minutePeriod(now)], run }.
   */
  extraJobs?: readonly JobDefinition[];
  /** Names this process in job runs (default: host, pid and a random suffix). */
  instanceId?: string;
  cron?: CronSchedule;
  /** After every job run this copy claimed (metrics). */
  onJobRun?: (job: string, outcome: string) => void;
}

export interface Scheduler {
  /** Schedules the triggers and starts the catch-up run (in the background: start-up is not held up by it). */
  start(): Promise<void>;
  /** Stops the triggers and waits for a run in progress. Idempotent. */
  stop(): Promise<void>;
  /** Runs what is due now (all jobs, or the named ones); the triggers call this. */
  tick(jobs?: readonly string[]): Promise<TickReport>;
  readonly instanceId: string;
}

const defaultCron: CronSchedule = (expression, fn, options) =>
  cronSchedule(expression, fn, { timezone: options.timezone, name: options.name, noOverlap: true });

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { services, i18n, logger, now, timeZone, config, outbox } = deps;
  const instanceId = deps.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const { events, recipients, map, rollups } = services;
  const log = logger.child({ component: "scheduler", instance: instanceId });
  const jobRuns = services.jobRunsFor(instanceId);

  const reminders = createReminderJob({
    events,
    recipients,
    map,
    rollups,
    i18n,
    outbox,
    now,
    zone: timeZone,
    logger: log,
    settings: {
      hoursBefore: config.reminderHoursBefore,
      reportRequestHoursAfter: config.reportRequestHoursAfter,
      escalationHoursAfter: config.escalationHoursAfter,
      catchUpMs: CATCH_UP_MS,
    },
  });
  const rollup = createRollupJob({
    map,
    recipients,
    rollups,
    coverage: services.coverage,
    escalations: services.escalations,
    progress: services.progress,
    escalationDays: config.escalationDays,
    i18n,
    outbox,
    zone: timeZone,
    time: config.rollupTime,
    logger: log,
  });
  const runner = createJobRunner({
    jobs: [reminders, rollup, createPruneJob({ jobRuns, now, zone: timeZone }), ...(deps.extraJobs ?? [])],
    jobRuns,
    now,
    logger: log,
    ...(deps.onJobRun ? { onRun: deps.onJobRun } : {}),
  });

  const cron = deps.cron ?? defaultCron;
  let tasks: { stop(): unknown }[] = [];
  let state: "new" | "started" | "stopped" = "new";
  let stopping: Promise<void> | undefined;

  const trigger = (jobs?: readonly string[]) => {
    if (state !== "started") return;
    runner.tick(jobs).catch((err: unknown) => log.error({ err }, "scheduler tick failed"));
  };

  return {
    instanceId,
    tick: (jobs) => runner.tick(jobs),
    async start() {
      if (state !== "new") return;
      state = "started";
      // Every trigger looks at every job: the rollup's trigger is its time of day; the frequent reminder trigger
      // also retries a rollup whose owner crashed, once its lease has passed.
      tasks = [
        cron(dailyCron(config.rollupTime), () => trigger(), { timezone: timeZone, name: "rollup" }),
        cron(config.reminderScanCron, () => trigger(), { timezone: timeZone, name: "reminders" }),
      ];
      log.info(
        { rollupTime: config.rollupTime, reminderScanCron: config.reminderScanCron, timeZone },
        "scheduler started; catching up on periods missed within 48 hours",
      );
      trigger();
    },
    stop() {
      return (stopping ??= (async () => {
        state = "stopped";
        for (const task of tasks) await task.stop();
        tasks = [];
        await runner.idle();
      })());
    },
  };
}
