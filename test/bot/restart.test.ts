// Conversations that survive restarts: a new Bot instance sharing only the database continues at the same step
// with what was entered; an outdated stored conversation is ended with a message (only the conversation whose
// version changed); a non-Telegram error does not leave the chat stuck; a conversation idle for 24 hours ends with a message saying nothing was saved, once.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { trusted } from "mongoose";
import { createHarness, type Harness } from "../helpers/harness.js";
import { CONVERSATION_STORAGE_VERSION } from "../../src/bot/conversations/storage.js";
import { CONVERSATION_VERSIONS, UNVERSIONED_STATE_VERSION } from "../../src/bot/conversations/versions.js";
import { NEW_EVENT_CONVERSATION } from "../../src/bot/conversations/newEvent.js";
import { REPORT_CONVERSATION } from "../../src/bot/conversations/report.js";
import { endIdleConversations, type IdleNotice } from "../../src/services/idleConversations.js";
import { createLogger } from "../../src/logger.js";

const HOUR = 3600_000;
const START = "2026-11-26T06:30:00Z";

let h: Harness;
let nextId = 5_400_000_000;

beforeAll(async () => {
  h = await createHarness({ label: "restart" });
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  h.clock.set(START);
});

const stateOf = async (id: number) => ((await h.openConversation(id)) === null ? null : h.services.conversations.read(`chat:${id}`));

describe("a restart in the middle", () => {
  it("a new instance continues the registration and then the report, leaving one event and one report", async () => {
    const first = await h.grant(nextId++, "pc_incharge", "IN-UP:P77", { language_code: "hi" });
    await first.send("/newevent");
    await first.tap("स्नेह संवाद");
    await first.tap(/^★/);
    await first.send("आज दोपहर 2 बजे");
    expect(first.lastText()).toContain("कार्यक्रम का स्थान क्या है?");
    expect(await stateOf(first.id)).not.toBeNull();

    // Restart: a new Bot on its own connection. The person answers the venue question it asked before.
    const two = await h.restart();
    const p2 = first.via(two.bot);
    await p2.send("मदरसा हॉल, लंका");
    expect(p2.lastText()).toContain("लोकेशन");
    await p2.tap("छोड़ें ⏭");
    await p2.send("80");
    await p2.tap("छोड़ें ⏭");
    expect(p2.lastText()).toContain("मदरसा हॉल, लंका");
    await p2.tap("✅ पुष्टि करें");
    const events = await h.db.models.Event.find({ createdBy: first.id }).lean();
    expect(events).toHaveLength(1);
    const eventId = events[0]!._id.toHexString();

    // After the event: the report begins on this instance...
    h.clock.advance(4 * HOUR);
    await p2.send("/report");
    await p2.send("90");
    await p2.send("20");
    await p2.send("15");
    expect(p2.lastText()).toContain("खेल हस्तियाँ");

    // ...and another restart finishes it.
    const three = await h.restart();
    const p3 = first.via(three.bot);
    await p3.send("5");
    await p3.send("10");
    await p3.send("30");
    await p3.sendContent({ photo: { width: 640, height: 480 } });
    await p3.tap(/^✅ हो गया/);
    await p3.send("अच्छी उपस्थिति");
    expect(p3.lastText()).toContain("• अन्य: 10");
    await p3.tap("✅ पुष्टि करें");

    expect(await h.db.models.Event.countDocuments({ createdBy: first.id })).toBe(1);
    const reports = await h.db.models.Report.find({ eventId }).lean();
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      total: 90,
      counts: { "sufi-ulema": 20, intellectuals: 15, sports: 5, influential: 10, "women-beneficiaries": 30 },
      notes: "अच्छी उपस्थिति",
      submittedBy: first.id,
      version: 1,
    });
    expect(reports[0]!.photos).toHaveLength(1);
    expect(await h.db.models.ReportVersion.countDocuments({ eventId })).toBe(1);
    expect(await stateOf(first.id)).toBeNull();
  });
});

/**
 * Stores `value` as the chat's state the way a copy running other code would have: a new log entry (entries are
 * never changed once written, and the store keeps the ones it wrote) and the head pointing at it.
 */
async function storeAsOlderCode(id: number, value: string): Promise<void> {
  const logId = `chat:${id}#older-code-${nextId++}`;
  await h.db.models.ConversationLog.create({ _id: logId, value, at: h.clock.now() });
  await h.db.models.ConversationState.updateOne({ _id: `chat:${id}` }, { $set: { logId } });
}

describe("stored conversations that no longer fit the code", () => {
  it("are ended with a message asking to start again, not dropped silently", async () => {
    const p = await h.grant(nextId++, "pc_incharge", "IN-UP:P77", { language_code: "en" });
    await p.send("/newevent");
    await p.tap("Sneh Samvad");
    const doc = await stateOf(p.id);
    const stored = JSON.parse(doc!.value!) as { version: [number, number | string] };
    stored.version[1] = `${CONVERSATION_STORAGE_VERSION}-old`;
    await storeAsOlderCode(p.id, JSON.stringify(stored));
    await p.tap(/^★/);
    expect(p.lastText()).toContain("The bot was updated");
    expect(await stateOf(p.id)).toBeNull();
    await p.send("/newevent");
    expect(p.lastText()).toBe("Which programme is this event?");
    await p.send("/cancel");
  });
});

describe("one version per conversation", () => {
  /** Rewrites the stored state of `id`'s chat with `edit`. */
  async function editStored(id: number, edit: (stored: { conversationVersions?: Record<string, number> }) => void): Promise<void> {
    const doc = await stateOf(id);
    const stored = JSON.parse(doc!.value!) as { conversationVersions?: Record<string, number> };
    edit(stored);
    await storeAsOlderCode(id, JSON.stringify(stored));
  }

  it("records each conversation's version with its state; an older version of one ends only that one", async () => {
    const registering = await h.grant(nextId++, "pc_incharge", "IN-UP:P77", { language_code: "en" });
    await registering.send("/newevent");
    await registering.tap("Sneh Samvad");
    const reporting = await h.grant(nextId++, "pc_incharge", "IN-UP:P78", { language_code: "en" });
    const ev = await h.services.events.create({
      actor: { telegramId: reporting.id, scopes: [{ role: "pc_incharge", level: "pc", code: "IN-UP:P78" }] },
      input: { programmeKey: "sneh-samvad", territory: { level: "pc", code: "IN-UP:P78" }, startsAt: new Date(h.clock.now().getTime() - HOUR), venue: "Hall", location: null, expectedAttendance: 5, notes: "" },
      confirmKey: "versions:1",
    });
    if (!ev.ok) throw new Error(ev.reason);
    await reporting.send("/report");
    expect(JSON.parse((await h.openConversation(registering.id))!)).toMatchObject({ conversationVersions: { [NEW_EVENT_CONVERSATION]: CONVERSATION_VERSIONS.newEvent } });
    expect(JSON.parse((await h.openConversation(reporting.id))!)).toMatchObject({ conversationVersions: { [REPORT_CONVERSATION]: CONVERSATION_VERSIONS.report } });

    // As if /newevent's version had been bumped since these were stored: its state is older, the report's is not.
    await editStored(registering.id, (s) => (s.conversationVersions![NEW_EVENT_CONVERSATION] = CONVERSATION_VERSIONS.newEvent - 1));
    await registering.tap(/^★/);
    expect(registering.lastText()).toContain("The bot was updated");
    expect(await stateOf(registering.id)).toBeNull();

    await reporting.send("12");
    expect(reporting.lastText()).toContain("How many of them were");
    expect(await stateOf(reporting.id)).not.toBeNull();
    await reporting.send("/cancel");
  });

  it("takes a state stored before versions were kept per conversation as version 1", async () => {
    const p = await h.grant(nextId++, "pc_incharge", "IN-UP:P77", { language_code: "en" });
    await p.send("/newevent");
    await p.tap("Sneh Samvad");
    await editStored(p.id, (s) => delete s.conversationVersions);
    await p.tap(/^★/);
    // Fits while /newevent is still at the version all conversations shared then; ends once it has been bumped.
    const fits = CONVERSATION_VERSIONS.newEvent === UNVERSIONED_STATE_VERSION;
    expect(p.lastText()).toContain(fits ? "When is it?" : "The bot was updated");
    await p.send("/cancel");
  });
});

describe("an error inside a conversation", () => {
  it("does not leave the chat stuck", async () => {
    const p = await h.grant(nextId++, "pc_incharge", "IN-UP:P77", { language_code: "en" });
    const list = h.services.programmes.list;
    h.services.programmes.list = async () => {
      throw new Error("database unavailable");
    };
    try {
      await p.send("/newevent");
    } finally {
      h.services.programmes.list = list;
    }
    expect(p.lastText()).toContain("something went wrong");
    expect(await stateOf(p.id)).toBeNull();
    await p.send("/newevent");
    expect(p.lastText()).toBe("Which programme is this event?");
    await p.send("/cancel");
  });
});

describe("conversations idle for 24 hours", () => {
  it("end with a message saying nothing was saved, once, and leave active ones alone", async () => {
    // The job ends every idle conversation in the database: start from none, whatever other tests left open.
    await h.db.models.ConversationState.deleteMany({});
    await h.db.models.ConversationLog.deleteMany({});
    const i18n = h.i18n;
    const notices: IdleNotice[] = [];
    const deps = {
      models: h.db.models,
      claims: h.services.claims,
      i18n,
      logger: createLogger({ level: "silent" }),
      now: h.clock.now,
      notify: async (n: IdleNotice) => {
        notices.push(n);
        await h.bot.api.sendMessage(n.chatId, n.text, { parse_mode: "HTML" });
      },
    };
    const registering = await h.grant(nextId++, "pc_incharge", "IN-UP:P77", { language_code: "en" });
    await registering.send("/newevent");
    await registering.tap("Sneh Samvad");
    await h.services.people.setLanguage(registering.id, "en");
    const reporting = await h.grant(nextId++, "pc_incharge", "IN-UP:P77", { language_code: "hi" });
    const ev = await h.services.events.create({
      actor: { telegramId: reporting.id, scopes: [{ role: "pc_incharge", level: "pc", code: "IN-UP:P77" }] },
      input: { programmeKey: "sneh-samvad", territory: { level: "pc", code: "IN-UP:P77" }, startsAt: new Date(h.clock.now().getTime() - HOUR), venue: "Hall", location: null, expectedAttendance: 5, notes: "" },
      confirmKey: "idle:1",
    });
    if (!ev.ok) throw new Error(ev.reason);
    await reporting.send("/report");
    await reporting.send("12");

    h.clock.advance(23 * HOUR);
    const active = await h.grant(nextId++, "pc_incharge", "IN-UP:P77", { language_code: "en" });
    await active.send("/newevent");
    expect(await endIdleConversations(deps)).toEqual({ ended: 0, skipped: 0 });

    h.clock.advance(2 * HOUR);
    // Two runs at once (two instances): each conversation ends once.
    const [a, b] = await Promise.all([endIdleConversations(deps), endIdleConversations(deps)]);
    expect(a.ended + b.ended).toBe(2);
    expect(notices.map((x) => x.chatId).sort()).toEqual([registering.id, reporting.id].sort());
    expect(registering.lastText()).toContain("Your unfinished step has ended");
    expect(registering.lastText()).toContain("Event registration: nothing was saved. Send /newevent");
    expect(reporting.lastText()).toContain("उपस्थिति रिपोर्ट: कुछ भी सहेजा नहीं गया");
    expect(await stateOf(registering.id)).toBeNull();
    expect(await stateOf(reporting.id)).toBeNull();
    expect(await stateOf(active.id)).not.toBeNull();
    expect(await h.db.models.Report.countDocuments({ eventId: ev.event.id })).toBe(0);

    // Again later: nothing more for them.
    await endIdleConversations(deps);
    expect(notices).toHaveLength(2);
    // The person can start afresh.
    await registering.send("/newevent");
    expect(registering.lastText()).toBe("Which programme is this event?");
  });
});

describe("replay logs left behind", () => {
  it("are removed by the idle-conversations job, keeping the one each open conversation points to", async () => {
    const deps = {
      models: h.db.models,
      claims: h.services.claims,
      i18n: h.i18n,
      logger: createLogger({ level: "silent" }),
      now: h.clock.now,
      notify: async () => {},
    };
    const p = await h.grant(nextId++, "pc_incharge", "IN-UP:P77", { language_code: "en" });
    await p.send("/newevent");
    await p.tap("Sneh Samvad");
    await p.tap(/^★/);
    const mine = { _id: trusted({ $regex: `^chat:${p.id}#` }) };
    // One insert per step: three entries, one current.
    expect(await h.db.models.ConversationLog.countDocuments(mine)).toBe(3);
    h.clock.advance(10 * 60 * 1000);
    await endIdleConversations(deps);
    const left = await h.db.models.ConversationLog.find(mine).lean();
    expect(left.map((l) => l._id)).toEqual([(await h.services.conversations.read(`chat:${p.id}`))!.logId]);
    // The conversation goes on from the entry kept.
    await p.send("25/12 17:30");
    expect(p.lastText()).toContain("venue");
  });
});

