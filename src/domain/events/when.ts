// Reading when an event happens from what an in-charge types: "25/12", "25-12-2026", "25/12 17:30", "5:30 pm",
// "17:30", "आज शाम 5 बजे", "शाम को 5:30", "5:30 शाम", "कल 10:30", with Devanagari digits too. Every time the bot
// writes (messages/time.ts: "सुबह 10:30", "दोपहर 1:00", "शाम 5:00", "रात 9:00") reads back as the same time.
// Pure: the clock and the time zone are passed in.
//
// A message may give a date, a time, or both; the conversation keeps whichever part it already has and asks for
// the rest. Dates are day-first (as written in India). Forms not accepted on purpose: weekday names ("Friday"),
// month names ("25 Dec"), a bare number ("5": the 5th, or 5 o'clock?), "yesterday" words, year-first dates
// ("2026-12-25") and times without a separator ("1730"). A two-part dotted "a.b" is a time when it can be one
// ("10.12" is 10:12), else a date ("25.12").
import { DateTime } from "luxon";

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

export interface ClockTime {
  hour: number;
  minute: number;
}

/** A date as typed: a day offset from today ("today", "कल") or a day and month, perhaps with a year. */
export type DateInput = { offsetDays: number } | { day: number; month: number; year?: number };

export interface WhenInput {
  date?: DateInput;
  time?: ClockTime;
}

export type WhenError =
  | "not_understood"
  | "no_such_date"
  | "no_such_time"
  | "too_far_past"
  | "too_far_future";

export type Parsed<T, E extends string = WhenError> = { ok: true; value: T } | { ok: false; reason: E };

/** How far back an event may start (one registers an event held yesterday to report it). */
export const MAX_PAST_MS = 24 * 60 * 60 * 1000;
/** How far ahead an event may be planned. */
export const MAX_FUTURE_DAYS = 366;

const DAY_WORDS: Record<string, number> = {
  today: 0,
  aaj: 0,
  "आज": 0,
  tomorrow: 1,
  tmrw: 1,
  kal: 1,
  // "कल" is also "yesterday"; said while planning, it means tomorrow.
  "कल": 1,
  "परसों": 2,
  parso: 2,
  parson: 2,
};

type Period = "am" | "pm" | "morning" | "afternoon" | "evening" | "night";

const PERIOD_WORDS: Record<string, Period> = {
  am: "am",
  "a.m.": "am",
  pm: "pm",
  "p.m.": "pm",
  "सुबह": "morning",
  subah: "morning",
  "दोपहर": "afternoon",
  dopahar: "afternoon",
  "शाम": "evening",
  sham: "evening",
  shaam: "evening",
  "रात": "night",
  raat: "night",
};

/** "शाम को 5 बजे", "शाम के 5 बजे": a postposition right after a part of the day says nothing more. */
const AFTER_PERIOD_WORDS = new Set(["को", "के", "ko", "ke"]);

/** Words that mean "o'clock": they make a bare hour ("5 बजे") a time. */
const OCLOCK_WORDS = new Set(["बजे", "baje", "bje", "o'clock", "oclock", "hrs", "hours"]);

/** Devanagari digits ०-९ to ASCII, lower case, single spaces. */
export function normaliseInput(text: string): string {
  return text
    .normalize("NFC")
    .replace(/[\u0966-\u096F]/g, (d) => String(d.charCodeAt(0) - 0x0966))
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

const DATE_RE = /^(\d{1,2})[/-](\d{1,2})(?:[/-](\d{2}|\d{4}))?$/;
const DOT_DATE_RE = /^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})$/;
const TIME_RE = /^(\d{1,2})[:.](\d{2})(am|pm|a\.m\.|p\.m\.)?$/;
const HOUR_PERIOD_RE = /^(\d{1,2})(am|pm|a\.m\.|p\.m\.)$/;
const BARE_NUMBER_RE = /^\d{1,2}$/;
const DOT_PAIR_RE = /^(\d{1,2})\.(\d{1,2})$/;

/** Could "a.b" be a clock time (hours 0-23, two-digit minutes 00-59)? */
function isClockPair(a: string, b: string): boolean {
  return Number(a) <= 23 && b.length === 2 && Number(b) <= 59;
}

/**
 * Reads a date and/or a time from one message. Fails with "not_understood" when anything is left over, so that
 * "next friday 5pm" is refused as a whole rather than half-read.
 */
export function parseWhen(text: string): Parsed<WhenInput> {
  const tokens = normaliseInput(text)
    // "5:30pm" and "5:30 pm" alike; "25/12,17:30" too.
    .replace(/,/g, " ")
    .split(" ")
    .filter(Boolean);
  if (tokens.length === 0) return { ok: false, reason: "not_understood" };

  let date: DateInput | undefined;
  let hour: number | undefined;
  let minute = 0;
  let period: Period | undefined;
  let oclock = false;
  let bareHour: number | undefined;

  const setDate = (d: DateInput): boolean => {
    if (date) return false;
    date = d;
    return true;
  };

  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (tok in DAY_WORDS) {
      if (!setDate({ offsetDays: DAY_WORDS[tok]! })) return { ok: false, reason: "not_understood" };
      continue;
    }
    if (tok in PERIOD_WORDS) {
      if (period) return { ok: false, reason: "not_understood" };
      period = PERIOD_WORDS[tok]!;
      continue;
    }
    if (AFTER_PERIOD_WORDS.has(tok) && i > 0 && tokens[i - 1]! in PERIOD_WORDS) continue;
    if (OCLOCK_WORDS.has(tok)) {
      oclock = true;
      continue;
    }
    let m = DATE_RE.exec(tok) ?? DOT_DATE_RE.exec(tok);
    if (m) {
      const d: DateInput = { day: Number(m[1]), month: Number(m[2]) };
      if (m[3] !== undefined) d.year = m[3].length === 2 ? 2000 + Number(m[3]) : Number(m[3]);
      if (!setDate(d)) return { ok: false, reason: "not_understood" };
      continue;
    }
    m = DOT_PAIR_RE.exec(tok);
    if (m && !isClockPair(m[1]!, m[2]!)) {
      // "25.12" cannot be a time, so it is the 25th of December; "10.12" and "5.30" are times.
      if (!setDate({ day: Number(m[1]), month: Number(m[2]) })) return { ok: false, reason: "not_understood" };
      continue;
    }
    m = TIME_RE.exec(tok);
    if (m) {
      if (hour !== undefined) return { ok: false, reason: "not_understood" };
      hour = Number(m[1]);
      minute = Number(m[2]);
      if (m[3]) {
        if (period) return { ok: false, reason: "not_understood" };
        period = PERIOD_WORDS[m[3]]!;
      }
      continue;
    }
    m = HOUR_PERIOD_RE.exec(tok);
    if (m) {
      if (hour !== undefined || period) return { ok: false, reason: "not_understood" };
      hour = Number(m[1]);
      period = PERIOD_WORDS[m[2]!]!;
      continue;
    }
    if (BARE_NUMBER_RE.test(tok)) {
      if (hour !== undefined || bareHour !== undefined) return { ok: false, reason: "not_understood" };
      bareHour = Number(tok);
      continue;
    }
    return { ok: false, reason: "not_understood" };
  }

  // A bare number is an hour only next to "pm", "शाम", "बजे"...: "5" alone could be a day or an hour.
  if (bareHour !== undefined) {
    if (hour !== undefined || (!period && !oclock)) return { ok: false, reason: "not_understood" };
    hour = bareHour;
  }
  if ((period || oclock) && hour === undefined) return { ok: false, reason: "not_understood" };

  const result: WhenInput = {};
  if (date) result.date = date;
  if (hour !== undefined) {
    const time = toClock(hour, minute, period);
    if (!time) return { ok: false, reason: "no_such_time" };
    result.time = time;
  }
  return { ok: true, value: result };
}

function toClock(hour: number, minute: number, period: Period | undefined): ClockTime | undefined {
  if (minute > 59 || hour > 23) return undefined;
  let h = hour;
  switch (period) {
    case undefined:
      break;
    case "am":
    case "morning":
      if (h === 0 || h > 12) return undefined;
      if (h === 12) h = period === "am" ? 0 : 12;
      break;
    case "pm":
      // "17:30 pm" says the same thing twice: accept it.
      if (h === 0) return undefined;
      if (h < 12) h += 12;
      break;
    case "afternoon":
      // दोपहर 12 is noon, दोपहर 2 is 14:00, दोपहर 11 is 11:00.
      if (h === 0) return undefined;
      if (h >= 1 && h <= 6) h += 12;
      break;
    case "evening":
      if (h === 0) return undefined;
      if (h < 12) h += 12;
      break;
    case "night":
      // रात 9 is 21:00; रात 2 is 02:00; रात 12 is midnight.
      if (h >= 6 && h < 12) h += 12;
      else if (h === 12) h = 0;
      break;
  }
  return { hour: h, minute };
}

/**
 * Turns a typed date into a calendar date in `zone`. Without a year, the year that puts the date nearest to today
 * is taken: in late November "25/12" is next month and "1/1" is January next year.
 */
export function resolveDate(input: DateInput, now: Date, zone: string): Parsed<CalendarDate> {
  const today = DateTime.fromJSDate(now, { zone }).startOf("day");
  if ("offsetDays" in input) {
    const d = today.plus({ days: input.offsetDays });
    return { ok: true, value: { year: d.year, month: d.month, day: d.day } };
  }
  const { day, month } = input;
  if (input.year !== undefined) {
    const d = DateTime.fromObject({ year: input.year, month, day }, { zone });
    if (!d.isValid) return { ok: false, reason: "no_such_date" };
    return { ok: true, value: { year: d.year, month: d.month, day: d.day } };
  }
  // Last, this and next year: the nearest valid one wins (29/2 is "no such date" unless one of them is a leap year).
  const candidates = [today.year - 1, today.year, today.year + 1]
    .map((year) => DateTime.fromObject({ year, month, day }, { zone }))
    .filter((d) => d.isValid);
  if (candidates.length === 0) return { ok: false, reason: "no_such_date" };
  const nearest = candidates.reduce((a, b) =>
    Math.abs(b.diff(today).toMillis()) < Math.abs(a.diff(today).toMillis()) ? b : a,
  );
  return { ok: true, value: { year: nearest.year, month: nearest.month, day: nearest.day } };
}

/** A date alone can already be refused: one before yesterday cannot start within the last day. */
export function checkDate(date: CalendarDate, now: Date, zone: string): Parsed<CalendarDate> {
  const today = DateTime.fromJSDate(now, { zone }).startOf("day");
  const d = DateTime.fromObject(date, { zone });
  if (d < today.minus({ days: 1 })) return { ok: false, reason: "too_far_past" };
  if (d > today.plus({ days: MAX_FUTURE_DAYS })) return { ok: false, reason: "too_far_future" };
  return { ok: true, value: date };
}

/** The moment (UTC) of a date and a time in `zone`, refused if more than a day past or too far ahead. */
export function combineWhen(date: CalendarDate, time: ClockTime, now: Date, zone: string): Parsed<Date> {
  const dt = DateTime.fromObject({ ...date, hour: time.hour, minute: time.minute }, { zone });
  if (!dt.isValid) return { ok: false, reason: "no_such_date" };
  return checkStartsAt(dt.toJSDate(), now);
}

export function checkStartsAt(startsAt: Date, now: Date): Parsed<Date> {
  if (startsAt.getTime() < now.getTime() - MAX_PAST_MS) return { ok: false, reason: "too_far_past" };
  if (startsAt.getTime() > now.getTime() + MAX_FUTURE_DAYS * 24 * 60 * 60 * 1000) return { ok: false, reason: "too_far_future" };
  return { ok: true, value: startsAt };
}

/** The calendar date and clock time of a moment in `zone` (for prefilling an edit). */
export function splitWhen(at: Date, zone: string): { date: CalendarDate; time: ClockTime } {
  const dt = DateTime.fromJSDate(at, { zone });
  return { date: { year: dt.year, month: dt.month, day: dt.day }, time: { hour: dt.hour, minute: dt.minute } };
}
