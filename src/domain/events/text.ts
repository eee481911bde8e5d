// Free text people type for an event or a report: a venue name and notes. Pure.

export type TextError = "too_short" | "too_long" | "no_letters";
export type TextResult = { ok: true; value: string } | { ok: false; reason: TextError; max?: number; min?: number };

export const VENUE_MAX = 200;
export const NOTES_MAX = 1000;
/** Telegram allows 4096 characters; programme and category names are button labels. */
export const NAME_MAX = 40;

/** Trims, keeps line breaks readable, and refuses text without a letter or digit (only emoji, only dots). */
export function checkText(text: string, opts: { max: number; min?: number; needLetters?: boolean }): TextResult {
  const value = text.normalize("NFC").replace(/[ \t]+/g, " ").replace(/\n{3,}/g, "\n\n").trim();
  const min = opts.min ?? 1;
  if (value.length > opts.max) return { ok: false, reason: "too_long", max: opts.max };
  if (opts.needLetters !== false && !/[\p{L}\p{N}]/u.test(value)) return { ok: false, reason: "no_letters" };
  if ([...value].length < min) return { ok: false, reason: "too_short", min };
  return { ok: true, value };
}

export const checkVenue = (text: string): TextResult => checkText(text, { max: VENUE_MAX, min: 2 });
export const checkNotes = (text: string): TextResult => checkText(text, { max: NOTES_MAX, needLetters: false });
export const checkName = (text: string): TextResult => checkText(text, { max: NAME_MAX, min: 2 });

export interface LatLng {
  latitude: number;
  longitude: number;
}

/** A pin is kept only if it is a real coordinate (India, loosely: the bot does not judge where people meet). */
export function checkLocation(loc: { latitude: unknown; longitude: unknown }): LatLng | undefined {
  const { latitude, longitude } = loc;
  if (typeof latitude !== "number" || typeof longitude !== "number") return undefined;
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return undefined;
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return undefined;
  return { latitude, longitude };
}

/** A short ASCII key from an English name, for callback data and stored counts ("Sports personalities" → "sports-personalities"). */
export function slugKey(name: string, max = 24): string {
  return name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, max)
    .replace(/-+$/g, "");
}
