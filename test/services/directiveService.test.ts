// The directive service on a real database: exact audiences, creation idempotent per "Send" (and resumable after a
// crash half-way), acknowledgements once per person, reminders once per person per request, what each sender may
// see, and the counts. Outcomes are written as the delivery worker would (outbox_done records).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Types } from "mongoose";
import type { DirectiveDoc } from "../../src/db/models/directive.js";
import type { RoleScope } from "../../src/domain/roles.js";
import { createServices, type Services } from "../../src/services/index.js";
import type { DirectiveRenderer } from "../../src/services/directiveService.js";
import type { TestDatabase } from "../helpers/db.js";
import { openSeededTestDatabase } from "../helpers/seededDatabase.js";

const ADMIN = 4_100_000_001;
const HEAD = 4_100_000_002;
const national: RoleScope[] = [{ role: "national_admin", level: "country", code: "IN" }];
const render: DirectiveRenderer = ({ lang, deliveryId, reminder, directive }) => ({
  method: "sendMessage",
  params: { text: `${reminder ? "R" : "D"}:${lang}:${directive.text}`, reply_markup: { inline_keyboard: [[{ text: "ok", callback_data: `dv:a:${deliveryId}` }]] } },
});

describe("directive service", () => {
  let db: TestDatabase;
  let s: Services;
  let north: { key: string; stateCodes: string[] };
  let headScopes: RoleScope[];
  const upPeople = [4_100_000_010, 4_100_000_011, 4_100_000_012, 4_100_000_013];
  const farPerson = 4_100_000_020;

  beforeAll(async () => {
    db = await openSeededTestDatabase("dirsvc");
    s = createServices({ models: db.models, now: () => new Date("2026-11-26T06:30:00Z") });
    north = (await s.map.listClusters()).find((c) => c.stateCodes.includes("IN-UP"))!;
    const farState = (await s.map.listClusters()).find((c) => !c.stateCodes.includes("IN-UP") && c.stateCodes.length)!.stateCodes[0]!;
    headScopes = [{ role: "cluster_head", level: "cluster", code: north.key }];
    await s.people.ensureNationalAdmins([ADMIN]);
    await s.people.touch({ id: HEAD, first_name: "Head" });
    await s.people.grantRole(HEAD, { role: "cluster_head", code: north.key, grantedBy: ADMIN });
    for (const [i, id] of upPeople.entries()) {
      await s.people.touch({ id, first_name: `P${i}`, language_code: i % 2 ? "en" : "hi" });
      await s.people.grantRole(id, { role: "pc_incharge", code: `IN-UP:P${i + 1}`, grantedBy: ADMIN });
    }
    await s.people.touch({ id: farPerson, first_name: "Far" });
    await s.people.grantRole(farPerson, { role: "pc_incharge", code: `${farState}:P1`, grantedBy: ADMIN });
  });
  afterAll(async () => {
    await db.drop();
  });

  const audienceUp = { roles: ["pc_incharge" as const], area: { level: "state" as const, code: "IN-UP" } };

  /** Each test sends its own directives (its own request keys), so that none depends on another having run. */
  async function sendUp(requestKey: string, text = "Meet on Sunday") {
    return s.directives.create(
      { actor: { telegramId: ADMIN, scopes: national }, requestKey, text, media: null, audience: audienceUp, senderLang: "en" },
      render,
    );
  }
  async function sendUpId(requestKey: string): Promise<string> {
    const res = await sendUp(requestKey);
    if (!res.ok) throw new Error(`could not send: ${res.reason}`);
    return res.directiveId;
  }

  it("previews the exact number of recipients and creates one delivery and one outbox message each", async () => {
    expect(await s.directives.preview({ telegramId: ADMIN, scopes: national }, audienceUp)).toEqual({ ok: true, count: 4 });
    const res = await sendUp("r1", " Meet on Sunday ");
    expect(res).toMatchObject({ ok: true, recipients: 4, resumed: false });
    if (!res.ok) return;
    const d = await db.models.Directive.findById(res.directiveId).lean<DirectiveDoc>();
    expect(d).toMatchObject({ text: "Meet on Sunday", createdBy: ADMIN, from: { kind: "national" }, recipientCount: 4 });
    const deliveries = await db.models.DirectiveDelivery.find({ directiveId: res.directiveId }).lean();
    expect(deliveries.map((x) => x.telegramId).sort()).toEqual(upPeople);
    expect(deliveries.every((x) => x.cluster === north.key)).toBe(true);
    const items = await db.models.OutboxItem.find({ refId: res.directiveId }).lean();
    expect(items).toHaveLength(4);
    const english = items.find((i) => i.personId === upPeople[1])!;
    const params = JSON.parse(english.params) as { text: string; reply_markup: { inline_keyboard: { callback_data: string }[][] } };
    expect(params.text).toBe("D:en:Meet on Sunday");
    const delivery = deliveries.find((x) => x.telegramId === upPeople[1])!;
    expect(params.reply_markup.inline_keyboard[0]![0]!.callback_data).toBe(`dv:a:${String(delivery._id)}`);
    expect(english.key).toBe(`directive:${res.directiveId}:${upPeople[1]}`);
  });

  it("is idempotent per Send, and resumes a creation that stopped half-way", async () => {
    const directiveId = await sendUpId("twice");
    const again = await sendUp("twice");
    expect(again).toMatchObject({ ok: true, directiveId, recipients: 4, resumed: true });
    expect(await db.models.Directive.countDocuments({ requestKey: "twice" })).toBe(1);
    expect(await db.models.DirectiveDelivery.countDocuments({ directiveId })).toBe(4);
    expect(await db.models.OutboxItem.countDocuments({ refId: directiveId })).toBe(4);

    // A crash after the directive and one delivery were stored: the retry fills in the rest, nothing twice.
    const id = new Types.ObjectId();
    await db.models.Directive.create({
      _id: id,
      requestKey: "r2",
      createdBy: ADMIN,
      from: { kind: "national" },
      text: "Half-way",
      media: null,
      audience: { roles: ["pc_incharge"], level: "state", code: "IN-UP" },
      recipientCount: 4,
      progress: null,
      senderLang: "en",
      createdAt: new Date(),
    });
    await db.models.DirectiveDelivery.create({ directiveId: String(id), telegramId: upPeople[0], cluster: north.key, lang: "hi", outboxKey: `directive:${String(id)}:${upPeople[0]}`, createdAt: new Date() });
    const resumed = await s.directives.create(
      { actor: { telegramId: ADMIN, scopes: national }, requestKey: "r2", text: "Half-way", media: null, audience: audienceUp, senderLang: "en" },
      render,
    );
    expect(resumed).toMatchObject({ ok: true, directiveId: String(id), recipients: 4, resumed: true });
    expect(await db.models.DirectiveDelivery.countDocuments({ directiveId: String(id) })).toBe(4);
    expect(await db.models.OutboxItem.countDocuments({ refId: String(id) })).toBe(4);
  });

  it("refuses a cluster in-charge outside their cluster, and audits the refusal", async () => {
    const res = await s.directives.create(
      { actor: { telegramId: HEAD, scopes: headScopes }, requestKey: "r3", text: "x", media: null, audience: { roles: ["pc_incharge"], area: { level: "country", code: "IN" } }, senderLang: "hi" },
      render,
    );
    expect(res).toEqual({ ok: false, reason: "outside_scope" });
    expect(await db.models.Audit.countDocuments({ actorId: HEAD, action: "directive.create", outcome: "denied", reason: "outside_scope" })).toBe(1);
    // In their own cluster: allowed, signed as the cluster, and the sender never receives their own directive.
    const own = await s.directives.create(
      { actor: { telegramId: HEAD, scopes: headScopes }, requestKey: "r4", text: "Cluster meeting", media: null, audience: { roles: ["pc_incharge", "cluster_head"], area: { level: "cluster", code: north.key } }, senderLang: "hi" },
      render,
    );
    expect(own).toMatchObject({ ok: true, recipients: 4 });
    if (own.ok) expect((await db.models.Directive.findById(own.directiveId).lean())?.from).toEqual({ kind: "cluster", code: north.key });
  });

  it("records an acknowledgement once per person and refuses (and audits) someone else's", async () => {
    const directiveId = await sendUpId("ack");
    const delivery = await db.models.DirectiveDelivery.findOne({ directiveId, telegramId: upPeople[0] }).lean();
    const deliveryId = String(delivery!._id);
    expect(await s.directives.acknowledge({ deliveryId, tapperId: upPeople[0]! })).toMatchObject({ ok: true, first: true });
    expect(await s.directives.acknowledge({ deliveryId, tapperId: upPeople[0]! })).toMatchObject({ ok: true, first: false });
    expect(await s.directives.acknowledge({ deliveryId, tapperId: upPeople[2]! })).toEqual({ ok: false, reason: "not_yours" });
    expect(await s.directives.acknowledge({ deliveryId: "0".repeat(24), tapperId: upPeople[0]! })).toEqual({ ok: false, reason: "not_found" });
    expect(await s.directives.acknowledge({ deliveryId: "junk", tapperId: upPeople[0]! })).toEqual({ ok: false, reason: "not_found" });
    expect(await db.models.DirectiveAck.countDocuments({ deliveryId })).toBe(1);
    expect(await db.models.Audit.countDocuments({ action: "directive.ack", outcome: "ok", "details.deliveryId": deliveryId })).toBe(1);
    expect(await db.models.Audit.countDocuments({ action: "directive.ack", outcome: "denied", actorId: upPeople[2], "details.deliveryId": deliveryId })).toBe(1);
  });

  it("counts outcomes by cluster, and reminds only those not acknowledged, once per request", async () => {
    const id = await sendUpId("counts");
    const acknowledged = await db.models.DirectiveDelivery.findOne({ directiveId: id, telegramId: upPeople[0] }).lean();
    await s.directives.acknowledge({ deliveryId: String(acknowledged!._id), tapperId: upPeople[0]! });
    // What the worker would have recorded: three sent, one blocked.
    const items = await db.models.OutboxItem.find({ refId: id }).lean();
    for (const item of items) {
      const blocked = item.personId === upPeople[3];
      await db.models.OutboxDone.create({
        _id: item._id,
        key: item.key,
        purpose: item.purpose,
        refId: item.refId,
        group: item.group,
        chatId: item.chatId,
        personId: item.personId,
        method: item.method,
        status: blocked ? "blocked" : "sent",
        attempts: 1,
        reason: blocked ? "blocked" : null,
        errorCode: blocked ? 403 : null,
        error: blocked ? "Forbidden: bot was blocked by the user" : null,
        sentAt: blocked ? null : new Date(),
        messageId: blocked ? null : 10,
        createdAt: item.createdAt,
        finishedAt: new Date(),
      });
    }
    const actor = { telegramId: ADMIN, scopes: national };
    const report = await s.directives.report(actor, id);
    expect(report.ok).toBe(true);
    if (!report.ok) return;
    expect(report.report.counts).toEqual({ total: 4, pending: 0, sent: 3, failed: 0, blocked: 1, acknowledged: 1 });
    expect(report.report.byCluster.get(north.key)).toMatchObject({ sent: 3, blocked: 1, acknowledged: 1 });
    expect(report.report.remindable).toBe(2); // sent, not acknowledged
    const list = await s.directives.listRecent(actor);
    expect(list.find((x) => x.id === id)?.counts).toEqual(report.report.counts);

    const first = await s.directives.remind({ actor, directiveId: id, requestKey: "m1" }, render);
    expect(first).toEqual({ ok: true, targets: 2, queued: 2, already: 0 });
    const repeat = await s.directives.remind({ actor, directiveId: id, requestKey: "m1" }, render);
    expect(repeat).toEqual({ ok: true, targets: 2, queued: 0, already: 2 });
    const reminders = await db.models.OutboxItem.find({ purpose: "directive-reminder", refId: id }).lean();
    expect(reminders.map((r) => r.personId).sort()).toEqual([upPeople[1], upPeople[2]].sort());
    expect(JSON.parse(reminders[0]!.params).text).toMatch(/^R:/);
    // A new request reminds again.
    expect(await s.directives.remind({ actor, directiveId: id, requestKey: "m2" }, render)).toMatchObject({ queued: 2 });
    // A cluster in-charge cannot act on a national directive aimed elsewhere... but this one is aimed inside their cluster.
    expect((await s.directives.remind({ actor: { telegramId: HEAD, scopes: headScopes }, directiveId: id, requestKey: "m3" }, render)).ok).toBe(true);
  });

  it("shows a cluster in-charge only directives aimed within their cluster", async () => {
    const far = (await s.map.listClusters()).find((c) => c.key !== north.key && c.stateCodes.length)!;
    const own = await s.directives.create(
      { actor: { telegramId: HEAD, scopes: headScopes }, requestKey: "r6", text: "Cluster meeting", media: null, audience: { roles: ["pc_incharge"], area: { level: "cluster", code: north.key } }, senderLang: "hi" },
      render,
    );
    expect(own.ok).toBe(true);
    const elsewhere = await s.directives.create(
      { actor: { telegramId: ADMIN, scopes: national }, requestKey: "r5", text: "Elsewhere", media: null, audience: { roles: ["pc_incharge"], area: { level: "cluster", code: far.key } }, senderLang: "en" },
      render,
    );
    expect(elsewhere.ok).toBe(true);
    if (!elsewhere.ok) return;
    const head = { telegramId: HEAD, scopes: headScopes };
    const seen = await s.directives.listRecent(head, 20);
    expect(seen.map((d) => d.text)).not.toContain("Elsewhere");
    expect(seen.map((d) => d.text)).toContain("Cluster meeting");
    expect(await s.directives.report(head, elsewhere.directiveId)).toEqual({ ok: false, reason: "outside_scope" });
    expect(await s.directives.remind({ actor: head, directiveId: elsewhere.directiveId, requestKey: "m9" }, render)).toEqual({ ok: false, reason: "outside_scope" });
    expect(await db.models.Audit.countDocuments({ actorId: HEAD, action: "directive.remind", outcome: "denied" })).toBe(1);
    const pcOnly: RoleScope[] = [{ role: "pc_incharge", level: "pc", code: "IN-UP:P1" }];
    expect(await s.directives.listRecent({ telegramId: upPeople[0]!, scopes: pcOnly })).toEqual([]);
  });
});
