// /review through the real bot against the test database: a state team sees its state's reports and no other's; a
// card shows the photos as an album; send back → the author is told with the reason and a correction button that
// works after the 72 hours → the reviewer sees "corrected" and approves; two reviewers at once give one transition;
// void takes a report out of the figures and keeps it in the audit log; forged and out-of-area taps are refused.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHarness, type Harness, type TestPerson } from "../helpers/harness.js";
import type { Role } from "../../src/domain/roles.js";
import { reviewCardData } from "../../src/messages/buttons.js";

const HOUR = 3600_000;
const START = "2026-11-26T06:30:00Z";

let h: Harness;
let nextId = 5_600_000_000;
let nextPc = 1;
let n = 0;

beforeAll(async () => {
  h = await createHarness({ label: "review" });
  await h.services.programmes.seedDefaults();
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  h.clock.set(START);
});

async function person(role: Role, code: string, first = "Asha"): Promise<TestPerson> {
  const p = await h.grant(nextId++, role, code, { language_code: "en", first_name: first });
  h.api.addUser(p.user);
  await h.services.people.setLanguage(p.id, "en");
  return p;
}

/** Two photos the in-charge "sent": real file ids in the local Bot API. */
function photosOf(p: TestPerson, count: number) {
  return Array.from({ length: count }, (_, i) => {
    const m = h.api.sendUserMessage(p.user, { photo: { width: 800 + i, height: 600 } });
    const size = m.photo!.at(-1)!;
    return { fileId: size.file_id, fileUniqueId: size.file_unique_id, kind: "photo" as const };
  });
}

/** A PC in-charge of a PC of their own in `state`, with a held event and its report (total 120). */
async function reportIn(state: string, opts: { photos?: number; total?: number } = {}) {
  const code = `${state}:P${nextPc++}`;
  const author = await person("pc_incharge", code, "Ravi");
  const actor = { telegramId: author.id, scopes: [{ role: "pc_incharge" as const, level: "pc" as const, code }] };
  const event = await h.services.events.create({
    actor,
    input: { programmeKey: "sneh-samvad", territory: { level: "pc", code }, startsAt: new Date(h.clock.now().getTime() - 2 * HOUR), venue: "Town hall", location: { latitude: 25.3, longitude: 83 }, expectedAttendance: 100, notes: "" },
    confirmKey: `review-test:${++n}`,
  });
  if (!event.ok) throw new Error(event.reason);
  const eventId = event.event.id;
  const report = await h.services.reports.submit({
    actor,
    eventId,
    input: { total: opts.total ?? 120, counts: { "sufi-ulema": 40, intellectuals: 30 }, photos: photosOf(author, opts.photos ?? 0), notes: "Good turnout" },
    confirmKey: `review-test:r:${++n}`,
  });
  if (!report.ok) throw new Error(report.reason);
  return { author, eventId, actor };
}

const statusOf = async (eventId: string) => (await h.db.models.Report.findById(eventId).lean())?.reviewStatus;
const lastAnswer = () => h.api.callsTo("answerCallbackQuery").at(-1)!.params;

/** Delivers one queued outbox message as the worker would (the worker is not running in these tests). */
async function deliver(key: string): Promise<void> {
  const record = await h.db.models.OutboxItem.findOne({ key }).lean();
  expect(record, `outbox message ${key}`).toBeTruthy();
  await h.bot.api.raw.sendMessage({ chat_id: record!.chatId, ...(JSON.parse(record!.params) as { text: string }) });
}

describe("the queues", () => {
  it("a state team member sees exactly their state's reports, awaiting review first, and opens none of another state's", async () => {
    const up = [await reportIn("IN-MP"), await reportIn("IN-MP")];
    const other = await reportIn("IN-RJ");
    const team = await person("state_team", "IN-MP");

    await team.send("/review");
    expect(team.lastText()).toContain("Review");
    expect(team.lastButtons()[0]).toBe("Awaiting review (2)");
    await team.tap("Awaiting review (2)");
    expect(team.lastText()).toContain("Awaiting review · your area: 2");
    const listed = team.transcript().at(-1)!.message.reply_markup!.inline_keyboard.flat().map((b) => ("callback_data" in b ? b.callback_data : ""));
    expect(listed.filter((d) => d?.startsWith("rv:c:")).sort()).toEqual(up.map((r) => reviewCardData(r.eventId)).sort());

    // Narrowed to one Lok Sabha seat: only its report.
    await team.tap("↩ Back");
    await team.tap("🏛 Lok Sabha seat: all");
    const seat = (await h.db.models.Report.findById(up[0]!.eventId).lean())!.pcCode;
    const seatButton = team.findButton(new RegExp(`\\(${seat.split(":P")[1]}\\)$`));
    await team.tapData(seatButton.message.message_id, seatButton.data);
    expect(team.lastButtons()[0]).toBe("Awaiting review (1)");
    await team.tap("Awaiting review (1)");
    const narrowed = team.transcript().at(-1)!.message.reply_markup!.inline_keyboard.flat().map((b) => ("callback_data" in b ? b.callback_data : ""));
    expect(narrowed.filter((d) => d?.startsWith("rv:c:"))).toEqual([reviewCardData(up[0]!.eventId)]);

    const page = await h.services.review.listQueue({ telegramId: team.id, scopes: [{ role: "state_team", level: "state", code: "IN-MP" }] }, "submitted", {}, 0);
    expect("items" in page && page.items.map((r) => r.eventId).sort()).toEqual(up.map((r) => r.eventId).sort());

    // Another state's report, by a forged button: refused, audited, nothing shown.
    const before = team.transcript().length;
    await team.tapData(team.transcript().at(-1)!.message.message_id, reviewCardData(other.eventId));
    expect(lastAnswer()).toMatchObject({ show_alert: true, text: expect.stringContaining("outside your area") });
    expect(team.transcript().length).toBe(before);
    expect(await h.db.models.Audit.findOne({ actorId: team.id, action: "access.denied" }).lean()).toMatchObject({
      details: { attempted: "review.open", eventId: other.eventId },
    });
  });

  it("lists the area's events: planned, held awaiting a report, and overdue; each opens", async () => {
    const code = "IN-AS:P1";
    const organiser = await person("pc_incharge", code, "Bhupen");
    const actor = { telegramId: organiser.id, scopes: [{ role: "pc_incharge" as const, level: "pc" as const, code }] };
    const at = (hours: number, venue: string) =>
      h.services.events.create({
        actor,
        input: { programmeKey: "sneh-samvad", territory: { level: "pc", code }, startsAt: new Date(h.clock.now().getTime() + hours * HOUR), venue, location: null, expectedAttendance: 50, notes: "" },
        confirmKey: `review-events:${++n}`,
      });
    await at(30, "Ahead");
    await at(-3, "Awaiting");
    h.clock.advance(-72 * HOUR);
    const old = await at(1, "Overdue");
    h.clock.set(START);
    if (!old.ok) throw new Error(old.reason);
    await h.services.events.create({
      actor: { telegramId: organiser.id, scopes: [{ role: "pc_incharge", level: "pc", code: "IN-ML:P1" }] },
      input: { programmeKey: "sneh-samvad", territory: { level: "pc", code: "IN-ML:P1" }, startsAt: new Date(h.clock.now().getTime() + 30 * HOUR), venue: "Elsewhere", location: null, expectedAttendance: 50, notes: "" },
      confirmKey: `review-events:${++n}`,
    });
    const team = await person("state_team", "IN-AS");
    await team.send("/review");
    expect(team.lastButtons()).toEqual(expect.arrayContaining(["🗓 Events planned (1)", "⏳ Held, report awaited (1)", "⚠️ Report overdue (48 h+) (1)"]));
    await team.tap("⚠️ Report overdue (48 h+) (1)");
    expect(team.lastText()).toContain("Report overdue (48 h+) · your area: 1");
    expect(team.lastButtons()[0]).toMatch(/· Bhupen$/);
    await team.tap(/· Bhupen$/);
    expect(team.lastText()).toContain("Overdue");
  });

  it("an in-charge has no /review", async () => {
    const { author } = await reportIn("IN-GJ");
    await author.send("/review");
    expect(author.lastText()).toMatch(/role/i);
  });
});

describe("a report's card and its decisions", () => {
  it("shows the report and its photos as an album; send back → author corrects after 72 hours → corrected → approved", async () => {
    const { author, eventId } = await reportIn("IN-KA", { photos: 2 });
    const team = await person("state_team", "IN-KA", "Meena");
    h.clock.advance(100 * HOUR); // past the author's own 72 hours

    await team.send("/review");
    await team.tap("Awaiting review (1)");
    await team.tap(/^Bengaluru|·/);
    const album = h.api.callsTo("sendMediaGroup").at(-1)!;
    const stored = (await h.db.models.Report.findById(eventId).lean())!;
    const media = (typeof album.params.media === "string" ? JSON.parse(album.params.media) : album.params.media) as { media: string }[];
    expect(media.map((m) => m.media)).toEqual(stored.photos.map((p) => p.fileId));
    const card = team.lastText();
    for (const part of ["Sneh Samvad", "Awaiting review", "Town hall", "Total: 120", "Good turnout", "2 photos (above)", "v1 ·", "sent by Ravi"]) {
      expect(card).toContain(part);
    }
    expect(team.lastButtons()).toEqual(["✅ Approve", "↩ Send back", "💬 Write to the organiser", "↩ Back"]);

    await team.tap("↩ Send back");
    expect(team.lastText()).toContain("Why send it back?");
    const cardMessage = team.findButton("✅ Approve").message.message_id;
    await team.tap("The numbers look wrong");
    expect(await statusOf(eventId)).toBe("sent_back");
    // The card itself now says so, and offers no decision any more.
    const updated = h.api.message(team.id, cardMessage)!.message;
    expect(updated.text).toContain("Sent back, waiting for the author");
    expect((updated.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.text)).toEqual(["💬 Write to the organiser", "↩ Back"]);
    expect(await h.db.models.ReviewDecision.countDocuments({ eventId })).toBe(1);

    // The author is told, with the reason and a button that opens the correction although 72 hours have passed.
    const notice = (await h.db.models.OutboxItem.findOne({ key: `review.sentBack:${eventId}:1` }).lean())!;
    expect(notice.chatId).toBe(author.id);
    expect((JSON.parse(notice.params) as { text: string }).text).toContain("The numbers look wrong");
    await deliver(`review.sentBack:${eventId}:1`);
    await author.tap("✏️ Correct the report");
    expect(author.botTexts().at(-2)).toContain("a reviewer sent it back");
    expect(author.botTexts().at(-2)).toContain("Reason: The numbers look wrong");
    await author.send("100");
    await author.tap("Keep 40");
    await author.tap("Keep 30");
    // The other categories had no count: 0 each (others: 30).
    for (let i = 0; i < 5 && /How many of them/.test(author.lastText()); i++) await author.tap("0");
    await author.tap(/^✅ Done|^Keep/); // the photos as they are
    await author.tap("Keep the notes");
    expect(author.lastText()).toContain("Check the corrected report");
    await author.tap("✅ Confirm");
    expect(author.lastText()).toContain("The reviewer has been told");

    expect(await statusOf(eventId)).toBe("corrected");
    const told = (await h.db.models.OutboxItem.findOne({ key: `review.corrected:${eventId}:2` }).lean())!;
    expect(told.chatId).toBe(team.id);

    await team.send("/review");
    expect(team.lastButtons()).toContain("Corrected (1)");
    await team.tap("Corrected (1)");
    await team.tap(/·/);
    expect(team.lastText()).toContain("corrected by Ravi: total 120 → 100");
    expect(team.lastText()).toContain("v1 sent back by Meena");
    await team.tap("✅ Approve");
    expect(lastAnswer().text).toBe("✅ Approved.");
    expect(await statusOf(eventId)).toBe("approved");
    expect(team.lastButtons()).toEqual(["💬 Write to the organiser", "↩ Back"]);
    // The area's rollup says how much of the attendance is checked.
    await team.send(`/rollup ${"2026-11-26"}`);
    await team.tap("More details"); // the review figures are behind the first screen
    const rollup = team.botTexts().find((t) => t.includes("Review (reports to date)"))!;
    expect(rollup).toContain("To check: 0 · sent back: 0 · approved: 1");
    expect(rollup).toContain("Approved attendance: 100 of 100 (100%)");
    const audit = await h.db.models.Audit.find({ "details.eventId": eventId, action: /^review\./ }).sort({ at: 1, _id: 1 }).lean();
    expect(audit.map((a) => [a.action, a.actorId])).toEqual([
      ["review.send_back", team.id],
      ["review.approve", team.id],
    ]);
  });

  it("a photo flagged as reused: the card names the other report, shows both photos, and opens the other", async () => {
    const a = await reportIn("IN-WB", { photos: 1 });
    const b = await reportIn("IN-WB", { photos: 1 });
    const [pa, pb] = await Promise.all([a, b].map(async (x) => (await h.db.models.Report.findById(x.eventId).lean())!.photos[0]!));
    // As the photo job records a match (test/services/photos.test.ts shows it found on real JPEGs).
    await h.db.models.PhotoFlag.create({
      _id: `${a.eventId}:${pa!.fileUniqueId}:${b.eventId}:${pb!.fileUniqueId}`,
      eventId: a.eventId,
      fileUniqueId: pa!.fileUniqueId,
      fileId: pa!.fileId,
      otherEventId: b.eventId,
      otherFileUniqueId: pb!.fileUniqueId,
      otherFileId: pb!.fileId,
      reason: "similar",
      distance: 3,
      at: h.clock.now(),
    });
    const team = await person("state_team", "IN-WB");
    await team.send("/review");
    await team.tap(/^Awaiting review/);
    await team.tapData(team.transcript().at(-1)!.message.message_id, reviewCardData(a.eventId));
    expect(team.lastText()).toContain("A photo looks like one in another report:");
    expect(team.lastText()).toContain("difference 3 of 64");
    const pair = h.api.callsTo("sendMediaGroup").at(-1)!;
    const media = (typeof pair.params.media === "string" ? JSON.parse(pair.params.media) : pair.params.media) as { media: string }[];
    expect(media.map((m) => m.media)).toEqual([pa!.fileId, pb!.fileId]);
    await team.tap(/^⚠️ Open the other report/);
    expect(team.lastText()).toContain("Awaiting review");
    expect(team.lastButtons()).toContain("✅ Approve");
    const opened = h.api.callsTo("sendPhoto").at(-1)!;
    expect(opened.params.photo).toBe(pb!.fileId);
    // The state's rollup counts the flagged report.
    await team.send("/rollup 2026-11-26");
    await team.tap("More details");
    expect(team.botTexts().find((t) => t.includes("Review (reports to date)"))).toContain("1 report has a photo that matches another report's");
  });

  it("a double tap, a replayed tap and two reviewers at once give one transition", async () => {
    const { eventId } = await reportIn("IN-TN");
    const a = await person("state_team", "IN-TN");
    const b = await person("cluster_head", (await h.services.map.clusterOfState("IN-TN"))!.key);
    const actorOf = (p: TestPerson, role: Role, code: string) => ({ telegramId: p.id, scopes: [{ role, level: role === "state_team" ? ("state" as const) : ("cluster" as const), code }] });
    const cluster = (await h.services.map.clusterOfState("IN-TN"))!.key;
    const [ra, rb] = await Promise.all([
      h.services.review.decide(actorOf(a, "state_team", "IN-TN"), { eventId, version: 1, action: "approve", requestKey: "a" }),
      h.services.review.decide(actorOf(b, "cluster_head", cluster), { eventId, version: 1, action: "send_back", reasonKey: "photos", requestKey: "b" }),
    ]);
    const outcomes = [ra, rb].map((r) => (r.ok ? "ok" : r.reason)).sort();
    expect(outcomes).toEqual(["already_decided", "ok"]);
    expect(await h.db.models.ReviewDecision.countDocuments({ eventId })).toBe(1);
    // The same request again (a replayed update) is the same decision, not a second one.
    const winner = ra.ok ? { p: a, role: "state_team" as const, code: "IN-TN", action: "approve" as const, key: "a" } : { p: b, role: "cluster_head" as const, code: cluster, action: "send_back" as const, key: "b" };
    const again = await h.services.review.decide(actorOf(winner.p, winner.role, winner.code), { eventId, version: 1, action: winner.action, reasonKey: "photos", requestKey: winner.key });
    expect(again).toMatchObject({ ok: true, duplicate: true });
    expect(await h.db.models.ReviewDecision.countDocuments({ eventId })).toBe(1);
    expect(await h.db.models.OutboxItem.countDocuments({ key: new RegExp(`^review\\.sentBack:${eventId}`) })).toBe(winner.action === "send_back" ? 1 : 0);

    // Through the bot: two taps on one card's Approve are one decision.
    const { eventId: second } = await reportIn("IN-TN");
    await a.send("/review");
    await a.tap(/^Awaiting review/);
    const cardButton = a.findButton(/·/);
    await a.tapData(cardButton.message.message_id, reviewCardData(second));
    const approve = a.findButton("✅ Approve");
    await a.tapData(approve.message.message_id, approve.data);
    await a.tapData(approve.message.message_id, approve.data);
    expect(lastAnswer().text).toBe("Already done.");
    expect(await h.db.models.ReviewDecision.countDocuments({ eventId: second })).toBe(1);
  });

  it("a reviewer writes to the organiser, who replies through the bot; a forged reply reaches nobody", async () => {
    const { author, eventId } = await reportIn("IN-HR");
    const team = await person("state_team", "IN-HR", "Meena");
    const stranger = await person("pc_incharge", "IN-HR:P9", "Kamal");
    await team.send("/review");
    await team.tap(/^Awaiting review/);
    await team.tap(/·/);
    await team.tap("💬 Write to the organiser");
    expect(team.lastText()).toContain("Type your message to Ravi");
    await team.send("Please send the attendance register photo");
    expect(team.lastText()).toBe("✅ Sent to Ravi.");
    const sent = await h.db.models.OutboxItem.find({ purpose: "review.message", refId: eventId }).lean();
    expect(sent.map((m) => m.chatId)).toEqual([author.id]);
    await deliver(sent[0]!.key);
    expect(author.lastText()).toContain("Meena about Sneh Samvad");
    expect(author.lastText()).toContain("Please send the attendance register photo");
    await author.tap("↩ Reply");
    await author.send("Sent it just now");
    expect(author.lastText()).toBe("✅ Sent to Meena.");
    const replies = await h.db.models.OutboxItem.find({ purpose: "review.message", refId: eventId, chatId: team.id }).lean();
    expect(replies).toHaveLength(1);
    // Someone else forging the Reply button: refused at sending, nothing queued, audited.
    await stranger.tapData(h.api.sendUserMessage(stranger.user, "hi").message_id, `rm:${eventId}:${team.id}`).catch(() => undefined);
    await stranger.send("/start");
    await h.bot.api.sendMessage(stranger.id, "x", { reply_markup: { inline_keyboard: [[{ text: "↩ Reply", callback_data: `rm:${eventId}:${team.id}` }]] } });
    await stranger.tap("↩ Reply");
    await stranger.send("Let me in");
    expect(stranger.lastText()).toContain("outside your area");
    expect(await h.db.models.OutboxItem.countDocuments({ purpose: "review.message", refId: eventId })).toBe(2);
    expect(await h.db.models.Audit.findOne({ actorId: stranger.id, action: "review.message", outcome: "denied" }).lean()).toBeTruthy();
  });

  it("the national office gives an event to its seat's current holder", async () => {
    const { author, eventId } = await reportIn("IN-PB");
    const event = (await h.db.models.Event.findById(eventId).lean())!;
    // The seat changes hands: the old in-charge loses the role, a new one holds it.
    await h.services.people.revokeRole(author.id, event.code);
    const successor = await person("pc_incharge", event.code, "Gurpreet");
    const admin = await person("national_admin", "IN");
    await admin.send("/review");
    await admin.tap(/^Awaiting review/);
    await admin.tapData(admin.transcript().at(-1)!.message.message_id, reviewCardData(eventId));
    await admin.tap("🔁 Give to the seat's holder");
    expect(lastAnswer().text).toContain("now belongs to Gurpreet");
    expect((await h.db.models.Event.findById(eventId).lean())!.createdBy).toBe(successor.id);
    expect(await h.db.models.Audit.findOne({ action: "event.reassign", "details.eventId": eventId }).lean()).toMatchObject({
      actorId: admin.id,
      details: { from: author.id, to: successor.id },
    });
  });

  it("void (national office, with a typed reason) takes a report out of the figures and keeps it in the audit log", async () => {
    const { eventId } = await reportIn("IN-OD", { total: 777 });
    const admin = await person("national_admin", "IN");
    const team = await person("state_team", "IN-OD");
    const day = "2026-11-26";
    const attendance = async () => {
      const [rollup] = await h.services.rollups.compute({ day, zone: "Asia/Kolkata", asOf: h.clock.now(), scopes: [{ level: "state", code: "IN-OD" } as never] });
      return JSON.stringify(rollup).includes("777");
    };
    expect(await attendance()).toBe(true);

    // A state team has no Void button, and a forged one is refused.
    await team.send("/review");
    await team.tap(/^Awaiting review/);
    await team.tap(/·/);
    expect(team.lastButtons()).not.toContain("🚫 Void");
    await team.tapData(team.transcript().at(-1)!.message.message_id, `rv:x:${eventId}`);
    expect(lastAnswer()).toMatchObject({ show_alert: true });
    expect(await statusOf(eventId)).toBe("submitted");

    await admin.send("/review");
    await admin.tap(/^Awaiting review/);
    // The national queue holds every state's reports: open this one's card.
    await admin.tapData(admin.transcript().at(-1)!.message.message_id, reviewCardData(eventId));
    await admin.tap("🚫 Void");
    expect(admin.lastText()).toContain("Why void this report?");
    await admin.send("x");
    expect(admin.lastText()).toMatch(/at least 2|2/);
    await admin.send("Duplicate of another report");
    expect(admin.botTexts().at(-1)).toContain("Voided");
    expect(await statusOf(eventId)).toBe("void");
    expect(await h.db.models.Report.exists({ _id: eventId })).toBeTruthy();
    expect(await attendance()).toBe(false);
    expect(await h.db.models.Audit.findOne({ action: "review.void", "details.eventId": eventId }).lean()).toMatchObject({
      actorId: admin.id,
      details: { reason: "Duplicate of another report" },
    });
    // The author can no longer correct it.
    const report = (await h.db.models.Report.findById(eventId).lean())!;
    const access = await h.services.reports.access({ telegramId: report.submittedBy, scopes: [{ role: "pc_incharge", level: "pc", code: report.code }] }, eventId);
    expect(access).toEqual({ ok: false, reason: "void" });
  });
});
