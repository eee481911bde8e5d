// i18next over the JSON files in locales/<language>/<namespace>.json. Every user-facing text goes through here.
// A namespace per feature keeps files small; keys are referenced as "namespace:key.path".
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import i18next, { type i18n, type TFunction } from "i18next";
import { DEFAULT_LANGUAGE, isLanguage, LANGUAGES, type Language } from "./domain/language.js";

// Re-exported: most callers already hold the i18n module.
export { DEFAULT_LANGUAGE, isLanguage, LANGUAGES, type Language };

export type Translate = TFunction;

export const LOCALES_DIR = fileURLToPath(new URL("../locales", import.meta.url));

/** Maps Telegram's IETF language_code ("en", "en-GB", "hi") to one we speak; anything else gets Hindi. */
export function languageFromTelegram(code: string | undefined): Language {
  const base = (code ?? "").toLowerCase().split("-")[0];
  return isLanguage(base) ? base : DEFAULT_LANGUAGE;
}

export function readLocaleResources(dir = LOCALES_DIR): Record<string, Record<string, unknown>> {
  const resources: Record<string, Record<string, unknown>> = {};
  for (const lang of LANGUAGES) {
    const langDir = path.join(dir, lang);
    resources[lang] = {};
    for (const file of readdirSync(langDir).filter((f) => f.endsWith(".json"))) {
      resources[lang][file.replace(/\.json$/, "")] = JSON.parse(readFileSync(path.join(langDir, file), "utf8"));
    }
  }
  return resources;
}

export interface I18n {
  instance: i18n;
  /** A translate function fixed to one language. */
  t(lang: Language): Translate;
  namespaces: string[];
}

export async function createI18n(dir = LOCALES_DIR): Promise<I18n> {
  const resources = readLocaleResources(dir);
  const namespaces = Object.keys(resources[DEFAULT_LANGUAGE] ?? {});
  const instance = i18next.createInstance();
  await instance.init({
    resources: resources as never,
    lng: DEFAULT_LANGUAGE,
    fallbackLng: DEFAULT_LANGUAGE,
    supportedLngs: [...LANGUAGES],
    ns: namespaces,
    defaultNS: "common",
    // Telegram messages are sent with parse_mode HTML; values are escaped by the caller where needed.
    interpolation: { escapeValue: false },
    returnNull: false,
    initAsync: false,
  } as never);
  const fixed = new Map<Language, Translate>();
  for (const lang of LANGUAGES) fixed.set(lang, instance.getFixedT(lang));
  return {
    instance,
    namespaces,
    t: (lang) => fixed.get(lang) ?? instance.getFixedT(DEFAULT_LANGUAGE),
  };
}
