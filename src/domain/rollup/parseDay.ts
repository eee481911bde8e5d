// The date typed after /rollup: nothing (today), "today"/"आज", "yesterday", 2026-12-25, 25/12/2026, 25-12-26,
// 25.12 (this year). Impossible dates (31/02) are refused, not rolled over into March.
import { DateTime } from "luxon";

export type ParsedDay = { ok: true; day: string } | { ok: false };

const TODAY = new Set(["", "today", "aaj", "आज"]);
const YESTERDAY = new Set(["yesterday"]);
const ISO_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const DMY_RE = /^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2}|\d{4}))?$/;

/** `today` is the local day (YYYY-MM-DD) in `zone` the command was sent on. */
export function parseRollupDay(input: string, today: string, zone: string): ParsedDay {
  // Devanagari digits are common on Hindi keyboards.
  const text = input.trim().toLowerCase().replace(/[०-९]/g, (d) => String(d.charCodeAt(0) - 0x966));
  if (TODAY.has(text)) return { ok: true, day: today };
  if (YESTERDAY.has(text)) return { ok: true, day: DateTime.fromISO(today, { zone }).minus({ days: 1 }).toISODate()! };
  let y: number;
  let m: number;
  let d: number;
  const iso = ISO_RE.exec(text);
  const dmy = DMY_RE.exec(text);
  if (iso) {
    [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  } else if (dmy) {
    d = Number(dmy[1]);
    m = Number(dmy[2]);
    const year = dmy[3];
    y = year === undefined ? Number(today.slice(0, 4)) : year.length === 2 ? 2000 + Number(year) : Number(year);
  } else {
    return { ok: false };
  }
  const dt = DateTime.fromObject({ year: y, month: m, day: d }, { zone });
  return dt.isValid ? { ok: true, day: dt.toISODate()! } : { ok: false };
}
