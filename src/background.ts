// The background half of the app: the delivery worker (sends everything queued in the outbox within Telegram's
// limits) and the scheduler (reminders, escalations, daily rollups, ending idle conversations). Both are safe to run
// in several copies of the bot at once: work is claimed in MongoDB, and only the copy holding the sender lease sends
// (delivery/senderLease.ts), so that all copies together keep to Telegram's limits.
import type { Api } from "grammy";
import type { Config } from "./config.js";
import type { Models } from "./db/models/index.js";
import type { I18n } from "./i18n.js";
import type { Logger } from "./logger.js";
import type { Services } from "./services/index.js";
import { createDeliveryWorker, type DeliveryWorker } from "./delivery/index.js";
import { createDirectiveProgress } from "./bot/directiveProgress.js";
import { blockedNoticeHook } from "./jobs/blockedNotice.js";
import { deliveryOutbox } from "./jobs/deliveryOutbox.js";
import { endIdleConversations } from "./services/idleConversations.js";
import { minutePeriod } from "./jobs/periods.js";
import type { JobDefinition } from "./jobs/runner.js";
import { createScheduler, type Scheduler } from "./jobs/scheduler.js";
import { createPhotoJob } from "./jobs/photoJob.js";
import { createRollupTotalsJob } from "./jobs/rollupTotalsJob.js";
import { createDirectiveRepingJob } from "./jobs/directiveRepingJob.js";
import { createDirectiveRenderer } from "./bot/directiveMessages.js";

export const IDLE_CONVERSATIONS_JOB = "conversations.idle";
export const START_LIMIT_WINDOWS_JOB = "start-limits.close";

export interface Background {
  worker: DeliveryWorker;
  scheduler: Scheduler | undefined;
  stop(): Promise<void>;
}

export interface BackgroundDeps {
  config: Pick<Config, "timeZone" | "scheduler"> & Partial<Pick<Config, "directiveRepingHours" | "senderLeaseMs">>;
  models: Models;
  services: Services;
  i18n: I18n;
  logger: Logger;
  api: Api;
  now: () => Date;
  /** After every job run this copy claimed (metrics). */
  onJobRun?: (job: string, outcome: string) => void;
}

/** Ends conversations left idle for 24 hours, telling each person what was (not) saved; runs with every trigger. */
function idleConversationsJob(deps: BackgroundDeps): JobDefinition {
  return {
    name: IDLE_CONVERSATIONS_JOB,
    leaseMs: 5 * 60 * 1000,
    duePeriods: (now) => [minutePeriod(now)],
    run: async () => {
      const result = await endIdleConversations({
        models: deps.models,
        claims: deps.services.claims,
        i18n: deps.i18n,
        logger: deps.logger,
        now: deps.now,
        notify: async (notice) => {
          await deps.services.outbox.enqueue({
            key: notice.key,
            purpose: "conversation.idle",
            chatId: notice.chatId,
            personId: notice.chatId,
            params: { text: notice.text, parse_mode: "HTML" },
          });
        },
      });
      return { ...result };
    },
  };
}

/** Summarises and deletes the /start attempt-limit windows that have ended (keeps attempt_limits small). */
function startLimitWindowsJob(deps: BackgroundDeps): JobDefinition {
  return {
    name: START_LIMIT_WINDOWS_JOB,
    leaseMs: 5 * 60 * 1000,
    duePeriods: (now) => [minutePeriod(now)],
    run: async () => ({ ...(await deps.services.startLimiter.closeWindows()) }),
  };
}

export async function startBackground(deps: BackgroundDeps): Promise<Background> {
  const { services, logger } = deps;
  const worker = createDeliveryWorker({
    models: deps.models,
    api: deps.api,
    services: { outbox: services.outbox, people: services.people },
    logger,
    lease: { termMs: deps.config.senderLeaseMs ?? 5000 },
    hooks: [
      createDirectiveProgress({ services, i18n: deps.i18n, logger }),
      blockedNoticeHook({
        people: services.people,
        recipients: services.recipients,
        i18n: deps.i18n,
        outbox: services.outbox,
        now: deps.now,
        timeZone: deps.config.timeZone,
        logger,
      }),
    ],
  });
  worker.start();

  let scheduler: Scheduler | undefined;
  if (deps.config.scheduler.enabled) {
    scheduler = createScheduler({
      services,
      i18n: deps.i18n,
      logger,
      now: deps.now,
      timeZone: deps.config.timeZone,
      config: deps.config.scheduler,
      outbox: deliveryOutbox(services.outbox),
      ...(deps.onJobRun ? { onJobRun: deps.onJobRun } : {}),
      extraJobs: [
        idleConversationsJob(deps),
        startLimitWindowsJob(deps),
        createPhotoJob({ photos: services.photos }),
        createRollupTotalsJob({ totals: services.rollupTotals }),
        createDirectiveRepingJob({
          directives: services.directives,
          render: createDirectiveRenderer(deps.i18n, deps.config.timeZone),
          afterHours: deps.config.directiveRepingHours ?? 24,
        }),
      ],
    });
    await scheduler.start();
  } else {
    logger.info("scheduler disabled (SCHEDULER_ENABLED=false): no reminders or rollups from this copy");
  }

  let stopping: Promise<void> | undefined;
  return {
    worker,
    scheduler,
    stop: () =>
      (stopping ??= (async () => {
        await scheduler?.stop();
        await worker.stop();
      })()),
  };
}
