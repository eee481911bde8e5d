// /rollup [date] through the real bot: each role gets its own scope, in its language, with the chart; people
// without a suitable role are refused; a date that cannot be read gets the reason and the usage.
import { describe, expect, it } from "vitest";
import { parseRollupDay } from "../../src/domain/rollup/parseDay.js";
import { rollupScopes } from "../../src/bot/features/rollup.js";
import type { Actor } from "../../src/services/eventService.js";
import { testWithHarness } from "../helpers/harness.js";
import { screenLines } from "../helpers/phoneScreen.js";
import { PHONE_SCREEN } from "../../src/messages/rollup.js";

const ZONE = "Asia/Kolkata";

describe("the date after /rollup", () => {
  const today = "2026-11-26";
  it.each([
    ["", "2026-11-26"],
    ["आज", "2026-11-26"],
    ["today", "2026-11-26"],
    ["yesterday", "2026-11-25"],
    ["2026-12-25", "2026-12-25"],
    ["25/12", "2026-12-25"],
    ["25-12-2026", "2026-12-25"],
    ["25.12.26", "2026-12-25"],
    ["५/१२", "2026-12-05"],
  ])("reads %j as %s", (input, day) => {
    expect(parseRollupDay(input, today, ZONE)).toEqual({ ok: true, day });
  });
  it.each(["31/02", "2026-13-01", "tomorrowish", "25/12/20261", "12:30"])("refuses %j", (input) => {
    expect(parseRollupDay(input, today, ZONE)).toEqual({ ok: false });
  });
  it("picks the broadest scope a person holds", () => {
    expect(rollupScopes([{ role: "pc_incharge", level: "pc", code: "IN-UP:P77" }])).toEqual([]);
    expect(
      rollupScopes([
        { role: "state_team", level: "state", code: "IN-UP" },
        { role: "cluster_head", level: "cluster", code: "central" },
      ]),
    ).toEqual([
      { level: "cluster", code: "central" },
      { level: "state", code: "IN-UP" },
    ]);
    expect(rollupScopes([{ role: "national_admin", level: "country", code: "IN" }, { role: "cluster_head", level: "cluster", code: "north" }])).toEqual([
      { level: "country", code: "IN" },
    ]);
  });
});

describe("/rollup", () => {
  const test = testWithHarness;
  const organiser: Actor = { telegramId: 7_100_000_001, scopes: [{ role: "pc_incharge", level: "pc", code: "IN-UP:P77" }] };

  // The day every test reads: nothing a test does below changes these events or their report.
  test.beforeAll(async ({ harness: h }) => {
    await h.services.programmes.seedDefaults();
    // 26 Nov 2026, 12:00 IST. Two events in Varanasi this morning (one reported), one tomorrow.
    h.clock.set("2026-11-26T06:30:00Z");
    await h.grant(organiser.telegramId, "pc_incharge", "IN-UP:P77", { first_name: "Ramesh" });
    const make = async (startsAt: string, key: string) => {
      const res = await h.services.events.create({
        actor: organiser,
        confirmKey: key,
        input: {
          programmeKey: "sufi-samvad",
          territory: { level: "pc", code: "IN-UP:P77" },
          startsAt: new Date(startsAt),
          venue: "Ghat",
          location: null,
          expectedAttendance: 80,
          notes: "",
        },
      });
      if (!res.ok) throw new Error(res.reason);
      return res.event.id;
    };
    const reported = await make("2026-11-26T03:30:00Z", "a");
    await make("2026-11-26T04:30:00Z", "b");
    await make("2026-11-27T05:30:00Z", "c");
    const res = await h.services.reports.submit({
      actor: organiser,
      eventId: reported,
      confirmKey: "a-report",
      input: { total: 120, counts: { "sufi-ulema": 20, "women-beneficiaries": 70 }, photos: [], notes: "" },
    });
    expect(res.ok).toBe(true);
  });

  test("gives a cluster head the cluster's summary on one screen, the lists behind its buttons, and the chart, in Hindi", async ({ harness: h }) => {
    const head = await h.grant(7_100_000_010, "cluster_head", "central", { language_code: "hi" });
    await head.send("/rollup");
    const sent = head.transcript().filter((e) => e.from === "bot");
    const first = sent.find((e) => e.message.text)!;
    const text = first.message.text!;
    expect(text).toContain("📊 मध्य क्लस्टर\nदैनिक सारांश, 26 नवंबर 2026");
    expect(text).toContain("आज: 2 हुए · 1 की रिपोर्ट आई");
    expect(text).toContain("आज की उपस्थिति: 120");
    expect(text).toContain("बाकी रिपोर्ट: 1");
    expect(text).toContain("अब क्या करें\n👉 बाकी रिपोर्ट मँगवाएँ (📋 नीचे)");
    expect(screenLines(first.message.text!).length).toBeLessThanOrEqual(PHONE_SCREEN.lines);
    expect(first.message.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual(["📋 रिपोर्ट नहीं आई (1)", "🗺 कार्यक्रम नहीं (119)", "और जानकारी"]);
    const photo = sent.find((e) => e.message.photo);
    expect(photo?.message.caption).toContain("मध्य क्लस्टर");

    // The lists, on demand: who has not reported (with the seat's state), then the details.
    await head.tap("📋 रिपोर्ट नहीं आई (1)");
    expect(head.lastText()).toContain("बाकी रिपोर्ट: 1");
    expect(head.lastText()).toMatch(/Ramesh: .*, (वाराणसी|Varanasi) \(77\) \(UP\), /);
    await head.tap("🗺 कार्यक्रम नहीं (119)");
    expect(head.botTexts().at(-1)).toContain("लोकसभा क्षेत्र जहाँ अभी तक कोई रिपोर्ट नहीं: 119");
    expect(head.botTexts().join("\n").match(/ \(UP\)$/gm)?.length).toBeGreaterThanOrEqual(79);
    await head.tap("और जानकारी");
    const details = head.lastText();
    expect(details).toContain("हुए कार्यक्रम: 2 · मिली रिपोर्ट: 1");
    expect(details).toContain("दर्ज उपस्थिति: 120");
    expect(details).toContain("सूफ़ी उलेमा: 20");
    expect(details).toContain("महिला लाभार्थी: 70");
    expect(details).toContain("अन्य: 30");
    expect(details).toContain("अगले तीन दिन: 1 कार्यक्रम");
  });

  test("gives a state team member the state's summary for a typed date, in English", async ({ harness: h }) => {
    const team = await h.grant(7_100_000_020, "state_team", "IN-UP", { language_code: "en" });
    await team.send("/rollup 27/11");
    const text = team.botTexts().find((t) => t.includes("Daily summary"))!;
    expect(text).toContain("📊 Uttar Pradesh\nDaily summary, 27 November 2026");
    expect(text).toContain("Still to come today: 1 event");
    // Coverage as of today: Varanasi has a reported event.
    expect(text).toContain("Lok Sabha seats covered: 1/80 (1%)");
    await team.tap("More details");
    expect(team.lastText()).toContain("Friday, 27 November 2026");
    expect(team.lastText()).toContain("Lok Sabha seats with a reported event: 1 of 80");
  });

  test("gives the national office the country, with a row per cluster behind a button", async ({ harness: h }) => {
    await h.services.people.ensureNationalAdmins([7_100_000_030]);
    const admin = h.person(7_100_000_030, { language_code: "en" });
    await admin.send("/rollup 2026-11-26");
    const text = admin.botTexts().find((t) => t.includes("Daily summary"))!;
    expect(text).toContain("📊 All India\nDaily summary, 26 November 2026");
    expect(text).toContain("All India: 1/543 (0%)");
    expect(text).not.toContain("Central cluster");
    expect(admin.transcript().some((e) => e.from === "bot" && e.message.photo)).toBe(true);
    await admin.tap("By cluster");
    expect(admin.lastText()).toContain("Central cluster: 2 · 1 · 120; pending 1; 1/120");
    await admin.tap("🗺 No events yet (542)");
    expect(admin.botTexts().join("\n")).toContain("Lok Sabha seats with no reported event yet: 542");
  });

  test("a list button is for the summary's own scope: another cluster's, or one forwarded to anyone, is refused and audited", async ({ harness: h }) => {
    const head = await h.grant(7_100_000_012, "cluster_head", "central", { language_code: "en" });
    await head.send("/rollup");
    const msg = head.findButton(/^📋 Not reported/).message;
    const before = head.botTexts().length;
    await head.tapData(msg.message_id, "ru:p:north:2026-11-26");
    await head.tapData(msg.message_id, "ru:p:IN:2026-11-26");
    expect(head.botTexts().length).toBe(before); // nothing listed
    const nobody = h.person(7_100_000_098, { language_code: "en" });
    await nobody.send("/start");
    await nobody.tapData(msg.message_id, "ru:p:central:2026-11-26");
    expect(nobody.botTexts().join("\n")).not.toContain("Ramesh");
    const denied = await h.db.models.Audit.find({ action: "access.denied", "details.attempted": "rollup.detail" }).lean();
    expect(denied.map((d) => [d.actorId, (d.details as { scope: string }).scope]).sort()).toEqual(
      [
        [7_100_000_012, "IN"],
        [7_100_000_012, "north"],
        [7_100_000_098, "central"],
      ].sort(),
    );
  });

  test("refuses in-charges and people without a role, and explains a date it cannot read", async ({ harness: h }) => {
    const pc = h.person(organiser.telegramId, { language_code: "en", first_name: "Ramesh" }); // the name the rollups show
    // The organiser first wrote with a Hindi app (stored at first contact); here they have chosen English.
    await h.services.people.setLanguage(organiser.telegramId, "en");
    await pc.send("/rollup");
    expect(pc.lastText()).toContain("for cluster in-charges, state teams and the national office");
    const nobody = h.person(7_100_000_099, { language_code: "en" });
    await nobody.send("/rollup");
    expect(nobody.lastText()).toContain("invite link");
    const head = await h.grant(7_100_000_011, "cluster_head", "central", { language_code: "hi" });
    const before = head.transcript().length;
    await head.send("/rollup 31/02");
    expect(head.transcript().length).toBe(before + 2);
    expect(head.lastText()).toContain("“31/02” को तारीख के रूप में नहीं पढ़ पाया");
    expect(head.lastText()).toContain("/rollup 25/12");
  });
});
