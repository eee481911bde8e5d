// The reminder scan over a test harness's services and clock, with an outbox that records what it was handed (in
// order, every attempt): for tests that check the notices themselves rather than their delivery.
import { createReminderJob } from "../../src/jobs/reminderJob.js";
import type { OutboxMessage } from "../../src/jobs/outbox.js";
import { createLogger } from "../../src/logger.js";
import type { Harness } from "./harness.js";

const HOUR = 3600_000;

/** The default schedule: reminders 24 and 2 hours before, the request 2 hours after, escalation at 48 hours. */
export function harnessReminderJob(h: Harness, options: { pageSize?: number } = {}) {
  const queued: OutboxMessage[] = [];
  const job = createReminderJob({
    events: h.services.events,
    recipients: h.services.recipients,
    map: h.services.map,
    rollups: h.services.rollups,
    i18n: h.i18n,
    outbox: { enqueue: async (m) => (queued.push(...m), m.length) },
    now: h.clock.now,
    zone: "Asia/Kolkata",
    settings: { hoursBefore: [24, 2], reportRequestHoursAfter: 2, escalationHoursAfter: 48, catchUpMs: 48 * HOUR },
    logger: createLogger({ level: "silent" }),
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
  });
  return { job, queued };
}
