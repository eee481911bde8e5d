// The scheduler's settings in the environment: defaults, parsing, and a reason for every bad value.
import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_SCHEDULER_CONFIG, loadConfig } from "../../src/config.js";

describe("scheduler configuration", () => {
  it("defaults to a 20:00 rollup, a scan every 5 minutes, reminders 24 h and 2 h before, escalation at 48 h", () => {
    expect(loadConfig({}).scheduler).toEqual(DEFAULT_SCHEDULER_CONFIG);
    expect(DEFAULT_SCHEDULER_CONFIG).toEqual({
      enabled: true,
      rollupTime: { hour: 20, minute: 0 },
      reminderScanCron: "*/5 * * * *",
      reminderHoursBefore: [24, 2],
      reportRequestHoursAfter: 2,
      escalationHoursAfter: 48,
      escalationDays: { state: 3, cluster: 5, country: 7 },
    });
  });

  it("reads every variable", () => {
    const c = loadConfig({
      SCHEDULER_ENABLED: "false",
      ROLLUP_TIME: "7:30",
      REMINDER_SCAN_CRON: "*/2 * * * *",
      REMINDER_HOURS_BEFORE: " 2, 48 ,24,2",
      REPORT_REQUEST_HOURS_AFTER: "3",
      ESCALATION_HOURS_AFTER: "72",
      ESCALATION_DAYS: " 2, 4,4 ",
    }).scheduler;
    expect(c).toEqual({
      enabled: false,
      rollupTime: { hour: 7, minute: 30 },
      reminderScanCron: "*/2 * * * *",
      reminderHoursBefore: [48, 24, 2],
      reportRequestHoursAfter: 3,
      escalationHoursAfter: 72,
      escalationDays: { state: 2, cluster: 4, country: 4 },
    });
  });

  it("refuses an escalation ladder that is not three whole days in order", () => {
    for (const bad of ["3,5", "3,5,7,9", "3,x,7", "0,5,7", "3,5,91", "3,2.5,7", "7,5,3"]) {
      expect(() => loadConfig({ ESCALATION_DAYS: bad }), bad).toThrow(/ESCALATION_DAYS/);
    }
  });

  it("names each bad scheduler variable", () => {
    try {
      loadConfig({
        SCHEDULER_ENABLED: "maybe",
        ROLLUP_TIME: "8 pm",
        REMINDER_SCAN_CRON: "every five minutes",
        REMINDER_HOURS_BEFORE: "24,soon",
        REPORT_REQUEST_HOURS_AFTER: "-1",
        ESCALATION_HOURS_AFTER: "2.5",
        ESCALATION_DAYS: "5,3,7",
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join("\n");
      for (const v of ["SCHEDULER_ENABLED", "ROLLUP_TIME", "REMINDER_SCAN_CRON", "REMINDER_HOURS_BEFORE", "REPORT_REQUEST_HOURS_AFTER", "ESCALATION_HOURS_AFTER", "ESCALATION_DAYS"]) {
        expect(problems).toContain(v);
      }
    }
  });
});
