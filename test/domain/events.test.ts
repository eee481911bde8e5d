// Pure rules of events and reports: reading dates, times and counts as people type them, and event states.
import { describe, expect, it } from "vitest";
import {
  checkDate,
  checkName,
  checkNotes,
  checkReportCounts,
  checkVenue,
  combineWhen,
  correctionDecision,
  CORRECTION_WINDOW_MS,
  eventPlace,
  eventState,
  canActOnEventIn,
  canChangeEvent,
  canReportEvent,
  othersOf,
  parseAttendanceLine,
  parseCount,
  parseWhen,
  registrationOptions,
  resolveDate,
  slugKey,
  type WhenInput,
} from "../../src/domain/events/index.js";
import type { MapView } from "../../src/domain/territory.js";

const ZONE = "Asia/Kolkata";
// Thursday 26 November 2026, 12:00 in India.
const NOW = new Date("2026-11-26T06:30:00Z");

function when(text: string): WhenInput {
  const r = parseWhen(text);
  if (!r.ok) throw new Error(`${text}: ${r.reason}`);
  return r.value;
}

/** Parses and resolves fully; returns the IST wall time "yyyy-mm-dd hh:mm" or the refusal. */
function at(text: string): string {
  const p = parseWhen(text);
  if (!p.ok) return p.reason;
  const { date, time } = p.value;
  if (!date || !time) return "incomplete";
  const d = resolveDate(date, NOW, ZONE);
  if (!d.ok) return d.reason;
  const c = combineWhen(d.value, time, NOW, ZONE);
  if (!c.ok) return c.reason;
  const ist = new Date(c.value.getTime() + 330 * 60_000).toISOString();
  return `${ist.slice(0, 10)} ${ist.slice(11, 16)}`;
}

describe("reading a date and time", () => {
  it.each([
    ["25/12 17:30", "2026-12-25 17:30"],
    ["25-12-2026 5:30 pm", "2026-12-25 17:30"],
    ["25.12.2026 10:00", "2026-12-25 10:00"],
    ["25/12/26 9am", "2026-12-25 09:00"],
    ["today 5 pm", "2026-11-26 17:00"],
    ["आज शाम 5 बजे", "2026-11-26 17:00"],
    ["कल सुबह 10:30", "2026-11-27 10:30"],
    ["tomorrow 17.45", "2026-11-27 17:45"],
    ["परसों दोपहर 2 बजे", "2026-11-28 14:00"],
    ["रात 9 बजे आज", "2026-11-26 21:00"],
    ["२५/१२ १७:३०", "2026-12-25 17:30"],
    ["1/1 11:00", "2027-01-01 11:00"],
    ["12 am 27/11", "2026-11-27 00:00"],
    ["27/11 12 pm", "2026-11-27 12:00"],
    ["25/12, 5:30PM", "2026-12-25 17:30"],
    ["25.12 5.30 pm", "2026-12-25 17:30"],
    ["31.1 10.15", "2027-01-31 10:15"],
    // Hindi times as people write them (and as the bot writes them: messages/time.ts).
    ["कल शाम 5 बजे", "2026-11-27 17:00"],
    ["कल 5:30 शाम", "2026-11-27 17:30"],
    ["कल शाम को 5 बजे", "2026-11-27 17:00"],
    ["कल शाम के 6:15 बजे", "2026-11-27 18:15"],
    ["कल 5 बजे शाम को", "2026-11-27 17:00"],
    ["25/12 शाम 5:00", "2026-12-25 17:00"],
    ["25/12 दोपहर 12:00", "2026-12-25 12:00"],
    ["25/12 रात 12:30", "2026-12-25 00:30"],
    ["25/12 रात 3:00", "2026-12-25 03:00"],
    ["25/12 रात ९:००", "2026-12-25 21:00"],
    ["कल सुबह ११ बजे", "2026-11-27 11:00"],
  ])("%s → %s", (text, expected) => {
    expect(at(text)).toBe(expected);
  });

  it("reads a date alone and a time alone", () => {
    expect(when("25/12")).toEqual({ date: { day: 25, month: 12 } });
    expect(when("25-12-2026")).toEqual({ date: { day: 25, month: 12, year: 2026 } });
    expect(when("17:30")).toEqual({ time: { hour: 17, minute: 30 } });
    expect(when("5:30 pm")).toEqual({ time: { hour: 17, minute: 30 } });
    expect(when("5pm")).toEqual({ time: { hour: 17, minute: 0 } });
    expect(when("आज")).toEqual({ date: { offsetDays: 0 } });
  });

  it.each([
    ["next friday", "not_understood"],
    ["5", "not_understood"],
    ["25 Dec", "not_understood"],
    ["🎉", "not_understood"],
    ["", "not_understood"],
    ["25/12 25/12", "not_understood"],
    ["5 pm 6 pm", "not_understood"],
    ["25:00", "no_such_time"],
    ["12:60", "no_such_time"],
    ["13 am", "no_such_time"],
    ["17:30 am", "no_such_time"],
    ["0 pm", "no_such_time"],
    ["2026-12-25", "not_understood"],
    ["1730", "not_understood"],
    // "को" only follows a part of the day.
    ["को 5 बजे", "not_understood"],
    ["शाम", "not_understood"],
  ])("refuses %j (%s)", (text, reason) => {
    expect(parseWhen(text)).toEqual({ ok: false, reason });
  });

  it("refuses impossible dates", () => {
    expect(at("31/02 10:00")).toBe("no_such_date");
    expect(at("32/1 10:00")).toBe("no_such_date");
    expect(at("0/5 10:00")).toBe("no_such_date");
    expect(at("25/13 10:00")).toBe("no_such_date");
    expect(at("29/02/2027 10:00")).toBe("no_such_date");
    // Without a year, 29/2 is looked for in last, this and next year: none of 2025-2027 has it.
    expect(resolveDate({ day: 29, month: 2 }, NOW, ZONE)).toEqual({ ok: false, reason: "no_such_date" });
    expect(resolveDate({ day: 29, month: 2 }, new Date("2027-12-01T00:00:00Z"), ZONE)).toEqual({ ok: true, value: { year: 2028, month: 2, day: 29 } });
  });

  it("takes the year that puts a date nearest to today", () => {
    expect(resolveDate({ day: 25, month: 12 }, NOW, ZONE)).toMatchObject({ value: { year: 2026 } });
    expect(resolveDate({ day: 2, month: 1 }, NOW, ZONE)).toMatchObject({ value: { year: 2027 } });
    expect(resolveDate({ day: 20, month: 11 }, NOW, ZONE)).toMatchObject({ value: { year: 2026 } });
  });

  it("accepts up to a day past, refuses earlier and more than a year ahead", () => {
    expect(at("25/11 13:00")).toBe("2026-11-25 13:00"); // 23 h ago
    expect(at("25/11 11:00")).toBe("too_far_past"); // 25 h ago
    expect(at("20/11 10:00")).toBe("too_far_past");
    expect(at("25/12/2027 10:00")).toBe("too_far_future");
    expect(checkDate({ year: 2026, month: 11, day: 25 }, NOW, ZONE).ok).toBe(true);
    expect(checkDate({ year: 2026, month: 11, day: 24 }, NOW, ZONE)).toEqual({ ok: false, reason: "too_far_past" });
  });

  it("uses the time zone for 'today' (after 18:30 UTC it is already tomorrow in India)", () => {
    const lateUtc = new Date("2026-11-26T19:00:00Z"); // 00:30 IST on the 27th
    expect(resolveDate({ offsetDays: 0 }, lateUtc, ZONE)).toEqual({ ok: true, value: { year: 2026, month: 11, day: 27 } });
  });
});

describe("reading a count", () => {
  it.each([
    ["40", 40],
    [" 0 ", 0],
    ["१२०", 120],
    ["1,200", 1200],
    ["1,00,000", 100000],
    ["12.0", 12],
  ])("%j → %d", (text, value) => {
    expect(parseCount(text)).toEqual({ ok: true, value });
  });

  it.each([
    ["forty", "not_a_number"],
    ["🎉", "not_a_number"],
    ["12 people", "not_a_number"],
    ["-3", "negative"],
    ["−3", "negative"],
    ["2.5", "not_whole"],
    ["100001", "too_large"],
    ["99999999999999999999", "too_large"],
  ])("refuses %j (%s)", (text, reason) => {
    expect(parseCount(text)).toMatchObject({ ok: false, reason });
  });

  it("applies a lower maximum", () => {
    expect(parseCount("11", 10)).toEqual({ ok: false, reason: "too_large", max: 10 });
  });
});

describe("a report's numbers", () => {
  const keys = ["sufi-ulema", "sports"];
  it("derives others and refuses categories beyond the total", () => {
    expect(othersOf(50, { "sufi-ulema": 10, sports: 5 })).toBe(35);
    expect(checkReportCounts(50, { "sufi-ulema": 10, sports: 5 }, keys)).toEqual({ ok: true });
    expect(checkReportCounts(10, { "sufi-ulema": 10, sports: 1 }, keys)).toEqual({ ok: false, reason: "exceeds_total" });
    expect(checkReportCounts(10, { unknown: 1 }, keys)).toEqual({ ok: false, reason: "unknown_category" });
    expect(checkReportCounts(10, { sports: -1 }, keys)).toEqual({ ok: false, reason: "bad_count" });
    expect(checkReportCounts(10, { sports: 1.5 }, keys)).toEqual({ ok: false, reason: "bad_count" });
    expect(checkReportCounts(-1, {}, keys)).toEqual({ ok: false, reason: "bad_total" });
  });
});

describe("a report's numbers typed in one message", () => {
  const all = (total: number, ...counts: number[]) => ({ ok: true, kind: "all", total, counts });
  it.each([
    ["120 15 30 10 25 20", all(120, 15, 30, 10, 25, 20)],
    ["120, 15, 30, 10, 25, 20", all(120, 15, 30, 10, 25, 20)],
    ["120,15,30,10,25,20", all(120, 15, 30, 10, 25, 20)],
    ["120;15;30;10;25;20", all(120, 15, 30, 10, 25, 20)],
    ["  120   15\n30 10 25 20 ", all(120, 15, 30, 10, 25, 20)],
    ["१२० १५ ३० १० २५ २०", all(120, 15, 30, 10, 25, 20)],
    ["१२०, १५, ३०, १०, २५, २०", all(120, 15, 30, 10, 25, 20)],
    ["60 0 0 0 0 60", all(60, 0, 0, 0, 0, 60)],
    ["120", { ok: true, kind: "total", total: 120 }],
    ["१२०", { ok: true, kind: "total", total: 120 }],
    ["1,200", { ok: true, kind: "total", total: 1200 }],
    ["1,00,000", { ok: true, kind: "total", total: 100000 }],
  ])("%j", (text, result) => {
    expect(parseAttendanceLine(text, 5)).toEqual(result);
  });

  it("checks every count as one by one, and the categories against the total", () => {
    expect(parseAttendanceLine("120 15 30 10 25 50", 5)).toEqual({ ok: false, reason: "exceeds_total", sum: 130, total: 120 });
    expect(parseAttendanceLine("120 15 -30 10 25 20", 5)).toEqual({ ok: false, reason: "negative", index: 2 });
    expect(parseAttendanceLine("120 15 30 10.5 25 20", 5)).toEqual({ ok: false, reason: "not_whole", index: 3 });
    expect(parseAttendanceLine("200000 15 30 10 25 20", 5)).toEqual({ ok: false, reason: "too_large", max: 100000, index: 0 });
    expect(parseAttendanceLine("-5", 5)).toMatchObject({ ok: false, reason: "negative" });
  });

  it("refuses several numbers of the wrong length instead of gluing them into one", () => {
    expect(parseAttendanceLine("120 15 30", 5)).toEqual({ ok: false, reason: "wrong_length", got: 3, want: 6 });
    expect(parseAttendanceLine("120 15 30 10 25 20 5", 5)).toEqual({ ok: false, reason: "wrong_length", got: 7, want: 6 });
    expect(parseAttendanceLine("12 people", 5)).toMatchObject({ ok: false, reason: "not_a_number" });
    expect(parseAttendanceLine("fifty", 5)).toMatchObject({ ok: false, reason: "not_a_number" });
  });

  it("reads a grouped number as one total when the list reading makes no sense", () => {
    expect(parseAttendanceLine("1,200", 1)).toEqual({ ok: true, kind: "total", total: 1200 });
    expect(parseAttendanceLine("200,150", 1)).toEqual({ ok: true, kind: "all", total: 200, counts: [150] });
    expect(parseAttendanceLine("120 15", 0)).toEqual({ ok: false, reason: "wrong_length", got: 2, want: 1 });
  });
});

describe("text", () => {
  it("checks venue, notes and names", () => {
    expect(checkVenue("  Town   hall ")).toEqual({ ok: true, value: "Town hall" });
    expect(checkVenue("🎉🎉")).toMatchObject({ ok: false, reason: "no_letters" });
    expect(checkVenue("a")).toMatchObject({ ok: false, reason: "too_short" });
    expect(checkVenue("x".repeat(201))).toMatchObject({ ok: false, reason: "too_long", max: 200 });
    expect(checkVenue("सामुदायिक भवन")).toMatchObject({ ok: true });
    expect(checkNotes("👍")).toEqual({ ok: true, value: "👍" });
    expect(checkNotes("x".repeat(1001))).toMatchObject({ ok: false, reason: "too_long" });
    expect(checkName("Youth")).toMatchObject({ ok: true });
    expect(slugKey("Sports personalities!")).toBe("sports-personalities");
    expect(slugKey("युवा")).toBe("");
  });
});

describe("event states and windows", () => {
  const base = { status: "planned" as const, startsAt: new Date(NOW.getTime() + 3600_000), reportedAt: null };
  it("derives planned, awaiting report, reported and cancelled", () => {
    expect(eventState(base, NOW)).toBe("planned");
    expect(eventState({ ...base, startsAt: new Date(NOW.getTime() - 1) }, NOW)).toBe("awaiting_report");
    expect(eventState({ ...base, reportedAt: NOW }, NOW)).toBe("reported");
    expect(eventState({ ...base, status: "cancelled" }, NOW)).toBe("cancelled");
  });

  it("lets the author correct for 72 hours", () => {
    const report = { submittedBy: 1, submittedAt: NOW };
    expect(correctionDecision(report, 1, new Date(NOW.getTime() + CORRECTION_WINDOW_MS))).toEqual({ ok: true });
    expect(correctionDecision(report, 1, new Date(NOW.getTime() + CORRECTION_WINDOW_MS + 1))).toEqual({ ok: false, reason: "too_late" });
    expect(correctionDecision(report, 2, NOW)).toEqual({ ok: false, reason: "not_author" });
  });

  it("allows changes until reported, reports once started", () => {
    expect(canChangeEvent(base)).toEqual({ ok: true });
    expect(canChangeEvent({ ...base, reportedAt: NOW })).toEqual({ ok: false, reason: "reported" });
    expect(canChangeEvent({ ...base, status: "cancelled" })).toEqual({ ok: false, reason: "cancelled" });
    expect(canReportEvent(base, NOW)).toEqual({ ok: false, reason: "not_started" });
    expect(canReportEvent({ ...base, startsAt: NOW }, NOW)).toEqual({ ok: true });
    expect(canReportEvent({ ...base, status: "cancelled", startsAt: NOW }, NOW)).toEqual({ ok: false, reason: "cancelled" });
  });
});

describe("who registers where", () => {
  const map: MapView = {
    clusters: new Map([["north", ["IN-UP", "IN-UK"]]]),
    pcOfAc: (code) => ({ "IN-UP:A390": "IN-UP:P77", "IN-UP:A1": "IN-UP:P1" })[code],
  };
  it("offers own seats first, a PC's ACs to its in-charge, and wider picks to state and cluster roles", () => {
    expect(registrationOptions([{ role: "pc_incharge", level: "pc", code: "IN-UP:P77" }])).toEqual({
      own: [{ level: "pc", code: "IN-UP:P77" }],
      acsOf: ["IN-UP:P77"],
      wide: undefined,
    });
    expect(registrationOptions([{ role: "ac_incharge", level: "ac", code: "IN-UP:A390" }]).acsOf).toEqual([]);
    expect(registrationOptions([{ role: "state_team", level: "state", code: "IN-BR" }]).wide).toEqual({ stateCodes: ["IN-BR"], clusterKeys: [] });
    expect(registrationOptions([{ role: "cluster_head", level: "cluster", code: "north" }]).wide).toEqual({ stateCodes: [], clusterKeys: ["north"] });
    expect(registrationOptions([{ role: "national_admin", level: "country", code: "IN" }]).wide).toBe("all");
  });

  it("allows a territory within scope only, at PC or AC level", () => {
    const pc = [{ role: "pc_incharge" as const, level: "pc" as const, code: "IN-UP:P77" }];
    expect(canActOnEventIn(pc, { level: "ac", code: "IN-UP:A390" }, map).allowed).toBe(true);
    expect(canActOnEventIn(pc, { level: "ac", code: "IN-UP:A1" }, map)).toEqual({ allowed: false, reason: "outside_scope" });
    expect(canActOnEventIn(pc, { level: "state", code: "IN-UP" }, map)).toEqual({ allowed: false, reason: "bad_territory" });
    const head = [{ role: "cluster_head" as const, level: "cluster" as const, code: "north" }];
    expect(canActOnEventIn(head, { level: "pc", code: "IN-UK:P1" }, map).allowed).toBe(true);
    expect(canActOnEventIn(head, { level: "pc", code: "IN-BR:P1" }, map).allowed).toBe(false);
  });

  it("stores the place flat", () => {
    expect(eventPlace({ level: "ac", code: "IN-UP:A390" }, map)).toEqual({
      level: "ac",
      code: "IN-UP:A390",
      stateCode: "IN-UP",
      pcCode: "IN-UP:P77",
      acCode: "IN-UP:A390",
    });
    expect(eventPlace({ level: "pc", code: "IN-UP:P77" }, map)).toMatchObject({ pcCode: "IN-UP:P77", acCode: null });
    expect(eventPlace({ level: "ac", code: "IN-UP:A999" }, map)).toBeUndefined();
  });
});
