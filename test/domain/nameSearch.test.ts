// Seat search in Devanagari: a name typed in Hindi finds the English-rendered seat in data/. The 20 largest PCs are
// computed from the data (electors are not in data/, so "largest" is the number of assembly segments, ties by
// state code and PC number); their Hindi names are written here by hand, as a Hindi reader would type them.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { nameKeys, romanise, searchByName } from "../../src/domain/nameSearch.js";

const dataDir = new URL("../../data/", import.meta.url);
const rows = (file: string) =>
  readFileSync(new URL(file, dataDir), "utf8")
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((l) => l.split(","));
// What the picker shows: "77. Varanasi" (see bot/conversations/territoryPicker.ts); here for all 543 PCs at once.
const pcs = rows("lok-sabha-constituencies.csv").map(([state, , no, name]) => ({ code: `${state}:P${no}`, label: `${no}. ${name}`, state: state! }));
const acsPerPc = new Map<string, number>();
for (const [state, , , pcNo] of rows("vidhan-sabha-constituencies.csv")) acsPerPc.set(`${state}:P${pcNo}`, (acsPerPc.get(`${state}:P${pcNo}`) ?? 0) + 1);

/** The 20 PCs with the most assembly segments (ties: state code, then PC number). */
function largestPcs(n: number): string[] {
  const key = (code: string) => {
    const [state, no] = code.split(":P");
    return { state: state!, no: Number(no) };
  };
  return [...acsPerPc.entries()]
    .sort(([a, x], [b, y]) => y - x || key(a).state.localeCompare(key(b).state) || key(a).no - key(b).no)
    .slice(0, n)
    .map(([code]) => code);
}

const LARGEST_IN_HINDI: Record<string, string> = {
  "IN-NL:P1": "नागालैंड",
  "IN-MZ:P1": "मिज़ोरम",
  "IN-ML:P1": "शिलांग",
  "IN-AR:P1": "अरुणाचल पश्चिम",
  "IN-MN:P1": "आंतरिक मणिपुर",
  "IN-SK:P1": "सिक्किम",
  "IN-PY:P1": "पुडुचेरी",
  "IN-TR:P1": "त्रिपुरा पश्चिम",
  "IN-TR:P2": "त्रिपुरा पूर्व",
  "IN-MN:P2": "बाहरी मणिपुर",
  "IN-AR:P2": "अरुणाचल पूर्व",
  "IN-ML:P2": "तुरा",
  "IN-GA:P1": "उत्तर गोवा",
  "IN-GA:P2": "दक्षिण गोवा",
  "IN-JK:P1": "बारामूला",
  "IN-JK:P2": "श्रीनगर",
  "IN-JK:P3": "अनंतनाग-राजौरी",
  "IN-JK:P4": "उधमपुर",
  "IN-JK:P5": "जम्मू",
  "IN-HP:P1": "कांगड़ा",
};

// The big-city seats people ask about first (the largest electorates of 2024 among them), with the spellings that
// differ most from the English: the inherent vowel, aspirates, nukta or not, translated directions, renamed cities.
const CITIES_IN_HINDI: [string, string][] = [
  ["वाराणसी", "IN-UP:P77"],
  ["लखनऊ", "IN-UP:P35"],
  ["बाराबंकी", "IN-UP:P53"],
  ["मुंबई उत्तर", "IN-MH:P26"],
  ["मुंबई दक्षिण", "IN-MH:P31"],
  ["मल्काजगिरी", "IN-TS:P7"],
  ["बेंगलुरु उत्तर", "IN-KA:P24"],
  ["बेंगलुरु ग्रामीण", "IN-KA:P23"],
  ["ग़ाज़ियाबाद", "IN-UP:P12"],
  ["गाजियाबाद", "IN-UP:P12"],
  ["पूर्वी दिल्ली", "IN-DL:P3"],
  ["नई दिल्ली", "IN-DL:P4"],
  ["हैदराबाद", "IN-TS:P9"],
  ["पुणे", "IN-MH:P34"],
  ["पटना साहिब", "IN-BR:P30"],
  ["जयपुर", "IN-RJ:P7"],
  ["ठाणे", "IN-MH:P25"],
  ["इंदौर", "IN-MP:P26"],
  ["कोलकाता उत्तर", "IN-WB:P24"],
  ["चेवेल्ला", "IN-TS:P10"],
  ["गौतम बुद्ध नगर", "IN-UP:P13"],
  ["चेन्नई दक्षिण", "IN-TN:P3"],
  ["अहमदाबाद पूर्व", "IN-GJ:P7"],
  ["प्रयागराज", "IN-UP:P52"],
  ["इलाहाबाद", "IN-UP:P52"],
  ["अयोध्या", "IN-UP:P54"],
  ["गुरुग्राम", "IN-HR:P9"],
  ["हरिद्वार", "IN-UK:P5"],
  ["गढ़वाल", "IN-UK:P2"],
  ["मिजोरम", "IN-MZ:P1"],
  ["भीतरी मणिपुर", "IN-MN:P1"],
];

const PAGE = 12; // the picker's page of buttons

describe("Devanagari seat search", () => {
  it("the hand-written list is exactly the 20 PCs with the most assembly segments", () => {
    expect(pcs).toHaveLength(543);
    expect(Object.keys(LARGEST_IN_HINDI).sort()).toEqual(largestPcs(20).sort());
  });

  it.each(Object.entries(LARGEST_IN_HINDI))("%s typed as %s is the first result among all 543 PCs", (code, hindi) => {
    const found = searchByName(hindi, pcs);
    expect(found[0]?.code).toBe(code);
  });

  it.each(CITIES_IN_HINDI)("%s is the first result among all 543 PCs", (hindi, code) => {
    const found = searchByName(hindi, pcs);
    expect(found[0]?.code).toBe(code);
  });

  it("within one state's list (as the picker offers it) each finds its seat on the first page", () => {
    for (const [code, hindi] of [...Object.entries(LARGEST_IN_HINDI), ...CITIES_IN_HINDI.map(([h, c]) => [c, h] as const)]) {
      const inState = pcs.filter((p) => p.state === code.split(":")[0]);
      const rank = searchByName(hindi, inState).findIndex((p) => p.code === code);
      expect(rank, `${hindi} in ${code}`).toBeGreaterThanOrEqual(0);
      expect(rank).toBeLessThan(PAGE);
    }
  });

  it("Latin typing is as before: a part of the name, letter for letter, gives those names in list order", () => {
    expect(searchByName("vara", pcs).map((p) => p.code)).toEqual(["IN-UP:P77"]);
    expect(searchByName("mumbai north", pcs).map((p) => p.label)).toEqual(["26. Mumbai North", "27. Mumbai North West", "28. Mumbai North East", "29. Mumbai North Central"]);
    // Nothing letter for letter: by sound, so a misspelling still finds the seat.
    expect(searchByName("Banglore Nort", pcs)[0]?.code).toBe("IN-KA:P24");
    expect(searchByName("Lucknau", pcs)[0]?.code).toBe("IN-UP:P35");
  });

  it("Hindi labels (state names for Hindi readers) are searched in Devanagari and in Latin", () => {
    const states = [
      { label: "उत्तर प्रदेश", v: "IN-UP" },
      { label: "उत्तराखंड", v: "IN-UK" },
      { label: "बिहार", v: "IN-BR" },
    ];
    expect(searchByName("उत्तर", states).map((s) => s.v)).toEqual(["IN-UP", "IN-UK"]);
    expect(searchByName("bihar", states).map((s) => s.v)).toEqual(["IN-BR"]);
    expect(searchByName("उत्तरप्रदेश", states)[0]?.v).toBe("IN-UP");
  });

  it("gives nothing for nonsense, emoji or punctuation, and never throws", () => {
    expect(searchByName("क्ष्ज्ञ्त्र्", pcs)).toEqual([]);
    expect(searchByName("🙂", pcs)).toEqual([]);
    expect(searchByName("  ...  ", pcs)).toEqual([]);
    expect(searchByName("qwrtpsdfg", pcs)).toEqual([]);
  });

  it("folds what Sanscript's tables lack: nukta letters, the flapped ड़, candra vowels", () => {
    expect(romanise("ग़ाज़ियाबाद")).toEqual(romanise("गाजियाबाद"));
    expect(nameKeys("गढ़वाल")[0]!.consonants).toBe(nameKeys("Garhwal")[0]!.consonants);
    expect(romanise("ऑफ़िस")).toEqual(["ophisa"]);
  });
});
