// The languages Sanyojak speaks. One type for every layer: people's stored choice, directives, messages and i18n.
export const LANGUAGES = ["hi", "en"] as const;
export type Language = (typeof LANGUAGES)[number];
/** Hindi first: most in-charges are more at ease in it. */
export const DEFAULT_LANGUAGE: Language = "hi";

export function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);
}

const COLLATORS: Record<Language, Intl.Collator> = { hi: new Intl.Collator("hi"), en: new Intl.Collator("en-IN") };

/** Compares names as a reader of `lang` expects them sorted: Hindi names in Devanagari order (क, ख, ग…). */
export function compareNames(lang: Language): (a: string, b: string) => number {
  return COLLATORS[lang].compare;
}
