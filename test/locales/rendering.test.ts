// Every message of every locale, rendered through i18next with worst-case values (64-character Devanagari names,
// the longest venues, notes and reasons people may type, counts 0, 1, 2 and 100,000): it fits in one Telegram
// message, it is HTML Telegram accepts (parse_mode HTML: only its tags, balanced, entities escaped; checked by the
// local Bot API's own parser), counts agree with their nouns, and a Hindi message has no English in it beyond names,
// placeholders and the short allow-list below.
import { beforeAll, describe, expect, it } from "vitest";
import { createI18n, LANGUAGES, readLocaleResources, type I18n, type Language } from "../../src/i18n.js";
import { parseHtml } from "../../src/localBotApi/html.js";
import { TEXT_LIMIT } from "../../src/messages/split.js";
import { VENUE_MAX, NOTES_MAX } from "../../src/domain/events/text.js";
import { REASON_MAX } from "../../src/domain/review.js";
import { MESSAGE_MAX } from "../../src/services/reviewService.js";
import { PICKED_PEOPLE_MAX } from "../../src/domain/directives.js";

const PLURAL = /_(zero|one|two|few|many|other)$/;

/** Keys (namespace:path, plural suffix dropped) with their template in one language. */
function messages(lang: Language): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (ns: string, obj: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const path = prefix ? `${prefix}.${k}` : k;
      if (v && typeof v === "object") walk(ns, v as Record<string, unknown>, path);
      else {
        const key = `${ns}:${path.replace(PLURAL, "")}`;
        out.set(key, [...(out.get(key) ?? []), String(v)]);
      }
    }
  };
  for (const [ns, tree] of Object.entries(readLocaleResources()[lang]!)) walk(ns, tree as Record<string, unknown>, "");
  return out;
}

const placeholders = (s: string) => [...new Set([...s.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1]!))];

/** Devanagari text of exactly `n` characters (a name, a venue, a reason...). */
const devanagari = (n: number) => "राजकुमारी सुश्री ".repeat(Math.ceil(n / 17)).slice(0, n);
const NAME = devanagari(64);

/** The longest value a placeholder takes in practice; anything not listed is a 64-character name. */
const WORST: Record<string, string> = {
  venue: devanagari(VENUE_MAX),
  // Notes are shortened to 300 characters where an event or report is shown; the review card shows them whole.
  notes: devanagari(NOTES_MAX),
  reason: devanagari(REASON_MAX),
  text: devanagari(MESSAGE_MAX),
  // Up to PICKED_PEOPLE_MAX picked names, comma-separated.
  names: Array.from({ length: PICKED_PEOPLE_MAX }, () => devanagari(40)).join(", "),
  // A cluster's states.
  states: Array.from({ length: 36 }, () => devanagari(24)).join(", "),
  link: `https://t.me/${"b".repeat(32)}?start=${"x".repeat(64)}`,
  url: "https://www.google.com/maps?q=25.317644,82.973915",
  // me: one line per role.
  roles: Array.from({ length: 5 }, () => devanagari(120)).join("\n"),
};

const COUNTS = [0, 1, 2, 100000];

/** One rendering per count (or one, if the message has no count). */
function renderings(i18n: I18n, lang: Language, key: string, template: string[]): string[] {
  const names = [...new Set(template.flatMap(placeholders))];
  const values = Object.fromEntries(names.filter((n) => n !== "count").map((n) => [n, WORST[n] ?? NAME]));
  const t = i18n.t(lang);
  return names.includes("count") || template.length > 1
    ? COUNTS.map((count) => t(key, { ...values, count }))
    : [t(key, values)];
}

// Latin-script words a Hindi message may contain, each for a reason.
const ALLOWED_WORDS: Record<string, string> = {
  PDF: "a file type, named as phones name it",
  XLSX: "a file type, named as phones name it",
  CSV: "a file type, named as phones name it",
  Location: "the label of Telegram's own 📎 menu entry, which Telegram shows in English (it has no Hindi interface)",
};
// Messages whose number is never 1.
const NEVER_ONE: Record<string, string> = {
  "myevents:past": "days is the fixed 30-day window",
  "report:photos.ask": "max is the fixed photo limit (10)",
  "report:photos.full": "max is the fixed photo limit (10)",
  "report:all.wrongLength": "got is at least 2: one number alone is the total",
};

// Messages that are bilingual on purpose.
const ALLOWED_KEYS: Record<string, string> = {
  "language:name.en": "the language's own name, so that a reader of English finds it",
  "language:choose": "the language switch must be readable in both languages",
  "commands:language": "the language switch must be readable in both languages",
  "clusters:askNameEn": "asks for the English name, with an English example",
};

/** Latin words of a Hindi template, not counting placeholders, tags, entities, commands, @usernames and URLs. */
function latinWords(template: string): string[] {
  const stripped = template
    .replace(/\{\{[^}]*\}\}/g, " ")
    .replace(/<[^>]*>/g, " ")
    .replace(/&[#\w]+;/g, " ")
    .replace(/https?:\/\/\S+/g, " ")
    .replace(/(^|[\s(“"])\/[a-z_]+/g, " ")
    .replace(/@[A-Za-z0-9_]+/g, " ")
    // A seat code, as /audit takes it: IN-UP:P77.
    .replace(/\bIN-[A-Z]{2}(?::[PA]\d+)*/g, " ");
  return [...stripped.matchAll(/[A-Za-z][A-Za-z0-9]*/g)].map((m) => m[0]).filter((w) => !(w in ALLOWED_WORDS));
}

describe("every message, rendered with worst-case values", () => {
  let i18n: I18n;
  beforeAll(async () => {
    i18n = await createI18n();
  });

  for (const lang of LANGUAGES) {
    it(`${lang}: fits in one Telegram message and is valid Telegram HTML`, () => {
      const problems: string[] = [];
      let checked = 0;
      for (const [key, template] of messages(lang)) {
        for (const text of renderings(i18n, lang, key, template)) {
          checked++;
          if (text === key) problems.push(`${key}: not found by i18next`);
          if (/\{\{|\$t\(/.test(text)) problems.push(`${key}: a placeholder was left: ${text}`);
          if (text.length > TEXT_LIMIT) problems.push(`${key}: ${text.length} characters`);
          try {
            parseHtml(text);
          } catch (e) {
            problems.push(`${key}: ${(e as Error).message}`);
          }
        }
      }
      expect(problems).toEqual([]);
      expect(checked).toBeGreaterThan(700);
    });

    it(`${lang}: a count agrees with its noun`, () => {
      // Every placeholder 1: "1 people" would show whichever placeholder the count came through.
      const wrong =
        lang === "en"
          ? /(?<![\d,.])1 (people|persons|events|reports|photos|rows|links|recipients|hours|days|seats|states|roles|numbers|items)\b/
          : /(?<![\d,.])1 (लोग|लोगों|कार्यक्रमों|रिपोर्टों|पंक्तियाँ|भूमिकाएँ|सीटें|सीटों|प्राप्तकर्ताओं)(?=[\s,.।)]|$)|(?<![\d,.])1 (फ़ोटो )?मिलीं/;
      const problems: string[] = [];
      for (const [key, template] of messages(lang)) {
        if (key in NEVER_ONE) continue;
        const text = i18n.t(lang)(key, { ...Object.fromEntries(template.flatMap(placeholders).map((n) => [n, "1"])), count: 1 });
        const m = wrong.exec(text);
        if (m) problems.push(`${key}: “${m[0]}”`);
      }
      expect(problems).toEqual([]);
    });
  }

  it("hi: no English words beyond names, placeholders and the allow-list", () => {
    const problems: string[] = [];
    for (const [key, template] of messages("hi")) {
      if (key in ALLOWED_KEYS) continue;
      const words = [...new Set(template.flatMap(latinWords))];
      if (words.length) problems.push(`${key}: ${words.join(", ")}`);
    }
    expect(problems).toEqual([]);
  });
});
