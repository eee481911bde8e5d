// How events and reports read in the chat: short lines for small phones, key figures in bold, user text escaped.
import { DateTime } from "luxon";
import type { Translate } from "../../i18n.js";
import type { CalendarDate, ClockTime } from "../../domain/events/index.js";
import { escapeHtml } from "../format.js";
import { clockText, dateLocale, dateTimeText } from "../../messages/time.js";
import type { Language } from "../../domain/language.js";

export interface Reader {
  lang: Language;
  zone: string;
}

const locale = (r: Reader) => dateLocale(r.lang);

/** "Fri 25 Dec 2026, 5:30 pm", "शुक्र 25 दिस॰ 2026, शाम 5:30" */
export function fmtWhen(r: Reader, at: Date | string): string {
  return dateTimeText(r.lang, r.zone, at, "ccc d LLL yyyy");
}

/** "25/12 5:30 pm", "25/12 शाम 5:30": for buttons and list lines. */
export function fmtShort(r: Reader, at: Date | string): string {
  return dateTimeText(r.lang, r.zone, at, "d/M", " ");
}

export function fmtDay(r: Reader, date: CalendarDate): string {
  return DateTime.fromObject(date, { zone: r.zone }).setLocale(locale(r)).toFormat("cccc, d LLLL yyyy");
}

export function fmtTime(r: Reader, time: ClockTime): string {
  return clockText(r.lang, time);
}

export interface EventSummary {
  programme: string;
  territory: string;
  startsAt: Date | string;
  venue: string;
  location: { latitude: number; longitude: number } | null;
  expectedAttendance: number;
  notes: string;
}

/** The lines describing an event (without a heading). */
export function eventLines(t: Translate, r: Reader, e: EventSummary): string {
  const lines = [
    `${t("events:field.programme")}: <b>${escapeHtml(e.programme)}</b>`,
    `${t("events:field.territory")}: <b>${escapeHtml(e.territory)}</b>`,
    `${t("events:field.when")}: <b>${escapeHtml(fmtWhen(r, e.startsAt))}</b>`,
    `${t("events:field.venue")}: <b>${escapeHtml(e.venue)}</b>${e.location ? " 📍" : ""}`,
    `${t("events:field.expected")}: <b>${e.expectedAttendance}</b>`,
  ];
  if (e.notes) lines.push(`${t("events:field.notes")}: ${escapeHtml(shorten(e.notes, 300))}`);
  return lines.join("\n");
}

export interface ReportSummary {
  total: number;
  counts: Record<string, number>;
  categories: { key: string; name: string }[];
  photos: number;
  notes: string;
}

/** Total, one line per category, "others" (what is left), photos and notes. */
export function reportLines(t: Translate, s: ReportSummary): string {
  const sum = Object.values(s.counts).reduce((a, b) => a + b, 0);
  const lines = [`${t("report:field.total")}: <b>${s.total}</b>`];
  const known = new Set(s.categories.map((c) => c.key));
  for (const c of s.categories) {
    if (c.key in s.counts) lines.push(`• ${escapeHtml(c.name)}: <b>${s.counts[c.key]}</b>`);
  }
  // A category hidden since keeps its count under its key.
  for (const [key, n] of Object.entries(s.counts)) if (!known.has(key)) lines.push(`• ${escapeHtml(key)}: <b>${n}</b>`);
  lines.push(`• ${t("report:field.others")}: <b>${s.total - sum}</b>`);
  lines.push(`${t("report:field.photos")}: <b>${s.photos}</b>`);
  if (s.notes) lines.push(`${t("report:field.notes")}: ${escapeHtml(shorten(s.notes, 300))}`);
  return lines.join("\n");
}

export function shorten(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

/** "25/12 5:30 pm · Sneh Samvad · Varanasi": a button label or a list line, short enough for a phone. */
export function eventLabel(r: Reader, e: { startsAt: Date | string }, programme: string, territory: string): string {
  // AC labels read "AC (no), PC (no)": the AC alone is enough on a button.
  const place = shorten(territory.split(",")[0]!.trim(), 24);
  return `${fmtShort(r, e.startsAt)} · ${shorten(programme, 16)} · ${place}`;
}
