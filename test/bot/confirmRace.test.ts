// One confirmation per draft, whatever the instance and whichever copy of the summary is tapped. Typing at a summary
// shows it again, so the chat can hold two copies with Confirm; two bot instances share the database, and the two
// Confirm taps (one per copy) are handled at once, one on each instance, each replaying the conversation from the
// stored state it read. Exactly one event (one report version) is stored; one tap is answered "saved", the other
// "already saved", in the person's language.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { InlineKeyboard } from "grammy";
import type { Update } from "grammy/types";
import type { Models } from "../../src/db/models/index.js";
import { reportButtonData } from "../../src/messages/buttons.js";
import { createHarness, type Harness, type TestPerson } from "../helpers/harness.js";
import { drive } from "../helpers/telegram.js";

const HOUR = 3600_000;
const START = "2026-11-26T06:30:00Z";

let h: Harness;
let nextId = 5_600_000_000;
let nextPc = 11;

beforeAll(async () => {
  h = await createHarness({ label: "confirmrace" });
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  h.clock.set(START);
});

/** Called with the instance's index before (and after) each of its conversation-state writes and deletes. */
interface Gate {
  before(instance: number): Promise<void>;
  after?(instance: number): void;
}

/**
 * Makes every write and delete of conversation state on these instances' connections wait at `gate.before` (given
 * the instance's index) before it goes to the database; returns the undo. The database is real: this only orders
 * the writes, so that both instances read the state holding the summary before either changes it (otherwise one
 * instance could finish before the other has begun, and there would be no race).
 */
function gateStateWrites(models: Models[], gate: Gate): () => void {
  const undo: (() => void)[] = [];
  models.forEach((m, instance) => {
    const model = m.ConversationState;
    const { updateOne, deleteOne } = model;
    const wrap = <F extends (...args: never[]) => unknown>(original: F): F =>
      (async (...args: Parameters<F>) => {
        await gate.before(instance);
        const result = await (original as (...a: Parameters<F>) => unknown).apply(model, args);
        gate.after?.(instance);
        return result;
      }) as unknown as F;
    model.updateOne = wrap(updateOne);
    model.deleteOne = wrap(deleteOne);
    undo.push(() => {
      model.updateOne = updateOne;
      model.deleteOne = deleteOne;
    });
  });
  return () => undo.forEach((u) => u());
}

/** Opens once each of `count` instances has reached it (each has handled its update up to its state write). */
function allArrived(count: number): Gate["before"] {
  const arrived = new Set<number>();
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return async (instance) => {
    arrived.add(instance);
    if (arrived.size === count) open();
    await opened;
  };
}

/** Hands each update to its own instance, all at once, with the state writes gated; returns when all are handled. */
async function race(pairs: [{ handleUpdate(u: Update): Promise<unknown> }, Update][], models: Models[], gate: Gate = { before: allArrived(pairs.length) }): Promise<void> {
  const undo = gateStateWrites(models, gate);
  try {
    await Promise.all(pairs.map(([bot, update]) => bot.handleUpdate(update)));
  } finally {
    undo();
  }
}

/** Every bot message in the chat that has a button labelled `label`, oldest first, with the button's data. */
function copiesWith(p: TestPerson, label: string): { messageId: number; data: string }[] {
  const out: { messageId: number; data: string }[] = [];
  for (const e of p.transcript()) {
    if (e.from !== "bot") continue;
    const button = (e.message.reply_markup?.inline_keyboard ?? []).flat().find((b) => b.text === label);
    if (button && "callback_data" in button && button.callback_data) out.push({ messageId: e.message.message_id, data: button.callback_data });
  }
  return out;
}

/** The current text of a message in the chat (after any edits). */
function textOf(p: TestPerson, messageId: number): string {
  const entry = p.transcript().find((e) => e.message.message_id === messageId);
  return entry?.message.text ?? "";
}

/** The toast each callback query was answered with, in the order of `updates`. */
function toastsFor(updates: Update[]): (string | undefined)[] {
  return updates.map((u) => {
    const call = h.api.callsTo("answerCallbackQuery").find((c) => c.params.callback_query_id === u.callback_query!.id && c.ok);
    return call?.params.text as string | undefined;
  });
}

const sends = () => h.api.callsTo("sendMessage").length;
const stateOf = (id: number) => h.openConversation(id);
const eventsBy = (id: number) => h.db.models.Event.find({ createdBy: id }).lean();

async function pcIncharge(lang: "hi" | "en"): Promise<TestPerson> {
  const p = await h.grant(nextId++, "pc_incharge", `IN-UP:P${nextPc++}`, { language_code: lang, first_name: "Meera" });
  h.api.addUser(p.user);
  return p;
}

/** /newevent in Hindi up to the summary, then a typed word: the summary comes again, so there are two copies. */
async function twoEventSummaries(p: TestPerson): Promise<{ messageId: number; data: string }[]> {
  await p.send("/newevent");
  await p.tap("स्नेह संवाद");
  await p.tap(/^★/);
  await p.send("आज दोपहर 2 बजे");
  await p.send("मदरसा हॉल, लंका");
  await p.tap("छोड़ें ⏭");
  await p.send("80");
  await p.tap("छोड़ें ⏭");
  expect(p.lastText()).toContain("मदरसा हॉल, लंका");
  await p.send("ठीक है");
  expect(p.botTexts().at(-2)).toContain("कृपया नीचे ✅ पुष्टि करें");
  const copies = copiesWith(p, "✅ पुष्टि करें");
  expect(copies).toHaveLength(2);
  return copies;
}

describe("two copies of the /newevent summary confirmed on two instances at once", () => {
  it("store one event; one tap is told it was saved, the other that it was already saved (in Hindi)", async () => {
    const p = await pcIncharge("hi");
    const [copy1, copy2] = await twoEventSummaries(p);
    const second = await h.restart();
    h.api.clickButton(p.user, copy1!.messageId, copy1!.data);
    h.api.clickButton(p.user, copy2!.messageId, copy2!.data);
    const [tap1, tap2] = h.api.takeUpdates();
    const before = sends();

    await race([[h.bot, tap1!], [second.bot, tap2!]], [h.db.models, second.db.models]);

    const events = await eventsBy(p.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ venue: "मदरसा हॉल, लंका", expectedAttendance: 80 });
    expect(await h.db.models.Audit.countDocuments({ action: "event.create", actorId: p.id })).toBe(1);
    // One "saved" and one "already saved", whichever instance won.
    expect(toastsFor([tap1!, tap2!]).sort()).toEqual(["पहले ही सहेजा जा चुका है ✅", "सहेजा गया ✅"].sort());
    const texts = [textOf(p, copy1!.messageId), textOf(p, copy2!.messageId)];
    for (const text of texts) expect(text).toContain("✅ कार्यक्रम दर्ज हो गया");
    expect(texts.filter((t) => t.includes("यह कार्यक्रम पहले ही सहेजा जा चुका था"))).toHaveLength(1);
    // Answered by editing the copies: nothing new sent, no Confirm left to tap, the conversation is over.
    expect(sends()).toBe(before);
    expect(copiesWith(p, "✅ पुष्टि करें")).toHaveLength(0);
    expect(await stateOf(p.id)).toBeNull();
  });

  it("a double tap on the same copy, handled on two instances at once, also stores one event", async () => {
    const p = await pcIncharge("hi");
    const [copy1] = await twoEventSummaries(p);
    const second = await h.restart();
    h.api.clickButton(p.user, copy1!.messageId, copy1!.data);
    h.api.clickButton(p.user, copy1!.messageId, copy1!.data);
    const [tap1, tap2] = h.api.takeUpdates();

    await race([[h.bot, tap1!], [second.bot, tap2!]], [h.db.models, second.db.models]);

    expect(await eventsBy(p.id)).toHaveLength(1);
    expect(toastsFor([tap1!, tap2!]).sort()).toEqual(["पहले ही सहेजा जा चुका है ✅", "सहेजा गया ✅"].sort());
  });

  it("Edit on one copy while the other copy's Confirm saves: the later Confirm says already saved and changes nothing", async () => {
    const p = await pcIncharge("hi");
    const [copy1, copy2] = await twoEventSummaries(p);
    const edit = copiesWith(p, "✏️ बदलें").find((c) => c.messageId === copy2!.messageId)!;
    const second = await h.restart();
    h.api.clickButton(p.user, copy1!.messageId, copy1!.data);
    h.api.clickButton(p.user, edit.messageId, edit.data);
    const [confirmTap, editTap] = h.api.takeUpdates();
    // The worst order: the confirming instance ends the conversation first, then the editing one stores its state
    // (asking which field), so the person is still mid-edit of a draft that has been saved.
    const arrived = allArrived(2);
    let confirmerDone!: () => void;
    const confirmerWrote = new Promise<void>((resolve) => (confirmerDone = resolve));
    const gate: Gate = {
      async before(instance) {
        await arrived(instance);
        if (instance === 1) await confirmerWrote;
      },
      after: (instance) => {
        if (instance === 0) confirmerDone();
      },
    };
    await race([[h.bot, confirmTap!], [second.bot, editTap!]], [h.db.models, second.db.models], gate);
    expect(await eventsBy(p.id)).toHaveLength(1);
    expect(await stateOf(p.id)).not.toBeNull();

    // The edit goes on; confirming it stores nothing new and says the event was already saved, as it is stored.
    const p2 = p.via(second.bot);
    await p2.tap("स्थान");
    await p2.send("नया हॉल");
    expect(p2.lastText()).toContain("नया हॉल");
    await p2.tap("✅ पुष्टि करें");
    expect(p2.lastText()).toContain("यह कार्यक्रम पहले ही सहेजा जा चुका था");
    expect(p2.lastText()).toContain("मदरसा हॉल, लंका");
    expect(p2.lastText()).not.toContain("नया हॉल");
    const events = await eventsBy(p.id);
    expect(events).toHaveLength(1);
    expect(events[0]!.venue).toBe("मदरसा हॉल, लंका");
    expect(await stateOf(p.id)).toBeNull();
  });
});

/** A reminder with the rp:<eventId> button, as the scheduler sends it. */
async function remind(p: TestPerson, eventId: string): Promise<void> {
  await h.bot.api.sendMessage(p.id, "Please report", { reply_markup: new InlineKeyboard().text("📝 Report", reportButtonData(eventId)) });
}

describe("two copies of the /report summary confirmed on two instances at once", () => {
  it("store one report version; one tap is told saved, the other already saved; a correction later is a new version", async () => {
    const p = await pcIncharge("en");
    const code = `IN-UP:P${nextPc - 1}`;
    const created = await h.services.events.create({
      actor: { telegramId: p.id, scopes: [{ role: "pc_incharge", level: "pc", code }] },
      input: { programmeKey: "sneh-samvad", territory: { level: "pc", code }, startsAt: new Date(h.clock.now().getTime() + HOUR), venue: "Lanka hall", location: null, expectedAttendance: 80, notes: "" },
      confirmKey: "race:report",
    });
    if (!created.ok) throw new Error(created.reason);
    const eventId = created.event.id;
    h.clock.advance(3 * HOUR);

    await remind(p, eventId);
    await p.tap("📝 Report");
    await p.send("60");
    for (const count of ["10", "5", "0", "5", "20"]) await p.send(count);
    await p.tap(/^✅ Done/);
    await p.tap("Skip ⏭");
    expect(p.lastText()).toContain("Check the report");
    await p.send("ok");
    const [copy1, copy2] = copiesWith(p, "✅ Confirm");
    expect(copy2).toBeDefined();

    const second = await h.restart();
    h.api.clickButton(p.user, copy1!.messageId, copy1!.data);
    h.api.clickButton(p.user, copy2!.messageId, copy2!.data);
    const [tap1, tap2] = h.api.takeUpdates();
    const before = sends();
    await race([[h.bot, tap1!], [second.bot, tap2!]], [h.db.models, second.db.models]);

    expect(await h.db.models.Report.countDocuments({ eventId })).toBe(1);
    expect(await h.db.models.ReportVersion.countDocuments({ eventId })).toBe(1);
    expect(await h.db.models.Report.findOne({ eventId }).lean()).toMatchObject({ total: 60, version: 1 });
    expect(toastsFor([tap1!, tap2!]).sort()).toEqual(["Already saved ✅", "Saved ✅"].sort());
    const texts = [textOf(p, copy1!.messageId), textOf(p, copy2!.messageId)];
    for (const text of texts) expect(text).toContain("✅ Report saved");
    expect(texts.filter((t) => t.includes("This report had already been saved"))).toHaveLength(1);
    expect(sends()).toBe(before);
    expect(copiesWith(p, "✅ Confirm")).toHaveLength(0);
    expect(await stateOf(p.id)).toBeNull();

    // A correction is a new draft: it makes version 2.
    await remind(p, eventId);
    await p.tap("📝 Report");
    await p.send("70");
    for (const count of ["10", "5", "0", "5", "20"]) await p.send(count);
    await p.tap(/^✅ Done/);
    await p.tap("Skip ⏭");
    expect(p.lastText()).toContain("Check the corrected report");
    await p.tap("✅ Confirm");
    expect(p.lastText()).toContain("Report corrected (version 2)");
    expect(await h.db.models.ReportVersion.countDocuments({ eventId })).toBe(2);
    await drive(h.api, h.bot);
  });
});
