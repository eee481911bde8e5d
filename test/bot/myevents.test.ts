// /myevents and /programmes through the real bot: events listed with their state, opened, cancelled once, moved;
// forged buttons refused; the national office adds and hides programmes and categories without a code change.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHarness, type Harness, type TestPerson } from "../helpers/harness.js";
import type { RoleScope } from "../../src/domain/roles.js";

const HOUR = 3600_000;
const START = "2026-11-26T06:30:00Z";

let h: Harness;
let nextId = 5_300_000_000;
let nextPc = 1;
let n = 0;

beforeAll(async () => {
  h = await createHarness({ label: "myevents" });
  // The default programmes, as the app's start loads them (a test may be the first to read them).
  await h.services.programmes.seedDefaults();
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  h.clock.set(START);
});

async function incharge(lang = "en"): Promise<{ p: TestPerson; scope: RoleScope }> {
  const scope: RoleScope = { role: "pc_incharge", level: "pc", code: `IN-BR:P${nextPc++}` };
  const p = await h.grant(nextId++, scope.role, scope.code, { language_code: lang });
  return { p, scope };
}

async function eventOf(actorId: number, scope: RoleScope, hours: number, venue = "Hall"): Promise<string> {
  const r = await h.services.events.create({
    actor: { telegramId: actorId, scopes: [scope] },
    input: {
      programmeKey: "sneh-samvad",
      territory: { level: "pc", code: scope.code },
      startsAt: new Date(h.clock.now().getTime() + hours * HOUR),
      venue,
      location: null,
      expectedAttendance: 40,
      notes: "",
    },
    confirmKey: `my:${++n}`,
  });
  if (!r.ok) throw new Error(r.reason);
  return r.event.id;
}

const eventDoc = (id: string) => h.db.models.Event.findById(id).lean();
const lastAnswer = () => h.api.callsTo("answerCallbackQuery").at(-1)!.params;

describe("/myevents", () => {
  it("lists upcoming and past events with their state, including ones registered on the person's behalf", async () => {
    const { p, scope } = await incharge("en");
    const team = await h.grant(nextId++, "state_team", "IN-BR", { language_code: "en" });
    await eventOf(p.id, scope, 48, "Planned hall");
    await eventOf(team.id, scope, -3, "Held by team");
    const reported = await eventOf(p.id, scope, -20, "Reported hall");
    await h.services.reports.submit({
      actor: { telegramId: p.id, scopes: [scope] },
      eventId: reported,
      input: { total: 10, counts: {}, photos: [], notes: "" },
      confirmKey: "my:r",
    });
    const cancelled = await eventOf(p.id, scope, 24, "Cancelled hall");
    await h.services.events.cancel({ actor: { telegramId: p.id, scopes: [scope] }, eventId: cancelled });

    await p.send("/myevents");
    const text = p.lastText();
    expect(text).toMatch(/Coming up\n1\. 27\/11 .*\n\s+✖ Cancelled\n2\. 28\/11 .*\n\s+🗓 Planned/);
    expect(text).toMatch(/Last 30 days\n3\. 26\/11 9:00 am.*\n\s+⏳ Waiting for report\n4\. 25\/11 .*\n\s+✅ Reported/);
    expect(p.lastButtons()).toEqual(["1", "2", "3", "4"]);
  });

  it("opens an event; cancels it after a second tap, once; moves another", async () => {
    const { p, scope } = await incharge("en");
    const toCancel = await eventOf(p.id, scope, 5);
    const toMove = await eventOf(p.id, scope, 30);
    await p.send("/myevents");
    await p.tap("1");
    expect(p.lastText()).toContain("🗓 Planned");
    expect(p.lastButtons()).toEqual(["🕒 Move", "✖ Cancel event"]);
    await p.tap("✖ Cancel event");
    expect(p.lastText()).toContain("Cancel this event?");
    await p.tap("↩ No, keep it");
    expect((await eventDoc(toCancel))!.status).toBe("planned");
    await p.tap("✖ Cancel event");
    const { message, data } = p.findButton("✖ Yes, cancel it");
    h.api.clickButton(p.user, message.message_id, data);
    await p.tap("✖ Yes, cancel it");
    expect(p.lastText()).toContain("✖ Cancelled");
    expect(await eventDoc(toCancel)).toMatchObject({ status: "cancelled", cancelledBy: p.id });
    expect(await h.db.models.Audit.countDocuments({ action: "event.cancel", actorId: p.id })).toBe(1);

    await p.send("/myevents");
    await p.tap("2");
    await p.tap("🕒 Move");
    expect(p.botTexts().at(-2)).toContain("Moving the event");
    await p.send("31/12 11 am");
    expect(p.lastText()).toContain("Event moved to Thu 31 Dec 2026, 11:00 am");
    expect((await eventDoc(toMove))!.startsAt.toISOString()).toBe("2026-12-31T05:30:00.000Z");
    // The cancelled one cannot be moved, even by a forged button.
    const last = h.api.lastBotMessage(p.id)!;
    await p.tapData(last.message_id, `evm:${toCancel}`);
    expect(lastAnswer().text).toContain("was cancelled");
  });

  it("offers a report for an event that has started, and refuses strangers' forged buttons", async () => {
    const { p, scope } = await incharge("hi");
    const started = await eventOf(p.id, scope, -1);
    await p.send("/myevents");
    await p.tap("1");
    expect(p.lastButtons()).toEqual(["📝 उपस्थिति रिपोर्ट दें", "🕒 समय बदलें", "✖ कार्यक्रम रद्द करें"]);
    await p.tap("📝 उपस्थिति रिपोर्ट दें");
    expect(p.lastText()).toContain("कुल");
    await p.send("/cancel");

    const stranger = await h.grant(nextId++, "ac_incharge", "IN-UP:A390", { language_code: "en" });
    await stranger.send("/myevents");
    const msg = h.api.lastBotMessage(stranger.id)!;
    for (const data of [`ev:${started}`, `evy:${started}`, `evm:${started}`]) {
      await stranger.tapData(msg.message_id, data);
      expect(lastAnswer()).toMatchObject({ show_alert: true, text: expect.stringContaining("outside your area") });
    }
    expect((await eventDoc(started))!.status).toBe("planned");
  });

  it("says so when there are no events, and refuses people without a role", async () => {
    const { p } = await incharge("en");
    await p.send("/myevents");
    expect(p.lastText()).toContain("You have no events");
    const nobody = h.person(nextId++, { language_code: "en" });
    await nobody.send("/myevents");
    expect(nobody.lastText()).toContain("don’t have a role");
  });
});

describe("/programmes", () => {
  it("lets the national office add a category and a programme, offered at once", async () => {
    await h.services.people.ensureNationalAdmins([nextId]);
    const admin = h.person(nextId++, { language_code: "en" });
    await admin.send("/programmes");
    expect(admin.lastText()).toContain("स्नेह संवाद / Sneh Samvad");
    expect(admin.lastText()).toContain("महिला लाभार्थी / Women beneficiaries");
    await admin.tap("➕ Category");
    expect(admin.lastText()).toContain("in Hindi");
    await admin.send("🎉");
    expect(admin.lastText()).toContain("in words");
    await admin.send("युवा");
    await admin.send("Youth");
    expect(admin.lastText()).toContain("New attendee category");
    await admin.tap("✅ Save");
    expect(admin.lastText()).toContain("Saved");
    expect(await h.db.models.AttendeeCategory.findOne({ key: "youth" }).lean()).toMatchObject({ name: { hi: "युवा", en: "Youth" }, active: true, createdBy: admin.id });
    expect(await h.db.models.Audit.countDocuments({ action: "programmes.add", actorId: admin.id })).toBe(1);

    await admin.send("/programmes");
    await admin.tap("➕ Programme");
    await admin.send("युवा संवाद");
    await admin.send("Yuva Samvad");
    await admin.tap("✅ Save");

    // An in-charge now sees both.
    const { p, scope } = await incharge("en");
    await p.send("/newevent");
    expect(p.lastButtons()).toEqual(["Sneh Samvad", "Sufi Samvad", "Yuva Samvad"]);
    await p.send("/cancel");
    const eventId = await eventOf(p.id, scope, -1);
    await h.bot.api.sendMessage(p.id, "report", { reply_markup: { inline_keyboard: [[{ text: "R", callback_data: `rp:${eventId}` }]] } });
    await p.tap("R");
    await p.send("10");
    for (let i = 0; i < 5; i++) await p.send("0");
    expect(p.lastText()).toContain("How many of them were Youth?");
    await p.send("/cancel");

    // Hidden: no longer offered.
    await admin.send("/programmes");
    await admin.tap("🚫 Hide: Yuva Samvad");
    expect((await h.db.models.Programme.findOne({ key: "yuva-samvad" }).lean())!.active).toBe(false);
    await p.send("/newevent");
    expect(p.lastButtons()).toEqual(["Sneh Samvad", "Sufi Samvad"]);
    await p.send("/cancel");
  });

  it("is for the national office only, on every tap", async () => {
    const { p } = await incharge("en");
    await p.send("/programmes");
    expect(p.lastText()).toContain("Your role cannot do this");
    const msg = h.api.lastBotMessage(p.id)!;
    await p.tapData(msg.message_id, "pg:t:p:sneh-samvad");
    expect(lastAnswer().show_alert).toBe(true);
    expect((await h.db.models.Programme.findOne({ key: "sneh-samvad" }).lean())!.active).toBe(true);
    await p.tapData(msg.message_id, "pg:a:c");
    expect(await h.openConversation(p.id)).toBeNull();
  });
});
