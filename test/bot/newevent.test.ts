// /newevent through the real bot against the test database: complete registrations in English and Hindi, who may
// register where, every kind of bad input at every prompt, /cancel at every step, editing from the summary, and
// confirming twice (a double tap, the same update again, two bot instances) storing one event.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHarness, type Harness, type TestPerson } from "../helpers/harness.js";
import { drive } from "../helpers/telegram.js";

const DAY = 24 * 60 * 60 * 1000;
const START = "2026-11-26T06:30:00Z"; // Thursday 26 Nov 2026, 12:00 in India

let h: Harness;
let nextId = 5_100_000_000;

beforeAll(async () => {
  h = await createHarness({ label: "newevent" });
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  h.clock.set(START);
});

const eventsBy = (id: number) => h.db.models.Event.find({ createdBy: id }).lean();
const sends = () => h.api.callsTo("sendMessage").length;

async function pcIncharge(lang = "en", code = "IN-UP:P77"): Promise<TestPerson> {
  return h.grant(nextId++, "pc_incharge", code, { language_code: lang, first_name: "Meera" });
}

/**
 * A time of its own on 25 December for each registration, so that tests sharing a seat never meet at one time (a
 * second event at the same seat and time is asked about: see "the same seat at the same time").
 */
let minutes = 0;
const nextWhen = () => {
  const m = minutes++;
  return `25/12 ${String(9 + Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
};

/** Drives /newevent in English up to the summary; each step may be overridden. */
async function toSummary(p: TestPerson, steps: { seat?: (p: TestPerson) => Promise<void>; when?: string; venue?: string; expected?: string } = {}) {
  await p.send("/newevent");
  await p.tap("Sneh Samvad");
  await (steps.seat ? steps.seat(p) : p.tap(/^★/));
  await p.send(steps.when ?? nextWhen());
  await p.send(steps.venue ?? "Town hall, Lanka");
  await p.tap("Skip ⏭");
  await p.send(steps.expected ?? "150");
  await p.tap("Skip ⏭");
  expect(p.lastText()).toContain("Check the event");
}

describe("the same seat at the same time", () => {
  it("asks before registering a second event there; Yes registers it, No goes back to the summary", async () => {
    const p = await pcIncharge("en", "IN-UP:P70");
    await toSummary(p, { when: "26/12 11:00", venue: "Town hall, Lanka" });
    await p.tap("✅ Confirm");
    expect(await eventsBy(p.id)).toHaveLength(1);

    // The same seat and time again (a second tap on an old /newevent, or someone else of the seat): asked, not stored.
    const other = await pcIncharge("en", "IN-UP:P70");
    await toSummary(other, { when: "26/12 11:00", venue: "Madrasa hall" });
    await other.tap("✅ Confirm");
    expect(other.lastText()).toContain("already has an event at this time: Sneh Samvad, Sat 26 Dec 2026, 11:00 am, Town hall, Lanka");
    expect(other.lastText()).toContain("Register another one at the same time?");
    expect(other.lastButtons()).toEqual(["➕ Yes, register another", "↩️ No, back to the summary"]);
    expect(await eventsBy(other.id)).toHaveLength(0);
    // The summary's buttons are gone while the question stands.
    expect(other.transcript().filter((e) => e.from === "bot").at(-2)!.message.reply_markup).toBeUndefined();

    await other.tap("↩️ No, back to the summary");
    expect(other.lastText()).toContain("Check the event");
    await other.tap("✏️ Edit");
    await other.tap("Date and time");
    await other.send("26/12 16:00");
    await other.tap("✅ Confirm");
    expect(other.lastText()).toContain("Event registered");
    expect(await eventsBy(other.id)).toHaveLength(1);

    // Yes: a second event at the same time, the question turning into the confirmation.
    await toSummary(other, { when: "26/12 11:00", venue: "Madrasa hall" });
    await other.tap("✅ Confirm");
    const before = sends();
    await other.tap("➕ Yes, register another");
    expect(sends()).toBe(before);
    expect(other.lastText()).toContain("Event registered");
    expect(other.lastText()).toContain("Madrasa hall");
    expect((await eventsBy(other.id)).map((e) => e.startsAt.toISOString()).sort()).toEqual(["2026-12-26T05:30:00.000Z", "2026-12-26T10:30:00.000Z"]);
  });

  it("does not ask about an event moved away or cancelled, and asks about one moved there", async () => {
    const p = await pcIncharge("en", "IN-UP:P71");
    await toSummary(p, { when: "27/12 10:00" });
    await p.tap("✅ Confirm");
    const [first] = await eventsBy(p.id);
    const actor = { telegramId: p.id, scopes: [{ role: "pc_incharge" as const, level: "pc" as const, code: "IN-UP:P71" }] };
    await h.services.events.move({ actor, eventId: first!._id.toHexString(), startsAt: new Date("2026-12-27T09:30:00Z") });
    await toSummary(p, { when: "27/12 10:00" });
    await p.tap("✅ Confirm");
    expect(p.lastText()).toContain("Event registered");
    const second = (await eventsBy(p.id)).find((e) => e._id.toHexString() !== first!._id.toHexString())!;
    await h.services.events.cancel({ actor, eventId: second._id.toHexString() });
    // The first event now starts at 15:00 in India: a new one then is asked about; one at 10:00 is not.
    await toSummary(p, { when: "27/12 10:00" });
    await p.tap("✅ Confirm");
    expect(p.lastText()).toContain("Event registered");
    await toSummary(p, { when: "27/12 15:00" });
    await p.tap("✅ Confirm");
    expect(p.lastText()).toContain("Register another one at the same time?");
  });
});

describe("registering an event", () => {
  it("in English: programme, own seat, typed date and time, venue, expected, notes, confirm", async () => {
    const p = await pcIncharge("en");
    await p.send("/newevent");
    expect(p.lastText()).toBe("Which programme is this event?");
    expect(p.lastButtons()).toEqual(["Sneh Samvad", "Sufi Samvad"]);
    await p.tap("Sufi Samvad");
    expect(p.lastText()).toBe("Where will it be held?");
    expect(p.lastButtons()).toEqual(["★ Varanasi (77)", "A Vidhan Sabha seat in Varanasi (77)"]);
    await p.tap("★ Varanasi (77)");
    expect(p.lastText()).toContain("When is it?");
    expect(p.lastButtons()).toEqual(["Today", "Tomorrow"]);
    await p.send("25/12 5:30 pm");
    expect(p.lastText()).toContain("What is the venue?");
    await p.send("Community hall, Lanka <Gate 2>");
    expect(p.lastText()).toContain("location");
    await p.sendContent({ location: { latitude: 25.28, longitude: 82.99 } });
    expect(p.lastText()).toContain("How many people do you expect?");
    await p.tap("100");
    expect(p.lastText()).toContain("Any notes");
    await p.send("Speakers: local ulema & teachers");
    const summary = p.lastText();
    expect(summary).toContain("Check the event");
    expect(summary).toContain("Sufi Samvad");
    expect(summary).toContain("Varanasi (77)");
    expect(summary).toContain("Fri 25 Dec 2026, 5:30 pm");
    expect(summary).toContain("Community hall, Lanka <Gate 2> 📍");
    expect(summary).toContain("Expected: 100");
    // Key figures in bold; user text escaped.
    const html = h.api.lastBotMessage(p.id)!;
    expect(html.entities?.some((e) => e.type === "bold")).toBe(true);
    expect(p.lastButtons()).toEqual(["✅ Confirm", "✏️ Edit", "✖ Cancel"]);

    const before = sends();
    await p.tap("✅ Confirm");
    // The summary itself became the confirmation: no extra message.
    expect(sends()).toBe(before);
    expect(p.lastText()).toContain("✅ Event registered");
    expect(p.lastButtons()).toEqual([]);

    const [event, ...more] = await eventsBy(p.id);
    expect(more).toHaveLength(0);
    expect(event).toMatchObject({
      programmeKey: "sufi-samvad",
      level: "pc",
      code: "IN-UP:P77",
      stateCode: "IN-UP",
      pcCode: "IN-UP:P77",
      acCode: null,
      venue: "Community hall, Lanka <Gate 2>",
      location: { latitude: 25.28, longitude: 82.99 },
      expectedAttendance: 100,
      notes: "Speakers: local ulema & teachers",
      status: "planned",
      createdBy: p.id,
    });
    expect(event!.startsAt.toISOString()).toBe("2026-12-25T12:00:00.000Z");
    expect(await h.openConversation(p.id)).toBeNull();
  });

  it("in Hindi: an AC in-charge is not asked for the seat; day and time by buttons", async () => {
    const p = await h.grant(nextId++, "ac_incharge", "IN-UP:A390", { language_code: "hi" });
    await p.send("/newevent");
    expect(p.lastText()).toBe("यह कौन-सा कार्यक्रम है?");
    await p.tap("स्नेह संवाद");
    expect(p.lastText()).toContain("कार्यक्रम कब है?");
    await p.tap("कल");
    expect(p.lastText()).toContain("को किस समय?");
    expect(p.lastText()).toContain("शुक्रवार, 27 नवंबर 2026");
    // Times read as Hindi speakers write them: the part of the day, then the clock.
    expect(p.lastButtons()).toContain("शाम 4:00");
    expect(p.lastButtons().join(" ")).not.toMatch(/am|pm/);
    await p.tap("शाम 4:00");
    await p.send("प्राथमिक विद्यालय, कैंट");
    await p.tap("छोड़ें ⏭");
    await p.send("६०");
    await p.tap("छोड़ें ⏭");
    expect(p.lastText()).toContain("कार्यक्रम की जानकारी जाँचें");
    expect(p.lastText()).toContain("Varanasi Cantt (390)");
    expect(p.lastText()).toMatch(/27 .*2026, शाम 4:00/);
    await p.tap("✅ पुष्टि करें");
    expect(p.lastText()).toContain("✅ कार्यक्रम दर्ज हो गया");
    const [event] = await eventsBy(p.id);
    expect(event).toMatchObject({ level: "ac", code: "IN-UP:A390", pcCode: "IN-UP:P77", acCode: "IN-UP:A390", expectedAttendance: 60, notes: "", location: null });
    expect(event!.startsAt.toISOString()).toBe("2026-11-27T10:30:00.000Z");
  });

  it("lets a PC in-charge register for one of the PC's ACs, found by typing", async () => {
    const p = await pcIncharge("en");
    await toSummary(p, {
      seat: async (q) => {
        await q.tap("A Vidhan Sabha seat in Varanasi (77)");
        await q.send("rohan");
      },
    });
    await p.tap("✅ Confirm");
    expect((await eventsBy(p.id))[0]).toMatchObject({ level: "ac", code: "IN-UP:A387", pcCode: "IN-UP:P77" });
  });

  it("lets a state team member register on behalf of a PC in their state, and a cluster head for an AC in the cluster", async () => {
    const team = await h.grant(nextId++, "state_team", "IN-UP", { language_code: "en" });
    await toSummary(team, {
      seat: async (q) => {
        expect(q.lastButtons()).toEqual(["A Lok Sabha seat in my area", "A Vidhan Sabha seat in my area"]);
        await q.tap("A Lok Sabha seat in my area");
        await q.send("varanasi");
      },
    });
    await team.tap("✅ Confirm");
    expect((await eventsBy(team.id))[0]).toMatchObject({ level: "pc", code: "IN-UP:P77", createdBy: team.id });

    const cluster = (await h.services.map.listClusters()).find((c) => c.stateCodes.includes("IN-BR"))!;
    const head = await h.grant(nextId++, "cluster_head", cluster.key, { language_code: "en" });
    await toSummary(head, {
      seat: async (q) => {
        await q.tap("A Vidhan Sabha seat in my area");
        // Only the cluster's states are offered.
        if (cluster.stateCodes.length > 1) {
          const labels = q.lastButtons();
          expect(labels).toContain("Bihar");
          expect(labels).not.toContain("Kerala");
          await q.tap("Bihar");
        }
        await q.send("patna sahib");
        await q.send("digha");
      },
    });
    await head.tap("✅ Confirm");
    expect((await eventsBy(head.id))[0]).toMatchObject({ level: "ac", stateCode: "IN-BR", createdBy: head.id });
  });

  it("refuses someone without a role, and stores nothing", async () => {
    const p = h.person(nextId++, { language_code: "en" });
    await p.send("/newevent");
    expect(p.lastText()).toContain("don’t have a role");
    expect(await eventsBy(p.id)).toHaveLength(0);
    expect(await h.db.models.Audit.countDocuments({ actorId: p.id, action: "access.denied" })).toBe(1);
  });
});

describe("bad input gets a short reason and the same question again", () => {
  it("at the date and time step", async () => {
    const p = await pcIncharge("en");
    await p.send("/newevent");
    const programmeMsg = p.findButton("Sneh Samvad");
    await p.tap("Sneh Samvad");
    await p.tap(/^★/);
    const ask = "When is it?";
    const cases: [() => Promise<void>, string][] = [
      [() => p.send("next friday"), "could not read"],
      [() => p.send("31/02 10:00"), "date does not exist"],
      [() => p.send("25:00"), "time does not exist"],
      [() => p.send("20/11 10:00"), "more than a day ago"],
      [() => p.send("25/12/2027 10:00"), "more than a year ahead"],
      [() => p.send("🎉🎉"), "could not read"],
      [() => p.sendContent({ sticker: { emoji: "👍" } }), "could not read"],
      [() => p.sendContent({ voice: { duration: 3 } }), "could not read"],
      [() => p.send("/help"), "middle of a step"],
      [() => p.send("/newevent"), "middle of a step"],
    ];
    for (const [act, reason] of cases) {
      await act();
      expect(p.lastText(), reason).toContain(reason);
      expect(p.lastText(), reason).toContain(ask);
      expect(p.lastButtons()).toEqual(["Today", "Tomorrow"]);
    }
    // An old button from an earlier message: a short toast, no new question, and nothing changes.
    const before = sends();
    await p.tapData(programmeMsg.message.message_id, programmeMsg.data);
    expect(sends()).toBe(before);
    const answer = h.api.callsTo("answerCallbackQuery").at(-1)!;
    expect(answer.params.text).toContain("earlier message");
    // A date alone, then the time; yesterday afternoon is fine (within a day).
    await p.send("25/11");
    expect(p.lastText()).toContain("At what time on <b>Wednesday, 25 November 2026</b>".replace(/<\/?b>/g, ""));
    await p.send("9:00");
    // 25 Nov 09:00 is 27 hours ago: refused, the time is kept and the day asked again.
    expect(p.lastText()).toContain("more than a day ago");
    expect(p.lastText()).toContain("On which day, at 9:00 am");
    await p.tap("Tomorrow");
    expect(p.lastText()).toContain("What is the venue?");
    await p.send("Hall");
    await p.tap("Skip ⏭");
    await p.send("10");
    await p.tap("Skip ⏭");
    expect(p.lastText()).toContain("Fri 27 Nov 2026, 9:00 am");
  });

  it("at the venue, location, expected attendance and notes steps", async () => {
    const p = await pcIncharge("en");
    await p.send("/newevent");
    await p.tap("Sneh Samvad");
    await p.tap(/^★/);
    await p.send("tomorrow 11 am");
    // Venue.
    for (const [act, reason] of [
      [() => p.send("x".repeat(4096)), "under 200 characters"],
      [() => p.send("🎉🎉🎉"), "in words"],
      [() => p.send("a"), "too short"],
      [() => p.sendContent({ sticker: {} }), "type the venue’s name"],
      [() => p.sendContent({ voice: {} }), "type the venue’s name"],
      [() => p.send("/me"), "middle of a step"],
    ] as [() => Promise<void>, string][]) {
      await act();
      expect(p.lastText(), reason).toContain(reason);
      expect(p.lastText()).toContain("What is the venue?");
    }
    // A pin first: kept, and the name asked for; then the location step is skipped.
    await p.sendContent({ location: { latitude: 25.3, longitude: 83.0 } });
    expect(p.lastText()).toContain("Location saved");
    await p.send("Ghat library");
    expect(p.lastText()).toContain("How many people do you expect?");
    // Expected attendance.
    for (const [text, reason] of [
      ["forty", "number in digits"],
      ["-5", "cannot be negative"],
      ["2.5", "whole number"],
      ["🎉", "number in digits"],
      ["1000000", "The most is 100000"],
    ]) {
      await p.send(text!);
      expect(p.lastText(), text).toContain(reason);
      expect(p.lastText()).toContain("How many people do you expect?");
    }
    await p.sendContent({ sticker: {} });
    expect(p.lastText()).toContain("number in digits");
    await p.sendContent({ voice: {} });
    expect(p.lastText()).toContain("How many people do you expect?");
    await p.send("1,200");
    // Notes.
    await p.send("n".repeat(4096));
    expect(p.lastText()).toContain("under 1000 characters");
    expect(p.lastText()).toContain("Any notes");
    await p.sendContent({ photo: {} });
    expect(p.lastText()).toContain("notes as text");
    await p.send("Bring chairs 🪑");
    expect(p.lastText()).toContain("Check the event");
    // Typing on the summary: told to tap, and the summary comes again.
    await p.send("ok");
    expect(p.botTexts().at(-2)).toContain("Please tap ✅ Confirm");
    expect(p.lastButtons()).toEqual(["✅ Confirm", "✏️ Edit", "✖ Cancel"]);
    await p.tap("✅ Confirm");
    expect((await eventsBy(p.id))[0]).toMatchObject({ venue: "Ghat library", location: { latitude: 25.3, longitude: 83.0 }, expectedAttendance: 1200, notes: "Bring chairs 🪑" });
  });

  it("at the location step", async () => {
    const p = await pcIncharge("en");
    await p.send("/newevent");
    await p.tap("Sneh Samvad");
    await p.tap(/^★/);
    await p.send("tomorrow 11 am");
    await p.send("Hall");
    await p.send("near the temple");
    expect(p.lastText()).toContain("Please send a 📍 location, or tap Skip.");
    await p.sendContent({ sticker: {} });
    expect(p.lastText()).toContain("Please send a 📍 location, or tap Skip.");
    await p.sendContent({ location: { latitude: 26.1, longitude: 83.2 } });
    expect(p.lastText()).toContain("How many people");
  });
});

describe("/cancel leaves at every step, storing nothing", () => {
  const steps: [string, (p: TestPerson) => Promise<void>][] = [
    ["programme", async () => {}],
    ["seat", (p) => p.tap("Sneh Samvad")],
    ["date", (p) => p.tap(/^★/)],
    ["time", (p) => p.tap("Today")],
    ["venue", (p) => p.send("6 pm")],
    ["location", (p) => p.send("Hall")],
    ["expected", (p) => p.tap("Skip ⏭")],
    ["notes", (p) => p.send("50")],
    ["summary", (p) => p.tap("Skip ⏭")],
  ];
  it.each(steps.map((_, i) => [steps[i]![0], i] as const))("at the %s step", async (_name, index) => {
    const p = await pcIncharge("en");
    await p.send("/newevent");
    for (const [, step] of steps.slice(0, index + 1)) await step(p);
    await p.send("/cancel");
    expect(p.lastText()).toContain("Cancelled. Nothing from this conversation was saved.");
    expect(await eventsBy(p.id)).toHaveLength(0);
    expect(await h.openConversation(p.id)).toBeNull();
    // A new registration starts afresh.
    await p.send("/newevent");
    expect(p.lastText()).toBe("Which programme is this event?");
    await p.send("/cancel");
  });

  it("with the summary's Cancel button", async () => {
    const p = await pcIncharge("en");
    await toSummary(p);
    await p.tap("✖ Cancel");
    expect(p.lastText()).toContain("Cancelled. Nothing was saved.");
    expect(await eventsBy(p.id)).toHaveLength(0);
  });
});

describe("editing from the summary", () => {
  it("changes one field, keeps the rest, and can go back without changes", async () => {
    const p = await pcIncharge("en");
    await toSummary(p);
    await p.tap("✏️ Edit");
    expect(p.lastText()).toBe("What do you want to change?");
    await p.tap("Venue");
    await p.send("Madrasa courtyard");
    expect(p.lastText()).toContain("Madrasa courtyard");
    expect(p.lastText()).toContain("Expected: 150");
    await p.tap("✏️ Edit");
    await p.tap("Date and time");
    await p.send("26/12 10:30");
    await p.tap("✏️ Edit");
    await p.tap("Expected");
    await p.send("75");
    await p.tap("✏️ Edit");
    await p.tap("Programme");
    await p.tap("Sufi Samvad");
    await p.tap("✏️ Edit");
    await p.tap("↩ Back to summary");
    expect(p.lastText()).toContain("Sat 26 Dec 2026, 10:30 am");
    // The first summary's buttons are gone; an old Confirm does nothing.
    await p.tap("✅ Confirm");
    const [event, ...more] = await eventsBy(p.id);
    expect(more).toHaveLength(0);
    expect(event).toMatchObject({ programmeKey: "sufi-samvad", venue: "Madrasa courtyard", expectedAttendance: 75 });
    expect(event!.startsAt.toISOString()).toBe("2026-12-26T05:00:00.000Z");
  });

  it("sends the person back to the time when it became impossible while they waited", async () => {
    const p = await pcIncharge("en");
    await toSummary(p, { when: "today 1 pm" });
    h.clock.advance(2 * DAY);
    await p.tap("✅ Confirm");
    expect(p.botTexts().at(-2)).toContain("That time is no longer possible");
    expect(p.lastText()).toContain("When is it?");
    await p.send("29/11 4 pm");
    await p.tap("✅ Confirm");
    expect((await eventsBy(p.id))[0]!.startsAt.toISOString()).toBe("2026-11-29T10:30:00.000Z");
  });

  it("keeps the draft when saving fails, so Confirm can be tapped again", async () => {
    const p = await pcIncharge("en");
    await toSummary(p);
    const create = h.services.events.create;
    h.services.events.create = async () => {
      throw new Error("database unavailable");
    };
    try {
      await p.tap("✅ Confirm");
    } finally {
      h.services.events.create = create;
    }
    expect(p.botTexts().at(-2)).toContain("Could not save just now");
    expect(await eventsBy(p.id)).toHaveLength(0);
    await p.tap("✅ Confirm");
    expect(await eventsBy(p.id)).toHaveLength(1);
  });
});

describe("confirming twice stores one event", () => {
  it("a double tap", async () => {
    const p = await pcIncharge("en");
    await toSummary(p);
    const { message, data } = p.findButton("✅ Confirm");
    h.api.clickButton(p.user, message.message_id, data);
    h.api.clickButton(p.user, message.message_id, data);
    const before = sends();
    await drive(h.api, h.bot);
    expect(await eventsBy(p.id)).toHaveLength(1);
    expect(sends()).toBe(before);
  });

  it("the same update delivered again after the first handling's state was lost", async () => {
    const p = await pcIncharge("en");
    await toSummary(p);
    const key = `chat:${p.id}`;
    const saved = await h.db.models.ConversationState.findById(key).lean();
    const { message, data } = p.findButton("✅ Confirm");
    h.api.clickButton(p.user, message.message_id, data);
    const [update] = h.api.takeUpdates();
    await h.bot.handleUpdate(update!);
    expect(await eventsBy(p.id)).toHaveLength(1);
    // As if the process died before its state write: the stored state is the one from before the tap.
    await h.db.models.ConversationState.updateOne(
      { _id: key },
      { $set: { logId: saved!.logId, handledUpdateIds: saved!.handledUpdateIds, updatedAt: saved!.updatedAt } },
      { upsert: true },
    );
    const before = sends();
    await h.bot.handleUpdate(update!);
    expect(await eventsBy(p.id)).toHaveLength(1);
    expect(sends()).toBe(before);
    expect(p.lastText()).toContain("✅ Event registered");
  });

  it("the same update handled by two bot instances at once", async () => {
    const p = await pcIncharge("en");
    await toSummary(p);
    const second = await h.restart();
    const { message, data } = p.findButton("✅ Confirm");
    h.api.clickButton(p.user, message.message_id, data);
    const [update] = h.api.takeUpdates();
    const before = sends();
    await Promise.all([h.bot.handleUpdate(update!), second.bot.handleUpdate(update!)]);
    expect(await eventsBy(p.id)).toHaveLength(1);
    expect(sends()).toBe(before);
  });
});
