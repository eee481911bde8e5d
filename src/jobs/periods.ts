// Which periods of a job are due. A period is the unit a job runs once for: a local day for the daily rollup, a
// minute for the reminder scan. Pure: the clock is passed in.
import { DateTime } from "luxon";
import { addDays, atLocalTime, localDay } from "../domain/rollup/day.js";

/** Missed periods older than this are not run at start-up (a two-day-old rollup is news nobody needs). */
export const CATCH_UP_MS = 48 * 60 * 60 * 1000;

export interface ClockTime {
  hour: number;
  minute: number;
}

/**
 * The local days whose `time` has passed within the catch-up window, oldest first: at 20:05 that is yesterday and
 * today; at 19:55 only yesterday (and the day before, if its 20:00 is less than 48 hours ago: it is not).
 * Days due before `notBefore` are left out (see INSTALL_GRACE_MS).
 */
export function dueDays(now: Date, time: ClockTime, zone: string, notBefore?: Date, windowMs = CATCH_UP_MS): string[] {
  const today = localDay(now, zone);
  const days: string[] = [];
  for (let back = 3; back >= 0; back--) {
    const day = addDays(today, -back, zone);
    const due = atLocalTime(day, time, zone).getTime();
    if (due <= now.getTime() && due > now.getTime() - windowMs && (!notBefore || due >= notBefore.getTime())) days.push(day);
  }
  return days;
}

/**
 * A new installation does not catch up on days from before it existed (nobody is waiting for them), except that a
 * scheduler first started shortly after the rollup time still sends that day's.
 */
export const INSTALL_GRACE_MS = 60 * 60 * 1000;

export function sinceInstalled(installedAt: Date): Date {
  return new Date(installedAt.getTime() - INSTALL_GRACE_MS);
}

/** The period of a job that runs whenever cron fires: the UTC minute, so copies triggered together share it. */
export function minutePeriod(now: Date): string {
  return DateTime.fromJSDate(now, { zone: "UTC" }).startOf("minute").toFormat("yyyy-LL-dd'T'HH:mm'Z'");
}

/** A cron expression (minute hour) for a daily local time; node-cron applies the time zone. */
export function dailyCron(time: ClockTime): string {
  return `${time.minute} ${time.hour} * * *`;
}
