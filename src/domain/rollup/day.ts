// Local calendar days in the programme's time zone (Asia/Kolkata by default), as UTC instants. Times are stored in
// UTC; "today" and "the next three days" are the organisation's days, not the server's.
import { DateTime } from "luxon";

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

export interface DayWindow {
  day: string;
  start: Date;
  end: Date;
}

export function isDay(value: string): boolean {
  return DAY_RE.test(value) && DateTime.fromISO(value, { zone: "UTC" }).isValid;
}

/** The local day (YYYY-MM-DD) that `at` falls on. */
export function localDay(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).toISODate()!;
}

/** [start, end) of a local day, in UTC. */
export function dayWindow(day: string, zone: string): DayWindow {
  const start = DateTime.fromISO(day, { zone }).startOf("day");
  if (!start.isValid) throw new Error(`Not a day: ${day}`);
  return { day, start: start.toJSDate(), end: start.plus({ days: 1 }).toJSDate() };
}

export function addDays(day: string, days: number, zone: string): string {
  return DateTime.fromISO(day, { zone }).plus({ days }).toISODate()!;
}

/** The instant of a local wall-clock time ("20:00") on a local day. */
export function atLocalTime(day: string, time: { hour: number; minute: number }, zone: string): Date {
  return DateTime.fromISO(day, { zone }).set({ hour: time.hour, minute: time.minute, second: 0, millisecond: 0 }).toJSDate();
}

const TIME_RE = /^([01]?\d|2[0-3]):([0-5]\d)$/;

/** "20:00" → {hour: 20, minute: 0}; undefined when it is not a 24-hour HH:MM time. */
export function parseClockTime(value: string): { hour: number; minute: number } | undefined {
  const m = TIME_RE.exec(value.trim());
  return m ? { hour: Number(m[1]), minute: Number(m[2]) } : undefined;
}
