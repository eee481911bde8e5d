// The languages Sanyojak speaks. One type for every layer: people's stored choice, directives, messages and i18n.
export const LANGUAGES = ["hi", "en"] as const;
export type Language = (typeof LANGUAGES)[number];
/** Hindi first: most in-charges are more at ease in it. */
export const DEFAULT_LANGUAGE: Language = "hi";

export function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);
}
