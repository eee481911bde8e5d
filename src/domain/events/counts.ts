// Numbers people type for attendance: whole, not negative, not absurd; and the category breakdown, whose parts may
// not add up to more than the total (what is left over is "others"). Pure.
import { normaliseInput } from "./when.js";

export type CountError = "not_a_number" | "negative" | "not_whole" | "too_large";
export type CountResult = { ok: true; value: number } | { ok: false; reason: CountError; max?: number };

/** No single meeting is bigger than this; a larger number is a typo (an extra zero, a phone number). */
export const MAX_ATTENDANCE = 100_000;

/**
 * Reads a whole number ≥ 0 and ≤ max. Accepts Devanagari digits and digit grouping with commas ("1,200",
 * "1,00,000"); refuses words ("fifty"), decimals, negatives and anything with other characters.
 */
export function parseCount(text: string, max = MAX_ATTENDANCE): CountResult {
  let s = normaliseInput(text).replace(/\s/g, "");
  if (/^\d{1,3}(,\d{2,3})+$/.test(s)) s = s.replace(/,/g, "");
  if (/^[-−–]\s*\d+([.,]\d+)?$/.test(s)) return { ok: false, reason: "negative" };
  if (/^\d+[.,]\d+$/.test(s)) {
    // "12.0" is still twelve.
    if (/^\d+[.,]0+$/.test(s)) s = s.replace(/[.,]0+$/, "");
    else return { ok: false, reason: "not_whole" };
  }
  if (!/^\d+$/.test(s)) return { ok: false, reason: "not_a_number" };
  if (s.length > 9) return { ok: false, reason: "too_large", max };
  const value = Number(s);
  if (value > max) return { ok: false, reason: "too_large", max };
  return { ok: true, value };
}

/** A number written with thousands grouping (1,200 or 12,000) or Indian grouping (1,20,000). */
const GROUPED_RE = /^(\d{1,3}(,\d{3})+|\d{1,2}(,\d{2})+,\d{3})$/;
/** What one part of a typed list must look like to count as a number someone meant (a sign or decimals included). */
const NUMBERISH_RE = /^[-−–]?\d+(\.\d+)?$/;

export type AttendanceLineResult =
  /** One number: the total alone (the categories are asked one by one). */
  | { ok: true; kind: "total"; total: number }
  /** The total and then one count per category, in order. */
  | { ok: true; kind: "all"; total: number; counts: number[] }
  /** Several numbers, but not 1 + the number of categories. */
  | { ok: false; reason: "wrong_length"; got: number; want: number }
  /** The categories add up to more than the total. */
  | { ok: false; reason: "exceeds_total"; sum: number; total: number }
  /** A number (the part at `index` of a list: 0 the total, 1 the first category) is not a count. */
  | { ok: false; reason: CountError; max?: number; index?: number };

/**
 * Reads an attendance report's numbers typed in one message: the total alone, or the total and then one count per
 * category in the order shown ("120 15 30 10 25 20", "120, 15, 30, 10, 25, 20", "120,15,30,10,25,20", Devanagari
 * digits too). Every count is checked as when typed one by one (whole, not negative, at most max) and the categories
 * together may not exceed the total. Spaces, commas and semicolons separate; a single grouped number ("1,200",
 * "1,20,000") is still one total. Several numbers of the wrong length are refused, never glued into one (as
 * "120 15 30" once was, and refused as too large).
 */
export function parseAttendanceLine(text: string, categories: number, max = MAX_ATTENDANCE): AttendanceLineResult {
  const s = normaliseInput(text);
  const parts = s.split(/\s*[,;]\s*|\s+/).filter((p) => p.length > 0);
  const want = 1 + categories;
  const single = (): AttendanceLineResult => {
    const r = parseCount(s, max);
    return r.ok ? { ok: true, kind: "total", total: r.value } : r;
  };
  if (parts.length <= 1) return single();
  const numberish = parts.every((p) => NUMBERISH_RE.test(p));
  if (parts.length === want && numberish) {
    const values: number[] = [];
    for (const [index, part] of parts.entries()) {
      const r = parseCount(part, max);
      if (!r.ok) return { ...r, index };
      values.push(r.value);
    }
    const [total, ...counts] = values as [number, ...number[]];
    const sum = counts.reduce((a, b) => a + b, 0);
    if (sum <= total) return { ok: true, kind: "all", total, counts };
    // "1,200" with one category: a grouped number, not a total of 1 with 200 in it.
    if (GROUPED_RE.test(s)) return single();
    return { ok: false, reason: "exceeds_total", sum, total };
  }
  if (GROUPED_RE.test(s)) return single();
  if (numberish) return { ok: false, reason: "wrong_length", got: parts.length, want };
  // Words among the numbers ("12 people"): not a number, as before.
  return single();
}

export function sumCounts(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** What is left for "others". */
export function othersOf(total: number, counts: Readonly<Record<string, number>>): number {
  return total - sumCounts(counts);
}

/** A whole report's numbers: every count a whole number ≥ 0, the total within bounds, categories ≤ total. */
export function checkReportCounts(
  total: number,
  counts: Readonly<Record<string, number>>,
  categoryKeys: readonly string[],
): { ok: true } | { ok: false; reason: "bad_total" | "bad_count" | "unknown_category" | "exceeds_total" } {
  const whole = (n: unknown) => typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= MAX_ATTENDANCE;
  if (!whole(total)) return { ok: false, reason: "bad_total" };
  for (const [key, n] of Object.entries(counts)) {
    if (!categoryKeys.includes(key)) return { ok: false, reason: "unknown_category" };
    if (!whole(n)) return { ok: false, reason: "bad_count" };
  }
  if (sumCounts(counts) > total) return { ok: false, reason: "exceeds_total" };
  return { ok: true };
}
