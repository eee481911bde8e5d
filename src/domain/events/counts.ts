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
