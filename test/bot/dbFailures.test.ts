// The database failing in the middle of a conversation, through the real bot: a service the bot was given (the
// same object createBot got in its deps) throws the driver's own network error a set number of times.
// - a failure or two is tried again with backoff, and the person notices nothing;
// - a failure that lasts keeps the conversation where it was: the person is told, taps Try again (or sends anything)
//   once the database is back, and the event or report is stored with every value they entered;
// - a failure while reading who wrote, or while storing the conversation, is retried too and never ends it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { InlineKeyboard } from "grammy";
import { mongo } from "mongoose";
import { createHarness, type Harness, type TestPerson } from "../helpers/harness.js";
import { reportButtonData } from "../../src/messages/buttons.js";

const HOUR = 3600_000;
let h: Harness;
let nextId = 5_950_000_000;
let nextPc = 40;

beforeAll(async () => {
  h = await createHarness({ label: "dbfail" });
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  h.clock.set("2026-11-26T06:30:00Z");
  h.sleeps.length = 0;
});

async function incharge(lang = "en"): Promise<{ p: TestPerson; code: string }> {
  const code = `IN-UP:P${nextPc++}`;
  const p = await h.grant(nextId++, "pc_incharge", code, { language_code: lang, first_name: "Meera" });
  h.api.addUser(p.user);
  return { p, code };
}

/**
 * Makes `target[method]` throw a MongoNetworkError (a dropped connection, as the driver reports it) on its next
 * `times` calls, then behave again. Returns the number of calls that failed so far, and a restore.
 */
function failing<T extends object, K extends keyof T>(target: T, method: K, times: number) {
  const real = target[method] as (...args: unknown[]) => Promise<unknown>;
  let left = times;
  let failed = 0;
  target[method] = (async (...args: unknown[]) => {
    if (left > 0) {
      left--;
      failed++;
      throw new mongo.MongoNetworkError("connection 7 to 127.0.0.1:27017 closed");
    }
    return real.apply(target, args);
  }) as T[K];
  return {
    failed: () => failed,
    /** The database is back. */
    heal: () => {
      left = 0;
    },
    restore: () => {
      target[method] = real as T[K];
    },
  };
}

const eventsBy = (id: number) => h.db.models.Event.find({ createdBy: id }).lean();

describe("a database lookup inside /newevent", () => {
  it("failing twice is tried again with backoff, and the conversation goes on as if nothing happened", async () => {
    const { p } = await incharge();
    await p.send("/newevent");
    const names = failing(h.services.map, "territoryName", 2);
    try {
      await p.tap("Sneh Samvad"); // the seat step looks up the names of the person's seats
    } finally {
      names.restore();
    }
    expect(names.failed()).toBe(2);
    expect(h.sleeps).toEqual([200, 400]);
    expect(p.lastText()).toBe("Where will it be held?");
    expect(p.botTexts().join("\n")).not.toContain("did not answer");
    await p.send("/cancel");
  });

  it("failing for longer keeps the draft; after Try again the event is stored with every field entered", async () => {
    const { p, code } = await incharge();
    await p.send("/newevent");
    await p.tap("Sufi Samvad");
    await p.tap(/^★/);
    await p.send("25/12 17:30");
    await p.send("Town hall, Lanka");
    await p.sendContent({ location: { latitude: 25.28, longitude: 82.99 } });
    await p.tap("100");
    // The summary looks up the seat's name: the database is down from here on.
    const names = failing(h.services.map, "territoryName", Number.POSITIVE_INFINITY);
    try {
      await p.send("Speakers: local ulema");
      expect(p.lastText()).toContain("The database did not answer just now");
      expect(p.lastText()).toContain("Nothing you entered is lost");
      expect(p.lastButtons()).toEqual(["🔄 Try again"]);
      expect(names.failed()).toBe(3); // three attempts in all for that one step
      expect(await h.openConversation(p.id)).not.toBeNull();

      // Still down: tapping Try again says so again, and still keeps everything.
      await p.tap("🔄 Try again");
      expect(names.failed()).toBe(6);
      expect(p.lastText()).toContain("The database did not answer just now");
      expect(await h.openConversation(p.id)).not.toBeNull();

      // Back: any message carries on from the summary.
      names.heal();
      await p.send("is it back?");
    } finally {
      names.restore();
    }
    const summary = p.lastText();
    expect(summary).toContain("Check the event");
    expect(summary).toContain("Sufi Samvad");
    expect(summary).toContain("Fri 25 Dec 2026, 5:30 pm");
    expect(summary).toContain("Town hall, Lanka 📍");
    expect(summary).toContain("Expected: 100");
    expect(summary).toContain("Speakers: local ulema");
    await p.tap("✅ Confirm");
    expect(p.lastText()).toContain("✅ Event registered");

    const [event, ...more] = await eventsBy(p.id);
    expect(more).toHaveLength(0);
    expect(event).toMatchObject({
      programmeKey: "sufi-samvad",
      level: "pc",
      code,
      venue: "Town hall, Lanka",
      location: { latitude: 25.28, longitude: 82.99 },
      expectedAttendance: 100,
      notes: "Speakers: local ulema",
    });
    expect(event!.startsAt.toISOString()).toBe("2026-12-25T12:00:00.000Z");
    expect(await h.openConversation(p.id)).toBeNull();
  });
});

describe("saving a report while the database fails", () => {
  async function toSummary(p: TestPerson, eventId: string): Promise<void> {
    await h.bot.api.sendMessage(p.id, "Please report", { reply_markup: new InlineKeyboard().text("📝 Report", reportButtonData(eventId)) });
    await p.tap("📝 Report");
    await p.send("60");
    for (const count of ["10", "5", "0", "5", "20"]) await p.send(count);
    await p.sendContent({ photo: { width: 640, height: 480 } });
    await p.tap(/^✅ Done/);
    await p.send("Good turnout");
    expect(p.lastText()).toContain("Check the report");
  }

  async function eventOf(p: TestPerson, code: string): Promise<string> {
    const r = await h.services.events.create({
      actor: { telegramId: p.id, scopes: [{ role: "pc_incharge", level: "pc", code }] },
      input: {
        programmeKey: "sneh-samvad",
        territory: { level: "pc", code },
        startsAt: new Date(h.clock.now().getTime() - 2 * HOUR),
        venue: "Lanka hall",
        location: null,
        expectedAttendance: 80,
        notes: "",
      },
      confirmKey: `dbfail:${p.id}`,
    });
    if (!r.ok) throw new Error(r.reason);
    return r.event.id;
  }

  it("keeps the draft when the save fails after its retries; Confirm again stores every value once", async () => {
    const { p, code } = await incharge();
    const eventId = await eventOf(p, code);
    await toSummary(p, eventId);
    const submit = failing(h.services.reports, "submit", 3);
    try {
      await p.tap("✅ Confirm");
    } finally {
      submit.restore();
    }
    expect(submit.failed()).toBe(3);
    expect(h.sleeps).toEqual([200, 400]);
    expect(p.botTexts().at(-2)).toContain("Could not save just now");
    expect(p.lastText()).toContain("Check the report");
    expect(await h.db.models.Report.countDocuments({ eventId })).toBe(0);
    expect(await h.openConversation(p.id)).not.toBeNull();

    await p.tap("✅ Confirm");
    const [report, ...more] = await h.db.models.Report.find({ eventId }).lean();
    expect(more).toHaveLength(0);
    expect(report).toMatchObject({
      total: 60,
      counts: { "sufi-ulema": 10, intellectuals: 5, sports: 0, influential: 5, "women-beneficiaries": 20 },
      notes: "Good turnout",
      submittedBy: p.id,
      version: 1,
    });
    expect(report!.photos).toHaveLength(1);
    expect(await h.db.models.ReportVersion.countDocuments({ eventId })).toBe(1);
    expect(await h.openConversation(p.id)).toBeNull();
  });
});

describe("the bot's own reads and writes around a conversation", () => {
  it("reading the person fails for a while: the update is refused with a message, the conversation stays", async () => {
    const { p } = await incharge();
    await p.send("/newevent");
    await p.tap("Sneh Samvad");
    const touch = failing(h.services.people, "touch", 3);
    try {
      await p.tap(/^★/);
    } finally {
      touch.restore();
    }
    // Said in Hindi, the bot's default: the person (and so their language) could not be read.
    expect(p.lastText()).toContain("डेटाबेस से अभी जवाब नहीं मिला");
    expect(touch.failed()).toBe(3);
    expect(await h.openConversation(p.id)).not.toBeNull();
    // The same tap again, with the database back: the conversation goes on from the seat question.
    await p.tap(/^★/);
    expect(p.lastText()).toContain("When is it?");
    await p.send("/cancel");
  });

  it("storing the conversation's state fails once: tried again, the step is kept", async () => {
    const { p } = await incharge();
    await p.send("/newevent");
    const write = failing(h.db.models.ConversationLog, "create", 1);
    try {
      await p.tap("Sneh Samvad");
    } finally {
      write.restore();
    }
    expect(write.failed()).toBe(1);
    expect(h.sleeps).toEqual([200]);
    await p.tap(/^★/);
    expect(p.lastText()).toContain("When is it?");
    await p.send("/cancel");
  });
});
