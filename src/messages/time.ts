// The one place where a clock time is put into words, for every message, button and list line.
//
// English: "5:00 pm" (12-hour clock, lower-case am/pm, as written in India).
// Hindi: the part of the day, then the 12-hour clock: "सुबह 10:30", "दोपहर 1:00", "शाम 5:00", "रात 9:00", the way
// most Hindi speakers write a time in a message (नोटिस, निमंत्रण, WhatsApp) rather than "5:00 pm" or "17:00".
// The words and their hours are CLDR's Hindi day periods (through Intl), the same ones phones show:
//   रात 0:00–3:59 · सुबह 4:00–11:59 · दोपहर 12:00–15:59 · शाम 16:00–19:59 · रात 20:00–23:59.
// Every one of these is read back by the date/time step (domain/events/when.ts), so a time the bot wrote can be
// typed back as it reads.
import { DateTime } from "luxon";
import type { Language } from "../domain/language.js";

export const dateLocale = (lang: Language): string => (lang === "hi" ? "hi-IN" : "en-IN");

// Formatting the bare hour and minute in UTC keeps the day part independent of the zone's name (an offset zone
// such as "UTC+05:30" is not an IANA name Intl accepts).
const HINDI_CLOCK = new Intl.DateTimeFormat("hi-IN", { hour: "numeric", minute: "2-digit", dayPeriod: "short", timeZone: "UTC" });

/** A clock time in the reader's language: "5:00 pm" or "शाम 5:00". */
export function clockText(lang: Language, time: { hour: number; minute: number }): string {
  if (lang === "hi") return HINDI_CLOCK.format(new Date(Date.UTC(2000, 0, 1, time.hour, time.minute)));
  return DateTime.fromObject({ year: 2000, month: 1, day: 1, hour: time.hour, minute: time.minute }, { zone: "UTC" })
    .setLocale(dateLocale(lang))
    .toFormat("h:mm a");
}

/**
 * A moment as a date (luxon pattern, in the reader's language) and a clock time: "Fri 25 Dec 2026, 5:30 pm",
 * "शुक्र 25 दिस॰ 2026, शाम 5:30".
 */
export function dateTimeText(lang: Language, zone: string, at: Date | string, datePattern: string, separator = ", "): string {
  const dt = DateTime.fromJSDate(new Date(at), { zone }).setLocale(dateLocale(lang));
  return `${dt.toFormat(datePattern)}${separator}${clockText(lang, dt)}`;
}
