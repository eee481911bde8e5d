// The rollup's first message fits one phone screen (PHONE_SCREEN: 18 lines of 40 characters) in both languages
// with the worst case of everything it can say: a 64-character Hindi cluster name, six-digit figures, every figure
// line (still to come, attendance, escalated today, pace) and every kind of next step; its buttons fit Telegram's
// 64-byte callback data, and the lists behind them name each seat's state.
import { beforeAll, describe, expect, it } from "vitest";
import { createI18n, type I18n } from "../../src/i18n.js";
import type { Rollup, RollupNames } from "../../src/domain/rollup/types.js";
import type { ScopeProgress } from "../../src/domain/plans/progress.js";
import { PHONE_SCREEN, rollupButtons, rollupDetailTexts, rollupEscalatedText, rollupText, type Reader } from "../../src/messages/rollup.js";
import { screenLines } from "../helpers/phoneScreen.js";

const LONG_HI = "दादरा और नगर हवेली और दमन और दीव क्लस्टर दादरा और नगर हवेली और दमन".slice(0, 64);
const LONG_EN = "Dadra and Nagar Haveli and Daman and Diu cluster Dadra and Nagar".slice(0, 64);

function names(lang: "hi" | "en"): RollupNames {
  return {
    lang,
    scope: () => (lang === "hi" ? LONG_HI : LONG_EN),
    cluster: (k) => `${lang === "hi" ? LONG_HI : LONG_EN} ${k}`.slice(0, 64),
    state: (c) => (lang === "hi" ? "दादरा और नगर हवेली और दमन और दीव" : `State ${c}`),
    place: (p) => `${lang === "hi" ? "सिद्धार्थनगर" : "Siddharthnagar"} (${p.pcCode.split(":P")[1]})`,
    pc: (c) => `${lang === "hi" ? "सिद्धार्थनगर" : "Siddharthnagar"} (${c.split(":P")[1]})`,
    programme: () => (lang === "hi" ? "स्नेह संवाद प्रबुद्ध वर्ग सम्मेलन" : "Sneh Samvad Prabuddh Varg Sammelan"),
    categories: [],
    person: () => "रामप्रसाद बिस्मिल्लाह चतुर्वेदी",
  };
}

const line = (i: number) => ({ eventId: `e${i}`, programmeKey: "x", stateCode: "IN-UP", pcCode: `IN-UP:P${(i % 80) + 1}`, acCode: null, startsAt: new Date("2026-11-20T05:00:00Z"), createdBy: 1 });

function worstCase(level: "cluster" | "country"): Rollup {
  return {
    scope: level === "country" ? { level, code: "IN" } : { level, code: "north-east-and-islands" },
    day: "2026-11-26",
    asOf: new Date("2026-11-26T14:30:00Z"),
    stateCodes: ["IN-UP"],
    today: { held: 123_456, reported: 98_765, later: 12_345, cancelled: 999, attendance: { total: 98_765_432, byCategory: {}, unassigned: 0 } },
    pending: { count: 300, listed: Array.from({ length: 300 }, (_, i) => line(i)), listedSince: null },
    coverage: { pcsCovered: 123, pcsTotal: 543, acsCovered: 1000, acsTotal: 4123, national: { pcsCovered: 123, pcsTotal: 543 }, uncoveredPcs: Array.from({ length: 80 }, (_, i) => `IN-UP:P${i + 1}`) },
    upcoming: [],
    review: { awaiting: 12_345, corrected: 5, sentBack: [], approved: 3, attendance: 10, attendanceApproved: 5, flagged: 777 },
    vacancies: [{ stateCode: "IN-UP", vacantPcs: 80, pcsTotal: 80, vacantAcs: 403, acsTotal: 403 }],
    byState: [],
    clusters: level === "country" ? Array.from({ length: 44 }, (_, i) => ({ key: `c${i}`, eventsToday: 1, reportsToday: 1, attendanceToday: 1, pending: 1, pcsCovered: 1, pcsTotal: 2 })) : [],
    escalated: { level, days: 5, named: Array.from({ length: 40 }, (_, i) => ({ ...line(i), seat: { role: "pc_incharge", code: "IN-UP:P1" }, holders: [] })), earlier: 99 },
    pace: [{ progress: { phase: { programmeKey: "x" }, total: { held: 123_456, target: 543_000, counts: { behind: 432 } } } } as unknown as ScopeProgress],
  } as Rollup;
}

describe("the rollup's first message on a phone", () => {
  let i18n: I18n;
  beforeAll(async () => {
    i18n = await createI18n();
  });
  const reader = (lang: "hi" | "en"): Reader => ({ t: i18n.t(lang), names: names(lang), zone: "Asia/Kolkata" });

  for (const lang of ["hi", "en"] as const) {
    for (const level of ["cluster", "country"] as const) {
      it(`fits ${PHONE_SCREEN.lines} lines of ${PHONE_SCREEN.columns} characters: ${level}, ${lang}`, () => {
        const r = reader(lang);
        const rollup = worstCase(level);
        const lines = screenLines(rollupText(rollup, r));
        expect(lines.length, lines.join("\n")).toBeLessThanOrEqual(PHONE_SCREEN.lines);
        if (process.env.SHOW_SCREEN) console.log(`${level} ${lang}: ${lines.length} lines\n${lines.join("\n")}`);
        // The headline figures and the next steps are on it.
        const text = lines.join(" ");
        const n = (x: number) => new Intl.NumberFormat(lang === "hi" ? "hi-IN" : "en-IN").format(x);
        for (const figure of [n(123_456), n(98_765), n(98_765_432), n(300), n(123)]) expect(text).toContain(figure);
        expect(text).toContain("👉");
        const buttons = rollupButtons(rollup, r).flat();
        expect(buttons.map((b) => b.callbackData.slice(0, 5))).toEqual(level === "country" ? ["ru:p:", "ru:u:", "ru:c:", "ru:d:"] : ["ru:p:", "ru:u:", "ru:d:"]);
        for (const b of buttons) expect(Buffer.byteLength(b.callbackData)).toBeLessThanOrEqual(64);
      });
    }
    it(`names each seat's state in the lists behind the buttons (${lang})`, () => {
      const r = reader(lang);
      const uncovered = rollupDetailTexts(worstCase("cluster"), "u", r).join("\n");
      expect(uncovered).toContain(lang === "hi" ? "• सिद्धार्थनगर (77) (UP)" : "• Siddharthnagar (77) (UP)");
      const pending = rollupDetailTexts(worstCase("cluster"), "p", r);
      for (const part of pending) expect(part.length).toBeLessThanOrEqual(4096);
      expect(pending.join("\n")).toContain("(UP), ");
    });

    it(`writes times and counts as the reader does (${lang})`, () => {
      const r = reader(lang);
      // 05:00 UTC is 10:30 in India; 11:30 UTC is 17:00.
      const pending = rollupDetailTexts(worstCase("cluster"), "p", r).join("\n");
      expect(pending).toContain(lang === "hi" ? "20 नव॰, सुबह 10:30" : "20 Nov, 10:30 am");
      const upcoming = { ...line(1), startsAt: new Date("2026-11-27T11:30:00Z") };
      const details = rollupDetailTexts({ ...worstCase("cluster"), upcoming: [upcoming], pace: [] }, "d", r).join("\n");
      expect(details).toContain(lang === "hi" ? "<b>अगले तीन दिन: 1 कार्यक्रम</b>\n• 27 नव॰, शाम 5:00" : "<b>Next three days: 1 event</b>\n• 27 Nov, 5:00 pm");
      if (lang === "hi") expect(`${pending}\n${details}`).not.toMatch(/\b[ap]\.?m\b/i);
      const one = worstCase("cluster");
      const escalated = rollupEscalatedText({ ...one, escalated: { ...one.escalated!, days: 1, named: one.escalated!.named.slice(0, 1) } }, r)!;
      expect(escalated.split("\n")[0]).toBe(
        lang === "hi" ? "⏫ <b>कार्यक्रम के 1 दिन बाद भी रिपोर्ट नहीं, आज आपके पास पहुँचा: 1</b>" : "⏫ <b>Unreported 1 day after the event, escalated to you today: 1</b>",
      );
    });
  }
});
