// Directives through the real bot and the real delivery worker (virtual time): who may send, the conversation with
// its bad-input answers, delivery in each recipient's language with an Acknowledge button, acknowledgements (a
// forged one refused), the sender's progress message, /directives with its cluster breakdown and reminders.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDirectiveProgress } from "../../src/bot/directiveProgress.js";
import type { Database } from "../../src/db/connection.js";
import { createDeliveryWorker, type DeliveryWorker } from "../../src/delivery/index.js";
import { createDirectiveRenderer } from "../../src/bot/directiveMessages.js";
import { sendTimeout } from "../../src/localBotApi/index.js";
import { createLogger } from "../../src/logger.js";
import { createServices } from "../../src/services/index.js";
import { DIRECTIVE_REMINDER_PURPOSE } from "../../src/services/directiveService.js";
import { openMonitoredDatabase } from "../helpers/delivery.js";
import { waitUntil } from "../helpers/waitUntil.js";
import { createHarness, type Harness, type TestPerson } from "../helpers/harness.js";
import { localApi } from "../helpers/telegram.js";
import { VirtualClock } from "../helpers/virtualClock.js";

const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

const ADMIN = 5_100_000_001;
const HEAD = 5_100_000_002;
const PC_UP = 5_100_000_010; // Hindi
const AC_UP = 5_100_000_011; // English
const STATE_UP = 5_100_000_012;
const PC_OTHER = 5_100_000_020; // another cluster
const NOBODY = 5_100_000_099;

describe("directives", () => {
  let h: Harness;
  let clock: VirtualClock;
  let mon: Database;
  let worker: DeliveryWorker;
  let admin: TestPerson;
  let upCluster: { key: string; stateCodes: string[] };
  let otherState: string;

  beforeAll(async () => {
    clock = new VirtualClock();
    h = await createHarness({ label: "directive", api: localApi({ now: clock.nowMs }) });
    mon = await openMonitoredDatabase(h.db);
    clock.track(mon.connection);
    const services = createServices({ models: mon.models, now: clock.now });
    worker = createDeliveryWorker({
      models: mon.models,
      api: h.workerApi,
      services,
      logger,
      clock,
      hooks: [createDirectiveProgress({ services, i18n: h.i18n, logger })],
    });
    worker.start();

    await h.services.people.ensureNationalAdmins([ADMIN]);
    admin = h.person(ADMIN, { first_name: "Asha", language_code: "en" });
    await h.services.people.touch(admin.user);
    const clusters = await h.services.map.listClusters();
    upCluster = clusters.find((c) => c.stateCodes.includes("IN-UP"))!;
    otherState = clusters.find((c) => !c.stateCodes.includes("IN-UP") && c.stateCodes.length > 0)!.stateCodes[0]!;
    await h.grant(HEAD, "cluster_head", upCluster.key, { first_name: "Head", language_code: "en" });
    await h.grant(PC_UP, "pc_incharge", "IN-UP:P77", { first_name: "Ravi" });
    await h.grant(AC_UP, "ac_incharge", "IN-UP:A390", { first_name: "Meena" });
    await h.services.people.setLanguage(AC_UP, "en");
    await h.grant(STATE_UP, "state_team", "IN-UP", { first_name: "Sunil" });
    await h.grant(PC_OTHER, "pc_incharge", `${otherState}:P1`, { first_name: "Far" });
    for (const id of [HEAD, PC_UP, AC_UP, STATE_UP, PC_OTHER]) h.api.addUser({ id, first_name: `U${id}` });
  });
  afterAll(async () => {
    await worker.stop();
    await mon.close();
    await h.close();
  });

  function botMessages(id: number) {
    return h.api.messages(id).filter((e) => e.from === "bot");
  }

  async function delivered(): Promise<void> {
    await waitUntil("an empty outbox", async () => (await h.services.outbox.pendingCount()) === 0, { timeoutMs: 30_000, everyMs: 20 });
  }

  // Each test builds the directives it needs, so that none depends on another having run first (or not at all).

  /** Starts /directive afresh: whatever conversation a test before left open is cancelled first. */
  async function startDirective(person: TestPerson): Promise<void> {
    await person.send("/cancel");
    await person.send("/directive");
  }

  const TO_UP_TEXT = "Hold a Sneh Samvad in every Lok Sabha constituency by 30 November. <Report> the same day.";

  /** The admin's directive (with a photo) to the Lok Sabha and Vidhan Sabha in-charges of Uttar Pradesh, up to its "Send". */
  async function composeToUp(): Promise<void> {
    await startDirective(admin);
    await admin.send(TO_UP_TEXT);
    await admin.sendContent({ photo: { data: new Uint8Array([1, 2, 3]), width: 800, height: 600 } });
    await admin.tap("👥 Roles in an area");
    await admin.tap("☐ Lok Sabha in-charge");
    await admin.tap("☐ Vidhan Sabha in-charge");
    await admin.tap("Continue ➡️");
    await admin.tap("One state");
    await admin.send("uttar pradesh");
    expect(admin.lastText()).toContain("Recipients: 2");
  }

  /** The same directive sent through the service (no conversation) and delivered; its id. */
  async function sentToUp(requestKey: string): Promise<string> {
    const created = await h.services.directives.create(
      {
        actor: { telegramId: ADMIN, scopes: [{ role: "national_admin", level: "country", code: "IN" }] },
        requestKey,
        text: TO_UP_TEXT,
        media: null,
        audience: { roles: ["pc_incharge", "ac_incharge"], area: { level: "state", code: "IN-UP" } },
        senderLang: "en",
      },
      createDirectiveRenderer(h.i18n, "Asia/Kolkata"),
    );
    if (!created.ok) throw new Error(created.reason);
    await delivered();
    return created.directiveId;
  }

  /** The bot's messages to `id` from index `from` on (what a test sent, not what tests before it did). */
  function botMessagesSince(id: number, from: number) {
    return botMessages(id).slice(from);
  }

  it("refuses /directive and /directives to people without a sending role, and records it", async () => {
    const stranger = h.person(NOBODY, { language_code: "en" });
    await stranger.send("/directive");
    expect(stranger.lastText()).toContain("don’t have a role");
    const pc = h.person(PC_UP);
    await pc.send("/directive");
    expect(pc.lastText()).toContain("आपकी भूमिका से यह नहीं किया जा सकता");
    await pc.send("/directives");
    expect(pc.lastText()).toContain("आपकी भूमिका से यह नहीं किया जा सकता");
    expect(await h.db.models.Audit.countDocuments({ actorId: PC_UP, action: "access.denied" })).toBe(2);
    expect(await h.db.models.Directive.countDocuments({ createdBy: PC_UP })).toBe(0);
    expect(await h.openConversation(PC_UP)).toBeNull();
  });

  it("walks a national admin through text, photo, roles and area to the exact count; bad input is answered and asked again", async () => {
    await startDirective(admin);
    expect(admin.lastText()).toContain("New directive");
    await admin.sendContent({ sticker: { emoji: "👍" } });
    expect(admin.lastText()).toContain("write the text of the directive first");
    await admin.send("x".repeat(3600));
    expect(admin.lastText()).toContain("3600 characters");
    await admin.send("Hold a Sneh Samvad in every Lok Sabha constituency by 30 November. <Report> the same day.");
    expect(admin.lastText()).toContain("Attach a photo");
    await admin.send("here is no photo");
    expect(admin.lastText()).toContain("Please send a photo or a document");
    await admin.sendContent({ photo: { data: new Uint8Array([1, 2, 3]), width: 800, height: 600 } });
    expect(admin.lastText()).toContain("To whom?");
    await admin.tap("👥 Roles in an area");
    expect(admin.lastText()).toContain("Who should receive it?");
    expect(admin.lastButtons()).toContain("☐ National office admin");
    await admin.tap("Continue ➡️"); // nothing chosen yet: an alert, the question stays
    expect(admin.lastText()).toContain("Who should receive it?");
    await admin.tap("☐ Lok Sabha in-charge");
    await admin.tap("☐ Vidhan Sabha in-charge");
    await admin.tap("☐ State team member");
    await admin.tap("☑ State team member"); // untick
    await admin.tap("Continue ➡️");
    await admin.tap("One state");
    await admin.send("uttar pradesh");
    expect(admin.lastText()).toContain("Recipients: 2");
    expect(admin.lastText()).toContain("Lok Sabha in-charge, Vidhan Sabha in-charge");
    // The sample shows the message as recipients will see it.
    const sample = botMessages(ADMIN).find((e) => e.message.caption?.includes("Directive from the National Office"));
    expect(sample?.message.photo).toBeDefined();
    expect(sample?.message.caption).toContain("<Report> the same day");
    expect(admin.lastButtons()).toEqual(["📢 Send to 2 people", "Cancel"]);
  });

  it("sends once to each recipient, in their language, with an Acknowledge button, and shows progress to the sender", async () => {
    await composeToUp();
    const seen = new Map([ADMIN, PC_UP, AC_UP, STATE_UP, PC_OTHER, HEAD].map((id) => [id, botMessages(id).length]));
    const since = (id: number) => botMessagesSince(id, seen.get(id)!);
    await admin.tap("📢 Send to 2 people");
    await delivered();
    const directive = await h.db.models.Directive.findOne({ createdBy: ADMIN, text: TO_UP_TEXT, "media.kind": "photo" }).sort({ createdAt: -1 }).lean();
    expect(directive).toMatchObject({ recipientCount: 2, createdBy: ADMIN, media: { kind: "photo" } });
    expect(directive!.audience).toMatchObject({ roles: ["pc_incharge", "ac_incharge"], level: "state", code: "IN-UP" });

    const hindi = since(PC_UP).filter((e) => e.message.photo);
    expect(hindi).toHaveLength(1);
    expect(hindi[0]!.message.caption).toContain("दिशा-निर्देश — राष्ट्रीय कार्यालय की ओर से");
    expect(hindi[0]!.message.reply_markup?.inline_keyboard[0]![0]!.text).toBe("✅ स्वीकार करें");
    const english = since(AC_UP).filter((e) => e.message.photo);
    expect(english).toHaveLength(1);
    expect(english[0]!.message.caption).toContain("Directive from the National Office");
    expect(english[0]!.message.reply_markup?.inline_keyboard[0]![0]!.text).toBe("✅ Acknowledge");
    for (const id of [STATE_UP, PC_OTHER, HEAD]) expect(since(id).filter((e) => e.message.photo)).toHaveLength(0);

    // The sender's one status message ends with the final counts.
    await waitUntil("the sender's status to say it is delivered", () => since(ADMIN).some((e) => e.message.text?.includes("delivered to everyone it could reach")), { timeoutMs: 10_000 });
    const status = since(ADMIN).find((e) => e.message.text?.includes("delivered to everyone"))!;
    expect(status.message.text).toContain("✅ sent 2");
    expect(status.edits.length).toBeGreaterThanOrEqual(1);
    expect(status.edits[0]!.text).toContain("Sending to 2 people");

    const directiveId = String(directive!._id);
    expect(await h.db.models.DirectiveDelivery.countDocuments({ directiveId })).toBe(2);
    expect(await h.db.models.Audit.countDocuments({ action: "directive.create", outcome: "ok", "details.directiveId": directiveId })).toBe(1);
    expect(await h.db.models.Audit.countDocuments({ action: "delivery.sent", "details.refId": directiveId })).toBe(2);
  });

  it("records an acknowledgement once, answers a second tap, and refuses a forged one for someone else's delivery", async () => {
    const directiveId = await sentToUp("ack");
    const ravi = h.person(PC_UP);
    const meena = h.person(AC_UP);
    await ravi.tap("✅ स्वीकार करें");
    expect(h.api.callbackAnswer(lastQueryId())?.text).toContain("धन्यवाद");
    expect(ravi.lastButtons()).toEqual(["✅ स्वीकार किया"]);
    await ravi.tap("✅ स्वीकार किया");
    expect(h.api.callbackAnswer(lastQueryId())?.text).toContain("पहले ही स्वीकार");
    expect(await h.db.models.DirectiveAck.countDocuments({ directiveId, telegramId: PC_UP })).toBe(1);

    // Meena forges Ravi's delivery id on her own message.
    const raviDelivery = await h.db.models.DirectiveDelivery.findOne({ directiveId, telegramId: PC_UP }).lean();
    const meenaMessage = botMessages(AC_UP).findLast((e) => e.message.text?.includes("Sneh Samvad"))!.message;
    await meena.tapData(meenaMessage.message_id, `dv:a:${String(raviDelivery!._id)}`);
    const answer = h.api.callbackAnswer(lastQueryId());
    expect(answer).toMatchObject({ show_alert: true });
    expect(answer?.text).toContain("someone else");
    expect(await h.db.models.DirectiveAck.countDocuments({ directiveId })).toBe(1);
    expect(await h.db.models.DirectiveAck.countDocuments({ directiveId, telegramId: AC_UP })).toBe(0);
    expect(
      await h.db.models.Audit.countDocuments({ action: "directive.ack", outcome: "denied", reason: "not_yours", actorId: AC_UP, "details.directiveId": directiveId }),
    ).toBe(1);
  });

  it("lists directives with counts, breaks them down by cluster, and reminds those who have not acknowledged once per request", async () => {
    const directiveId = await sentToUp("list");
    await h.person(PC_UP).tap("✅ स्वीकार करें");
    const meenaBefore = botMessages(AC_UP).length;
    await admin.send("/cancel");
    await admin.send("/directives");
    expect(admin.lastText()).toContain("Recent directives");
    expect(admin.lastText()).toContain("✅ sent 2 · 👍 acknowledged 1");
    // The list's buttons are numbered by position; this test's directive is opened by its id (others may be newer).
    expect(admin.lastButtons()).toContain("1");
    await admin.tapData(botMessages(ADMIN).at(-1)!.message.message_id, `dl:v:${directiveId}`);
    const report = admin.lastText();
    const clusterName = (await h.services.map.getCluster(upCluster.key))!.name.en;
    expect(report).toContain(`• ${clusterName}: 1 / 2 / 2`);
    expect(admin.lastButtons()[0]).toBe("🔔 Remind 1 person who has not acknowledged");
    // Who: the one who acknowledged, and the one who has not, each a tap away.
    await admin.tap("👥 Who has acknowledged, who has not");
    const who = admin.transcript().at(-1)!.message;
    expect(who.text).toMatch(/Not yet acknowledged: 1\n• .+ · received\n\nAcknowledged: 1\n/);
    const linked = (who.entities ?? []).filter((e) => e.type === "text_link").map((e) => (e as { url: string }).url);
    expect(linked.sort()).toEqual([`tg://user?id=${AC_UP}`, `tg://user?id=${PC_UP}`].sort());
    await admin.tap("◀ Back");
    await admin.tap("🔔 Remind 1 person who has not acknowledged");
    expect(h.api.callbackAnswer(lastQueryId())?.text).toContain("Reminder queued for 1");
    await admin.tap("🔔 Remind 1 person who has not acknowledged"); // the same request again
    expect(h.api.callbackAnswer(lastQueryId())?.text).toContain("already sent");
    await delivered();
    const reminders = botMessagesSince(AC_UP, meenaBefore).filter((e) => e.message.text?.includes("Reminder: please acknowledge"));
    expect(reminders).toHaveLength(1);
    expect(await h.db.models.OutboxDone.countDocuments({ purpose: DIRECTIVE_REMINDER_PURPOSE, refId: directiveId })).toBe(1);
    expect(await h.db.models.OutboxDone.countDocuments({ purpose: DIRECTIVE_REMINDER_PURPOSE, refId: directiveId, personId: PC_UP })).toBe(0);
    // Acknowledging from the reminder counts for the same delivery.
    await h.person(AC_UP).tap("✅ Acknowledge");
    expect(await h.db.models.DirectiveAck.countDocuments({ directiveId })).toBe(2);
  });

  it("lets a cluster in-charge address only their own cluster", async () => {
    const head = h.person(HEAD, { first_name: "Head", language_code: "en" });
    await startDirective(head);
    await head.send("Cluster meeting on Sunday.");
    await head.tap("No attachment ➡️");
    await head.tap("👥 Roles in an area");
    expect(head.lastButtons()).not.toContain("☐ National office admin");
    expect(head.lastButtons()).toContain("☐ Cluster in-charge");
    await head.tap("All roles");
    await head.tap("Continue ➡️");
    expect(head.lastButtons()).toEqual(["My whole cluster", "One state of my cluster"]);
    await head.tap("One state of my cluster");
    // Only the cluster's states are offered (paging through them all).
    const offered = new Set<string>();
    for (;;) {
      head.lastButtons().filter((b) => !/^[◀▶]$|\//.test(b)).forEach((b) => offered.add(b));
      if (!head.lastButtons().includes("▶")) break;
      await head.tap("▶");
    }
    const names = await Promise.all(upCluster.stateCodes.map((c) => h.services.map.getState(c)));
    expect([...offered].sort()).toEqual(names.map((s) => s!.name).sort());
    await head.send("/cancel");

    // Forged requests for another cluster's state are refused by the service, and recorded.
    const scopes = [{ role: "cluster_head" as const, level: "cluster" as const, code: upCluster.key }];
    const preview = await h.services.directives.preview({ telegramId: HEAD, scopes }, { roles: ["pc_incharge"], area: { level: "state", code: otherState } });
    expect(preview).toEqual({ ok: false, reason: "outside_scope" });
    const created = await h.services.directives.create(
      { actor: { telegramId: HEAD, scopes }, requestKey: "forged", text: "x", media: null, audience: { roles: ["pc_incharge"], area: { level: "country", code: "IN" } }, senderLang: "en" },
      () => ({ method: "sendMessage", params: { text: "x" } }),
    );
    expect(created).toEqual({ ok: false, reason: "outside_scope" });
    expect(await h.db.models.Audit.countDocuments({ actorId: HEAD, action: "directive.create", outcome: "denied" })).toBe(1);

    // The national directive (to a state of this cluster, sent by the admin) is visible; a forged "view" of one
    // aimed elsewhere is refused.
    const national = await h.services.directives.create(
      { actor: { telegramId: ADMIN, scopes: [{ role: "national_admin", level: "country", code: "IN" }] }, requestKey: "other", text: "Elsewhere", media: null, audience: { roles: ["pc_incharge"], area: { level: "state", code: otherState } }, senderLang: "en" },
      () => ({ method: "sendMessage", params: { text: "Elsewhere" } }),
    );
    expect(national.ok).toBe(true);
    await delivered();
    await head.send("/directives");
    expect(head.lastText()).not.toContain("Elsewhere");
    const listMessage = botMessages(HEAD).at(-1)!.message;
    await head.tapData(listMessage.message_id, `dl:v:${national.ok ? national.directiveId : ""}`);
    expect(h.api.callbackAnswer(lastQueryId())?.text).toContain("outside your area");
    await head.tapData(listMessage.message_id, `dl:r:${national.ok ? national.directiveId : ""}`);
    expect(await h.db.models.OutboxItem.countDocuments({ purpose: DIRECTIVE_REMINDER_PURPOSE, refId: national.ok ? national.directiveId : "" })).toBe(0);
    expect(await h.db.models.OutboxDone.countDocuments({ purpose: DIRECTIVE_REMINDER_PURPOSE, refId: national.ok ? national.directiveId : "" })).toBe(0);
  });

  it("says so when nobody holds the chosen roles there, and sends nothing", async () => {
    await startDirective(admin);
    await admin.send("For national admins of one state");
    await admin.tap("No attachment ➡️");
    await admin.tap("👥 Roles in an area");
    await admin.tap("☐ National office admin");
    await admin.tap("Continue ➡️");
    await admin.tap("One state");
    await admin.send("bihar");
    expect(admin.lastText()).toContain("Nobody holds these roles there");
    expect(await h.db.models.Directive.countDocuments({ text: "For national admins of one state" })).toBe(0);
  });

  it("a send whose answer was lost (timeout after Telegram sent it) is not repeated, and /directives says it may have arrived", async () => {
    const before = botMessages(STATE_UP).length;
    h.api.failNext(({ method, params }) => method === "sendMessage" && params.chat_id === STATE_UP, sendTimeout(), { afterEffect: true });
    const created = await h.services.directives.create(
      {
        actor: { telegramId: ADMIN, scopes: [{ role: "national_admin", level: "country", code: "IN" }] },
        requestKey: "timeout",
        text: "State teams: send the district lists today.",
        media: null,
        audience: { roles: ["state_team"], area: { level: "state", code: "IN-UP" } },
        senderLang: "en",
      },
      createDirectiveRenderer(h.i18n, "Asia/Kolkata"),
    );
    if (!created.ok) throw new Error(created.reason);
    await delivered();
    await admin.send("/cancel");
    // Telegram did send it (once); the bot does not know, records "unknown" and sends no second copy.
    expect(botMessages(STATE_UP).length - before).toBe(1);
    const done = await h.db.models.OutboxDone.findOne({ purpose: "directive", refId: created.directiveId }).lean();
    expect(done).toMatchObject({ status: "failed", reason: "unknown", errorCode: null, attempts: 1 });
    await admin.send("/directives");
    const listMessage = botMessages(ADMIN).at(-1)!.message;
    expect(listMessage.text).toContain("❌ failed 1");
    await admin.tapData(listMessage.message_id, `dl:v:${created.directiveId}`);
    expect(admin.lastText()).toContain("no answer from Telegram, may have arrived (not sent again): 1");
    // A reminder may still reach them: it is a new message of its own.
    expect(admin.lastButtons()[0]).toBe("🔔 Remind 1 person who has not acknowledged");
  });

  function lastQueryId(): string {
    const answers = h.api.callsTo("answerCallbackQuery");
    return String(answers.at(-1)!.params.callback_query_id);
  }
});
