// /report through the real bot against the test database: complete reports in English and Hindi (from the list
// and from a reminder's button), bad input at every prompt, /cancel at every step, editing from the summary,
// corrections within and after 72 hours, permissions on every tap, and confirming twice storing one report.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { InlineKeyboard } from "grammy";
import { createHarness, type Harness, type TestPerson } from "../helpers/harness.js";
import type { RoleScope } from "../../src/domain/roles.js";
import { REPORT_CALLBACK_PREFIX, reportButtonData } from "../../src/messages/buttons.js";
import { harnessReminderJob } from "../helpers/reminderJob.js";
import { toDeliveryMessages } from "../../src/jobs/deliveryOutbox.js";
import type { OutboxMessage } from "../../src/jobs/outbox.js";
import type { Update } from "grammy/types";

const HOUR = 3600_000;
const START = "2026-11-26T06:30:00Z";

let h: Harness;
let nextId = 5_200_000_000;
let n = 0;

beforeAll(async () => {
  h = await createHarness({ label: "report" });
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  h.clock.set(START);
});

const seatOf = new Map<number, string>();
let nextPc = 1;

/** Someone with a role and a chat with the bot (reminders reach only people who have one). */
async function person(role: RoleScope["role"], code: string, lang = "en"): Promise<TestPerson> {
  const p = await h.grant(nextId++, role, code, { language_code: lang, first_name: "Imran" });
  h.api.addUser(p.user);
  seatOf.set(p.id, code);
  return p;
}

/** A PC in-charge of a PC of their own (Uttar Pradesh has 80), so tests do not see each other's events. */
const incharge = (lang = "en") => person("pc_incharge", `IN-UP:P${nextPc++}`, lang);

/** An event of the person's PC, `hours` from now (negative: already started). */
async function eventFor(p: TestPerson, hours = -2, programmeKey = "sneh-samvad"): Promise<string> {
  const code = seatOf.get(p.id)!;
  const r = await h.services.events.create({
    actor: { telegramId: p.id, scopes: [{ role: "pc_incharge", level: "pc", code }] },
    input: {
      programmeKey,
      territory: { level: "pc", code },
      startsAt: new Date(h.clock.now().getTime() + hours * HOUR),
      venue: "Lanka hall",
      location: null,
      expectedAttendance: 80,
      notes: "",
    },
    confirmKey: `test:${++n}`,
  });
  if (!r.ok) throw new Error(r.reason);
  return r.event.id;
}

const reportOf = (eventId: string) => h.db.models.Report.findOne({ eventId }).lean();
const sends = () => h.api.callsTo("sendMessage").length;
const lastAnswer = () => h.api.callsTo("answerCallbackQuery").at(-1)!.params;

/** A reminder as the scheduler (issue 4) sends it: a message with the rp:<eventId> button. */
async function remind(p: TestPerson, eventId: string): Promise<void> {
  await h.bot.api.sendMessage(p.id, "Please report", { reply_markup: new InlineKeyboard().text("📝 Report", reportButtonData(eventId)) });
}

/** Drives an English report to its summary: total 60 and 10/5/0/5/20 (others 20), no photos, no notes. */
async function toSummary(p: TestPerson, eventId: string): Promise<void> {
  await remind(p, eventId);
  await p.tap("📝 Report");
  await p.send("60");
  for (const count of ["10", "5", "0", "5", "20"]) await p.send(count);
  await p.tap(/^✅ Done/);
  await p.tap("Skip ⏭");
  expect(p.lastText()).toMatch(/Check the (corrected )?report/);
}

describe("reporting attendance", () => {
  it("in English from /report (one event waiting: no list): total, each category, photos and image files, notes, confirm", async () => {
    const p = await incharge("en");
    const eventId = await eventFor(p);
    await eventFor(p, 5); // not started: not waiting
    await p.send("/report");
    expect(p.botTexts().some((t) => t.includes("waiting for a report"))).toBe(false);
    expect(p.botTexts().at(-2)).toContain("Attendance report");
    expect(p.lastText()).toContain("Or type all the numbers in one message, in this order:");
    expect(p.lastText()).toContain("Total, Sufi ulema, Intellectuals,");
    expect(p.lastText()).toContain("120 15 30 10 25 20");
    expect(p.lastText()).toContain("How many people came in total?");
    await p.send("120");
    expect(p.lastText()).toContain("How many of them were Sufi ulema?");
    expect(p.lastText()).toContain("Not yet counted: 120");
    await p.send("30");
    expect(p.lastText()).toContain("Not yet counted: 90");
    await p.send("20");
    await p.tap("0");
    await p.send("10");
    await p.send("40");
    expect(p.lastText()).toContain("Send up to 10 photos");
    await p.sendContent({ photo: { width: 1280, height: 960 } });
    expect(p.lastText()).toContain("1 of 10 received");
    await p.sendContent({ document: { mime_type: "image/jpeg", file_name: "hall.jpg" } });
    expect(p.lastText()).toContain("2 of 10 received");
    expect(p.lastButtons()).toEqual(["✅ Done (2 photos)"]);
    await p.tap("✅ Done (2 photos)");
    expect(p.lastText()).toContain("Anything to add");
    await p.send("Maulana Sahab spoke on schemes for all");
    const summary = p.lastText();
    expect(summary).toContain("Total: 120");
    expect(summary).toContain("• Sufi ulema: 30");
    expect(summary).toContain("• Others: 20");
    expect(summary).toContain("Photos: 2");
    await p.tap("✅ Confirm");
    expect(p.lastText()).toContain("✅ Report saved");
    expect(p.lastText()).toContain("correct it until Sun 29 Nov 2026, 12:00 pm");

    const sent = p.transcript().filter((e) => e.from === "user");
    const photoMsg = sent.find((e) => e.message.photo)!.message;
    const docMsg = sent.find((e) => e.message.document)!.message;
    const report = await reportOf(eventId);
    expect(report).toMatchObject({
      total: 120,
      counts: { "sufi-ulema": 30, intellectuals: 20, sports: 0, influential: 10, "women-beneficiaries": 40 },
      notes: "Maulana Sahab spoke on schemes for all",
      submittedBy: p.id,
      version: 1,
      stateCode: "IN-UP",
      pcCode: seatOf.get(p.id),
    });
    expect(report!.photos).toEqual([
      { fileId: photoMsg.photo!.at(-1)!.file_id, fileUniqueId: photoMsg.photo!.at(-1)!.file_unique_id, kind: "photo" },
      { fileId: docMsg.document!.file_id, fileUniqueId: docMsg.document!.file_unique_id, kind: "document" },
    ]);
    expect((await h.db.models.Event.findById(eventId).lean())!.reportedAt).not.toBeNull();
    // Listed no more as waiting; listed as correctable.
    await p.send("/report");
    expect(p.lastText()).toContain("No event is waiting");
    expect(p.lastButtons()[0]).toMatch(/^✏️/);
  });

  it("in Hindi from a reminder's button; the rest is 0 once everyone is counted; no photos", async () => {
    const p = await incharge("hi");
    const eventId = await eventFor(p, -1, "sufi-samvad");
    await remind(p, eventId);
    expect(reportButtonData(eventId)).toBe(`${REPORT_CALLBACK_PREFIX}${eventId}`);
    await p.tap("📝 Report");
    expect(p.botTexts().at(-2)).toContain("सूफ़ी संवाद");
    expect(p.lastText()).toContain("कुल");
    await p.send("४०");
    await p.send("25");
    await p.send("15");
    // Nobody left: the other categories are not asked.
    expect(p.lastText()).toContain("फ़ोटो भेजें");
    await p.tap(/^✅ हो गया/);
    await p.tap("छोड़ें ⏭");
    expect(p.lastText()).toContain("• अन्य: <b>0</b>".replace(/<\/?b>/g, ""));
    await p.tap("✅ पुष्टि करें");
    expect(p.lastText()).toContain("✅ रिपोर्ट सहेज ली गई");
    expect(await reportOf(eventId)).toMatchObject({
      total: 40,
      counts: { "sufi-ulema": 25, intellectuals: 15, sports: 0, influential: 0, "women-beneficiaries": 0 },
      photos: [],
      notes: "",
    });
  });

  it("lists the events when more than one is waiting, and opens the one tapped", async () => {
    const p = await incharge("en");
    await eventFor(p, -3);
    const second = await eventFor(p, -1);
    await p.send("/report");
    expect(p.lastText()).toContain("2 events are waiting for a report");
    expect(p.lastButtons()).toEqual([
      expect.stringMatching(/^📝 26\/11 9:00 am · Sneh Samvad · \S.* \(\d+\)$/),
      expect.stringMatching(/^📝 26\/11 11:00 am · Sneh Samvad · \S.* \(\d+\)$/),
    ]);
    const list = p.findButton(/^📝 26\/11 11:00 am/).message;
    await p.tap(/^📝 26\/11 11:00 am/);
    expect(h.api.messages(p.id).find((e) => e.message.message_id === list.message_id)!.message.reply_markup).toBeUndefined();
    await p.send("10 1 1 1 1 1");
    await p.tap(/^✅ Done/);
    await p.tap("Skip ⏭");
    await p.tap("✅ Confirm");
    expect(await reportOf(second)).toMatchObject({ total: 10, counts: { "sufi-ulema": 1, "women-beneficiaries": 1 } });
  });

  it("lists the newest twenty of many waiting, counting all of them", async () => {
    const p = await incharge("en");
    // 25 events an hour apart, the newest an hour before /report.
    for (let i = 1; i <= 25; i++) await eventFor(p, i);
    h.clock.advance(26 * HOUR);
    await p.send("/report");
    expect(p.lastText()).toContain("25 events are waiting for a report");
    expect(p.lastText()).toContain("Below are the newest 20; once they are reported, /report shows the older ones.");
    const buttons = p.lastButtons();
    expect(buttons).toHaveLength(20);
    // The oldest of the twenty first (the sixth event, 6:00 pm on the first day), the newest last (1:00 pm next day).
    expect(buttons[0]).toMatch(/^📝 26\/11 6:00 pm · /);
    expect(buttons.at(-1)).toMatch(/^📝 27\/11 1:00 pm · /);
  });

  it("says when nothing is waiting", async () => {
    const p = await incharge("en");
    await p.send("/report");
    expect(p.lastText()).toContain("No event of yours is waiting for a report");
  });

  it("checks access on every tap: outside the area, not started, cancelled, unknown", async () => {
    const p = await incharge("en");
    const eventId = await eventFor(p);
    const stranger = await person("ac_incharge", "IN-BR:A1");
    await remind(stranger, eventId);
    await stranger.tap("📝 Report");
    expect(lastAnswer()).toMatchObject({ show_alert: true, text: expect.stringContaining("outside your area") });
    expect(await h.db.models.Audit.countDocuments({ actorId: stranger.id, action: "access.denied" })).toBe(1);
    expect(await h.openConversation(stranger.id)).toBeNull();

    const future = await eventFor(p, 3);
    await remind(p, future);
    await p.tap("📝 Report");
    expect(lastAnswer().text).toContain("has not started yet");

    const cancelled = await eventFor(p);
    await h.services.events.cancel({ actor: { telegramId: p.id, scopes: [{ role: "pc_incharge", level: "pc", code: seatOf.get(p.id)! }] }, eventId: cancelled });
    await remind(p, cancelled);
    await p.tap("📝 Report");
    expect(lastAnswer().text).toContain("was cancelled");

    const msg = h.api.lastBotMessage(p.id)!;
    await p.tapData(msg.message_id, "rp:0123456789abcdef01234567");
    expect(lastAnswer().text).toContain("not found");
    await p.tapData(msg.message_id, "rp:nonsense");
    expect(lastAnswer().text).toContain("earlier message");
  });
});

/** The reminder scan's messages for this person, sent through the Bot API as the delivery worker sends them. */
async function deliverReminders(p: TestPerson): Promise<OutboxMessage[]> {
  const { job, queued } = harnessReminderJob(h);
  await job.scan();
  const mine = queued.filter((m) => m.chatId === p.id);
  for (const call of mine.flatMap(toDeliveryMessages)) {
    await (h.bot.api.raw as unknown as Record<string, (p: unknown) => Promise<unknown>>)[call.method ?? "sendMessage"]!({ ...call.params, chat_id: call.chatId });
  }
  return mine;
}

/** What a person does on the phone, counted from the updates the local Bot API hands the bot. */
function countActions(p: TestPerson): { taps: number; typed: number; photos: number; stop: () => void } {
  const counts = { taps: 0, typed: 0, photos: 0 };
  const listener = (u: Update) => {
    if (u.callback_query?.from.id === p.id) counts.taps++;
    else if (u.message?.from?.id === p.id && u.message.text !== undefined) counts.typed++;
    else if (u.message?.from?.id === p.id && u.message.photo) counts.photos++;
  };
  h.api.events.on("update", listener);
  return Object.assign(counts, { stop: () => void h.api.events.off("update", listener) });
}

/** Sending one photo from the phone: the attachment button, the photo, Send. */
const TAPS_PER_PHOTO = 3;

describe("a report in seven taps", () => {
  const cases = [
    {
      lang: "en",
      typed: "120 15 30 10 25 20",
      button: "📝 Send the report",
      done: "✅ Done (1 photo)",
      skip: "Skip ⏭",
      confirm: "✅ Confirm",
      saved: "✅ Report saved",
    },
    {
      lang: "hi",
      typed: "१२०, १५, ३०, १०, २५, २०",
      button: "📝 रिपोर्ट भेजें",
      done: "✅ हो गया (1 फ़ोटो)",
      skip: "छोड़ें ⏭",
      confirm: "✅ पुष्टि करें",
      saved: "✅ रिपोर्ट सहेज ली गई",
    },
  ];
  it.each(cases)("$lang: from the reminder's report request to a saved report with a photo", async (c) => {
    const p = await incharge(c.lang);
    const eventId = await eventFor(p, -2.05);
    const sent = await deliverReminders(p);
    expect(sent.map((m) => m.key)).toEqual([expect.stringMatching(`^report\\.request:${eventId}:`)]);

    const actions = countActions(p);
    const request = p.findButton(c.button).message;
    await p.tap(c.button);
    // The request is answered: its button is gone, not left to be tapped again.
    expect(h.api.messages(p.id).find((e) => e.message.message_id === request.message_id)!.message.reply_markup).toBeUndefined();
    // Straight to the first question: no list, no other choice to make.
    expect(p.lastText()).toContain(c.lang === "en" ? "How many people came in" : "कितने लोग आए");
    await p.send(c.typed);
    await p.sendContent({ photo: { width: 1280, height: 960 } });
    await p.tap(c.done);
    await p.tap(c.skip);
    await p.tap(c.confirm);
    actions.stop();
    expect(p.lastText()).toContain(c.saved);

    expect({ taps: actions.taps, typed: actions.typed, photos: actions.photos }).toEqual({ taps: 4, typed: 1, photos: 1 });
    expect(actions.taps + actions.photos * TAPS_PER_PHOTO).toBeLessThanOrEqual(7);
    const photo = p.transcript().find((e) => e.from === "user" && e.message.photo)!.message.photo!.at(-1)!;
    const report = await reportOf(eventId);
    expect(report).toMatchObject({
      total: 120,
      counts: { "sufi-ulema": 15, intellectuals: 30, sports: 10, influential: 25, "women-beneficiaries": 20 },
      photos: [{ fileId: photo.file_id, fileUniqueId: photo.file_unique_id, kind: "photo" }],
      notes: "",
      version: 1,
    });
  });
});

describe("all the numbers in one message", () => {
  it("checks them against the total as one by one; a mismatch is explained and the draft kept", async () => {
    const p = await incharge("en");
    const eventId = await eventFor(p);
    await remind(p, eventId);
    await p.tap("📝 Report");
    const total = "How many people came in total?";
    for (const [text, reason] of [
      ["60 10 10 10 10 30", "The categories add up to 70, more than the total of 60"],
      ["60 10 10", "That is 3 numbers. Type just the total, or all 6 numbers in the order shown."],
      ["60 10 -5 10 10 10", "Intellectuals: The number cannot be negative."],
      ["60 10 5.5 10 10 10", "Intellectuals: Please type a whole number"],
      ["600000 10 5 10 10 10", "Total: That is too large. The most is 100000."],
      ["12 people", "number in digits"],
    ]) {
      await p.send(text!);
      expect(p.lastText(), text).toContain(reason);
      expect(p.lastText(), text).toContain(total);
    }
    await p.send("60, 10, 5, 0, 5, 20");
    await p.sendContent({ photo: {} });
    await p.tap(/^✅ Done/);
    await p.send("Good turnout");
    expect(p.lastText()).toContain("• Others: 20");

    // Edit → Numbers: a mismatch again keeps the photo and the notes, and the numbers are asked again.
    await p.tap("✏️ Edit");
    await p.tap("Numbers");
    await p.send("50 20 20 20 0 0");
    expect(p.lastText()).toContain("The categories add up to 60, more than the total of 50");
    await p.send("50 20 20 5 0 0");
    expect(p.lastText()).toContain("Photos: 1");
    expect(p.lastText()).toContain("Good turnout");
    expect(p.lastText()).toContain("• Others: 5");
    await p.tap("✅ Confirm");
    const report = await reportOf(eventId);
    expect(report).toMatchObject({ total: 50, counts: { "sufi-ulema": 20, intellectuals: 20, sports: 5, influential: 0, "women-beneficiaries": 0 }, notes: "Good turnout" });
    expect(report!.photos).toHaveLength(1);
  });

  it("in Hindi: the order is shown in Hindi, and a wrong count of numbers is explained in Hindi", async () => {
    const p = await incharge("hi");
    const eventId = await eventFor(p);
    await remind(p, eventId);
    await p.tap("📝 Report");
    expect(p.lastText()).toContain("या सारी संख्याएँ एक ही संदेश में, इसी क्रम में लिखें:");
    expect(p.lastText()).toContain("कुल, सूफ़ी उलेमा, बुद्धिजीवी,");
    await p.send("१२० १५");
    expect(p.lastText()).toContain("आपने 2 संख्याएँ लिखीं। केवल कुल संख्या लिखें, या ऊपर दिए क्रम में पूरी 6 संख्याएँ।");
    await p.send("१२० १५ ३० १० २५ ५०");
    expect(p.lastText()).toContain("श्रेणियों का जोड़ 130 है, जो कुल संख्या 120 से ज़्यादा है।");
    // One by one still works after a refused line.
    await p.send("40");
    expect(p.lastText()).toContain("सूफ़ी उलेमा");
    for (const n of ["10", "10", "10", "5", "5"]) await p.send(n);
    await p.tap(/^✅ हो गया/);
    await p.tap("छोड़ें ⏭");
    await p.tap("✅ पुष्टि करें");
    expect(await reportOf(eventId)).toMatchObject({ total: 40, counts: { "sufi-ulema": 10, intellectuals: 10, sports: 10, influential: 5, "women-beneficiaries": 5 } });
  });
});

describe("bad input gets a short reason and the same question again", () => {
  it("at the total, category, photo and notes steps", async () => {
    const p = await incharge("en");
    const eventId = await eventFor(p);
    await remind(p, eventId);
    const reminder = p.findButton("📝 Report");
    await p.tap("📝 Report");
    const total = "How many people came in total?";
    for (const [act, reason] of [
      [() => p.send("fifty"), "number in digits"],
      [() => p.send("-10"), "cannot be negative"],
      [() => p.send("12.5"), "whole number"],
      [() => p.send("😀"), "number in digits"],
      [() => p.send("5000000"), "The most is 100000"],
      [() => p.send("x".repeat(4096)), "number in digits"],
      [() => p.sendContent({ sticker: { emoji: "😀" } }), "number in digits"],
      [() => p.sendContent({ voice: { duration: 2 } }), "number in digits"],
      [() => p.send("/newevent"), "middle of a step"],
    ] as [() => Promise<void>, string][]) {
      await act();
      expect(p.lastText(), reason).toContain(reason);
      expect(p.lastText(), reason).toContain(total);
    }
    // The reminder's button again while reporting: an old button, nothing else happens.
    const before = sends();
    await p.tapData(reminder.message.message_id, reminder.data);
    expect(sends()).toBe(before);
    await p.send("50");
    await p.send("51");
    expect(p.lastText()).toContain("more than are left (50 of 50)");
    expect(p.lastText()).toContain("How many of them were Sufi ulema?");
    await p.send("-1");
    expect(p.lastText()).toContain("cannot be negative");
    await p.send("20");
    await p.send("31");
    expect(p.lastText()).toContain("more than are left (30 of 50)");
    for (const count of ["10", "10", "5", "5"]) await p.send(count);
    // Photos.
    await p.send("here they come");
    expect(p.lastText()).toContain("Please send photos, or tap Done");
    await p.sendContent({ sticker: {} });
    expect(p.lastText()).toContain("That is not a photo");
    await p.sendContent({ voice: {} });
    expect(p.lastText()).toContain("That is not a photo");
    await p.sendContent({ document: { mime_type: "application/pdf", file_name: "list.pdf" } });
    expect(p.lastText()).toContain("not an image");
    await p.send("/help");
    expect(p.lastText()).toContain("middle of a step");
    for (let i = 0; i < 9; i++) await p.sendContent({ photo: { width: 100 + i, height: 100 } });
    // The same photo forwarded again is kept once.
    const first = p.transcript().filter((e) => e.from === "user" && e.message.photo)[0]!.message;
    h.api.sendUserMessage(p.user, { photo: { width: 100, height: 100 } });
    const dup = h.api.takeUpdates()[0]!;
    dup.message!.photo = first.photo;
    await h.bot.handleUpdate(dup);
    expect(p.lastText()).toContain("You sent that photo already (9 of 10)");
    await p.sendContent({ photo: { width: 999, height: 100 } });
    // The tenth photo ends the step.
    expect(p.botTexts().at(-2)).toContain("10 photos received");
    expect(p.lastText()).toContain("Anything to add");
    await p.send("n".repeat(4096));
    expect(p.lastText()).toContain("under 1000 characters");
    await p.sendContent({ sticker: {} });
    expect(p.lastText()).toContain("notes as text");
    await p.tap("Skip ⏭");
    await p.tap("✅ Confirm");
    const report = await reportOf(eventId);
    expect(report).toMatchObject({ total: 50, counts: { "sufi-ulema": 20, intellectuals: 10, sports: 10, influential: 5, "women-beneficiaries": 5 } });
    expect(report!.photos).toHaveLength(10);
  });
});

describe("/cancel leaves at every step, storing nothing", () => {
  const steps: [string, (p: TestPerson) => Promise<void>][] = [
    ["total", async () => {}],
    ["category", (p) => p.send("10")],
    ["photos", async (p) => {
      for (const c of ["1", "1", "1", "1", "1"]) await p.send(c);
    }],
    ["notes", (p) => p.tap(/^✅ Done/)],
    ["summary", (p) => p.tap("Skip ⏭")],
  ];
  it.each(steps.map((s, i) => [s[0], i] as const))("at the %s step", async (_name, index) => {
    const p = await incharge("en");
    const eventId = await eventFor(p);
    await remind(p, eventId);
    await p.tap("📝 Report");
    for (const [, step] of steps.slice(0, index + 1)) await step(p);
    await p.send("/cancel");
    expect(p.lastText()).toContain("Cancelled");
    expect(await reportOf(eventId)).toBeNull();
    expect(await h.db.models.ReportVersion.countDocuments({ eventId })).toBe(0);
    expect(await h.openConversation(p.id)).toBeNull();
  });

  it("with the summary's Cancel button", async () => {
    const p = await incharge("en");
    const eventId = await eventFor(p);
    await toSummary(p, eventId);
    await p.tap("✖ Cancel");
    expect(p.lastText()).toContain("Cancelled. Nothing was saved.");
    expect(await reportOf(eventId)).toBeNull();
  });
});

describe("editing the report from the summary", () => {
  it("re-asks the numbers, photos or notes and keeps the rest", async () => {
    const p = await incharge("en");
    const eventId = await eventFor(p);
    await toSummary(p, eventId);
    await p.tap("✏️ Edit");
    await p.tap("Notes");
    await p.send("Added later");
    await p.tap("✏️ Edit");
    await p.tap("Numbers");
    await p.send("70");
    for (const count of ["10", "10", "10", "10", "10"]) await p.send(count);
    expect(p.lastText()).toContain("• Others: 20");
    expect(p.lastText()).toContain("Added later");
    await p.tap("✏️ Edit");
    await p.tap("Photos");
    await p.sendContent({ photo: {} });
    await p.tap(/^✅ Done/);
    await p.tap("✅ Confirm");
    expect(await reportOf(eventId)).toMatchObject({ total: 70, notes: "Added later", counts: { sports: 10 } });
    expect((await reportOf(eventId))!.photos).toHaveLength(1);
  });
});

describe("correcting a report", () => {
  it("the author corrects within 72 hours with Keep buttons; every version is kept", async () => {
    const p = await incharge("en");
    const eventId = await eventFor(p);
    await toSummary(p, eventId);
    await p.tap("✅ Confirm");
    const firstAt = h.clock.now();

    h.clock.advance(70 * HOUR);
    await p.send("/report");
    expect(p.lastText()).toContain("still correct");
    await p.tap(/^✏️/);
    expect(p.botTexts().at(-2)).toContain("Correcting the report");
    expect(p.lastButtons()).toEqual(["Keep 60"]);
    await p.tap("Keep 60");
    await p.tap("Keep 10");
    await p.send("8");
    await p.tap("0");
    await p.tap("Keep 5");
    await p.tap("Keep 20");
    await p.tap(/^✅ Done/);
    await p.send("Recounted from the register");
    expect(p.lastText()).toContain("Check the corrected report");
    expect(p.lastText()).toContain("• Others: 17");
    await p.tap("✅ Confirm");
    expect(p.lastText()).toContain("Report corrected (version 2)");

    const report = await reportOf(eventId);
    expect(report).toMatchObject({ version: 2, total: 60, counts: { intellectuals: 8 }, submittedBy: p.id, submittedAt: firstAt, updatedBy: p.id, notes: "Recounted from the register" });
    const versions = await h.db.models.ReportVersion.find({ eventId }).sort({ version: 1 }).lean();
    expect(versions.map((v) => [v.version, v.counts.intellectuals, v.changedBy, v.changedAt.toISOString()])).toEqual([
      [1, 5, p.id, firstAt.toISOString()],
      [2, 8, p.id, h.clock.now().toISOString()],
    ]);

    // After 72 hours from the first submission: refused, and no longer listed.
    h.clock.advance(3 * HOUR);
    await remind(p, eventId);
    await p.tap("📝 Report");
    expect(lastAnswer()).toMatchObject({ show_alert: true, text: expect.stringContaining("72 hours") });
    await p.send("/report");
    expect(p.lastText()).toContain("No event of yours is waiting");
    expect(await h.db.models.ReportVersion.countDocuments({ eventId })).toBe(2);
  });

  it("refuses a correction by someone other than the author", async () => {
    const p = await incharge("en");
    const eventId = await eventFor(p);
    await toSummary(p, eventId);
    await p.tap("✅ Confirm");
    const other = await person("state_team", "IN-UP");
    await remind(other, eventId);
    await other.tap("📝 Report");
    expect(lastAnswer().text).toContain("Only they can correct it");
    expect(await h.db.models.ReportVersion.countDocuments({ eventId })).toBe(1);
  });

  it("refuses at confirm when the 72 hours ran out while the person was correcting", async () => {
    const p = await incharge("en");
    const eventId = await eventFor(p);
    await toSummary(p, eventId);
    await p.tap("✅ Confirm");
    h.clock.advance(71 * HOUR);
    await toSummary(p, eventId);
    h.clock.advance(2 * HOUR);
    await p.tap("✅ Confirm");
    expect(p.lastText()).toContain("72 hours to correct it have passed");
    expect(await h.db.models.ReportVersion.countDocuments({ eventId })).toBe(1);
  });
});

describe("confirming twice stores one report", () => {
  it("a double tap, and the same update handled by two bot instances", async () => {
    const p = await incharge("en");
    const eventId = await eventFor(p);
    await toSummary(p, eventId);
    const second = await h.restart();
    const { message, data } = p.findButton("✅ Confirm");
    h.api.clickButton(p.user, message.message_id, data);
    h.api.clickButton(p.user, message.message_id, data);
    const [first, again] = h.api.takeUpdates();
    const before = sends();
    await Promise.all([h.bot.handleUpdate(first!), second.bot.handleUpdate(first!)]);
    await h.bot.handleUpdate(again!);
    expect(sends()).toBe(before);
    expect(await h.db.models.Report.countDocuments({ eventId })).toBe(1);
    expect(await h.db.models.ReportVersion.countDocuments({ eventId })).toBe(1);
  });
});
