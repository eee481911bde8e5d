// Every user-facing string exists in every language, with the same {{placeholders}}.
import { describe, expect, it } from "vitest";
import { LANGUAGES, readLocaleResources } from "../src/i18n.js";

function flatten(obj: Record<string, unknown>, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === "object") for (const [kk, vv] of flatten(v as Record<string, unknown>, key)) out.set(kk, vv);
    else out.set(key.replace(/_(zero|one|two|few|many|other)$/, ""), String(v));
  }
  return out;
}

const placeholders = (s: string) => [...s.matchAll(/\{\{\s*(\w+)/g)].map((m) => m[1]).sort();

describe("locales", () => {
  const resources = readLocaleResources();
  const flat = Object.fromEntries(
    LANGUAGES.map((lang) => [
      lang,
      new Map(Object.entries(resources[lang]!).flatMap(([ns, tree]) => [...flatten(tree as Record<string, unknown>)].map(([k, v]) => [`${ns}:${k}`, v]))),
    ]),
  ) as Record<string, Map<string, string>>;

  it("have the same keys in every language", () => {
    const [first, ...rest] = LANGUAGES;
    for (const lang of rest) expect([...flat[lang]!.keys()].sort()).toEqual([...flat[first]!.keys()].sort());
  });

  it("use the same placeholders in every language", () => {
    for (const [key, en] of flat.en!) expect(placeholders(flat.hi!.get(key) ?? ""), key).toEqual(placeholders(en));
  });

  it("are written in Devanagari in Hindi", () => {
    const latinOnly = [...flat.hi!].filter(([, v]) => /[a-z]{4,}/i.test(v) && !/[\u0900-\u097F]/.test(v) && !/^[\s\S]*\{\{/.test(v));
    // Names of languages and brand-like labels may stay Latin (e.g. "English").
    expect(latinOnly.map(([k]) => k).filter((k) => !k.startsWith("language:name"))).toEqual([]);
  });
});
