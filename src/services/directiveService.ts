// Directives: who may send to whom, creating one (idempotent per "Send"), acknowledging, the sender's view and
// reminders. Sending itself is the outbox's job: one message per recipient under key
// `directive:<directiveId>:<telegramId>`, so a directive can never reach a person twice however often creation is
// retried. Wording and layout of the messages belong to the bot layer, which passes a renderer in.
import { trusted, Types } from "mongoose";
import type { Models } from "../db/models/index.js";
import type { DirectiveAckDoc, DirectiveDeliveryDoc, DirectiveDoc, DirectiveMedia } from "../db/models/directive.js";
import { onlyDuplicateKeys } from "../db/duplicateKey.js";
import type { OutboxService, DeliveryRecord } from "../delivery/index.js";
import {
  audienceRoles,
  canDirect,
  canSeeDirective,
  checkDirectiveText,
  isNationalSender,
  mayDirect,
  remindTargets,
  selectRecipients,
  senderClusters,
  senderOf,
  summarizeDeliveries,
  emptyCounts,
  type Audience,
  type DeliveryCounts,
  type DeliverySummary,
  type RecipientCandidate,
} from "../domain/directives.js";
import type { DenyReason } from "../domain/permissions.js";
import type { Role, RoleScope } from "../domain/roles.js";
import { contains, type MapView, type TerritoryRef } from "../domain/territory.js";
import type { AuditService } from "./auditService.js";
import { isDuplicateKey } from "./claims.js";
import type { ClusterInfo, MapService } from "./mapService.js";
import type { Language } from "../domain/language.js";

export const DIRECTIVE_PURPOSE = "directive";
export const DIRECTIVE_REMINDER_PURPOSE = "directive-reminder";
export const DIRECTIVE_REPING_PURPOSE = "directive-reping";
/** A directive whose re-ping time passed longer ago than this (the bot was down) is not re-pinged any more. */
export const REPING_CATCH_UP_MS = 48 * 3600_000;

export interface DirectiveActor {
  telegramId: number;
  scopes: readonly RoleScope[];
}

export interface RenderInput {
  lang: Language;
  deliveryId: string;
  reminder: boolean;
  directive: {
    text: string;
    media: DirectiveMedia | null;
    createdAt: Date;
    /** null: the national office; else the sending cluster's name. */
    fromCluster: { hi: string; en: string } | null;
  };
}

/** Builds one recipient's message (bot layer: wording, language, Acknowledge button). */
export type DirectiveRenderer = (input: RenderInput) => { method: "sendMessage" | "sendPhoto" | "sendDocument"; params: Record<string, unknown> };

export type DirectiveRefusal = DenyReason | "bad_text" | "no_recipients" | "not_found";

export interface SenderOptions {
  allowed: boolean;
  national: boolean;
  roles: Role[];
  /** Clusters the sender may address (all of them for national admins). */
  clusters: ClusterInfo[];
}

export interface CreateInput {
  actor: DirectiveActor;
  /** One per "Send": a repeated call with the same key finds the directive made the first time. */
  requestKey: string;
  text: string;
  media: DirectiveMedia | null;
  audience: Audience;
  senderLang: Language;
  progress?: { chatId: number; messageId: number } | null;
  updateId?: number | null;
}

export type CreateResult =
  | { ok: true; directiveId: string; recipients: number; resumed: boolean }
  | { ok: false; reason: DirectiveRefusal };

export type AckResult =
  | { ok: true; first: boolean; at: Date; directiveId: string }
  | { ok: false; reason: "not_found" | "not_yours" };

export interface DirectiveSummary {
  id: string;
  createdAt: Date;
  createdBy: number;
  text: string;
  audience: Audience;
  counts: DeliveryCounts;
}

export interface DirectiveReport extends DirectiveSummary {
  byCluster: DeliverySummary["byCluster"];
  reasons: DeliverySummary["reasons"];
  /** How many a reminder would go to now. */
  remindable: number;
}

/** Someone a sender may pick by name: holds one of the roles the sender may address, within the sender's area. */
export interface PickablePerson {
  telegramId: number;
  name: string;
  role: Role;
  code: string;
}

export interface RepingResult {
  directives: number;
  /** Messages queued now, and those already queued by an earlier run (not queued again). */
  queued: number;
  already: number;
}

export interface DirectivePeople {
  acknowledged: number[];
  notYet: { telegramId: number; status: DeliveryRecord["status"] }[];
}

export type RemindResult =
  | { ok: true; targets: number; queued: number; already: number }
  | { ok: false; reason: DirectiveRefusal };

/** One recipient of one directive, as the export lists them. */
export interface DirectiveDeliveryRow {
  directiveId: string;
  createdAt: Date;
  createdBy: number;
  text: string;
  audience: Audience;
  telegramId: number;
  cluster: string | null;
  status: DeliveryRecord["status"] | "pending";
  reason: string | null;
  sentAt: Date | null;
  acknowledgedAt: Date | null;
}

export interface DirectiveProgress {
  directive: Pick<DirectiveDoc, "recipientCount" | "progress" | "senderLang"> & { id: string };
  counts: DeliveryCounts;
}

export interface DirectiveService {
  senderOptions(scopes: readonly RoleScope[]): Promise<SenderOptions>;
  /** The exact number of people the directive would go to now. */
  preview(actor: DirectiveActor, audience: Audience): Promise<{ ok: true; count: number } | { ok: false; reason: DirectiveRefusal }>;
  create(input: CreateInput, render: DirectiveRenderer): Promise<CreateResult>;
  acknowledge(input: { deliveryId: string; tapperId: number; updateId?: number | null }): Promise<AckResult>;
  listRecent(actor: DirectiveActor, limit?: number): Promise<DirectiveSummary[]>;
  report(actor: DirectiveActor, directiveId: string): Promise<{ ok: true; report: DirectiveReport } | { ok: false; reason: DirectiveRefusal }>;
  /** Who acknowledged, and who has not yet with where their message stands (sent, failed, blocked, pending). */
  people(actor: DirectiveActor, directiveId: string): Promise<{ ok: true; people: DirectivePeople } | { ok: false; reason: DirectiveRefusal }>;
  /** Reminds those who have not acknowledged; once per person per requestKey. */
  remind(input: { actor: DirectiveActor; directiveId: string; requestKey: string; updateId?: number | null }, render: DirectiveRenderer): Promise<RemindResult>;
  /** People the actor may pick by name whose name (or @username, or id) contains `query`; at most `limit`. */
  findPeople(actor: DirectiveActor, area: TerritoryRef, query: string, limit?: number): Promise<PickablePerson[]>;
  /**
   * Sends the directive once more to everyone who has not acknowledged it `afterHours` after it was sent: once per
   * person per directive (outbox key `directive-reping:<directiveId>:<telegramId>`), however often it runs.
   */
  repingSilent(afterHours: number, render: DirectiveRenderer): Promise<RepingResult>;
  /** Delivery counts for the sender's status message. */
  progress(directiveId: string): Promise<DirectiveProgress | null>;
  /**
   * Every recipient of every directive the actor may see, oldest directive first: where each message stands and
   * when it was acknowledged. One directive's recipients are read at a time (at most a few thousand).
   */
  deliveryRows(actor: DirectiveActor): AsyncIterable<DirectiveDeliveryRow>;
}

export interface DirectiveServiceDeps {
  models: Models;
  now: () => Date;
  audit: AuditService;
  outbox: OutboxService;
  map: Pick<MapService, "loadMapView" | "listClusters" | "getCluster" | "getState" | "getPc" | "getAc">;
}

const PERSON_FIELDS = { _id: 0, telegramId: 1, language: 1, roles: 1 } as const;
const NAMED_FIELDS = { ...PERSON_FIELDS, firstName: 1, lastName: 1, username: 1 } as const;

type NamedCandidate = RecipientCandidate & { firstName?: string | null; lastName?: string | null; username?: string | null };

function nameOf(p: NamedCandidate): string {
  return [p.firstName, p.lastName].filter(Boolean).join(" ").trim() || (p.username ? `@${p.username}` : String(p.telegramId));
}

export function createDirectiveService(deps: DirectiveServiceDeps): DirectiveService {
  const { models, now, audit, outbox, map } = deps;
  const { Directive, DirectiveDelivery, DirectiveAck, Person } = models;

  async function candidates(audience: Pick<Audience, "roles" | "people">): Promise<RecipientCandidate[]> {
    // People picked by name: just them (selectRecipients still checks each holds a role in the area).
    if (audience.people) return Person.find({ telegramId: trusted({ $in: [...audience.people] }) }, PERSON_FIELDS).lean<RecipientCandidate[]>();
    // One indexed read of the role holders; containment is decided in TypeScript (domain/directives.ts).
    return Person.find({ "roles.role": trusted({ $in: [...audience.roles] }) }, PERSON_FIELDS).lean<RecipientCandidate[]>();
  }

  async function areaExists(audience: Audience): Promise<boolean> {
    if (audience.area.level === "state") return (await map.getState(audience.area.code)) !== null;
    if (audience.area.level === "cluster") return (await map.getCluster(audience.area.code)) !== null;
    if (audience.area.level === "pc") return (await map.getPc(audience.area.code)) !== null;
    if (audience.area.level === "ac") return (await map.getAc(audience.area.code)) !== null;
    return true;
  }

  async function check(actor: DirectiveActor, audience: Audience, mapView: MapView): Promise<DirectiveRefusal | null> {
    const decision = canDirect(actor.scopes, audience, mapView);
    if (!decision.allowed) return decision.reason;
    if (!(await areaExists(audience))) return "bad_territory";
    return null;
  }

  async function fromCluster(d: Pick<DirectiveDoc, "from">): Promise<{ hi: string; en: string } | null> {
    if (d.from.kind !== "cluster") return null;
    return (await map.getCluster(d.from.code))?.name ?? { hi: d.from.code, en: d.from.code };
  }

  async function loadDirective(directiveId: string): Promise<DirectiveDoc | null> {
    if (!Types.ObjectId.isValid(directiveId)) return null;
    return Directive.findById(directiveId).lean<DirectiveDoc>();
  }

  async function ackedIds(directiveIds: readonly string[]): Promise<Map<string, Set<number>>> {
    const acks = directiveIds.length
      ? await DirectiveAck.find({ directiveId: trusted({ $in: [...directiveIds] }) }, { _id: 0, directiveId: 1, telegramId: 1 }).lean<
          Pick<DirectiveAckDoc, "directiveId" | "telegramId">[]
        >()
      : [];
    const out = new Map<string, Set<number>>();
    for (const a of acks) {
      const set = out.get(a.directiveId) ?? new Set<number>();
      set.add(a.telegramId);
      out.set(a.directiveId, set);
    }
    return out;
  }

  /** Counts from the outbox, added up in the database (cheap: no documents travel). */
  async function countsOf(directives: readonly Pick<DirectiveDoc, "_id" | "recipientCount">[]): Promise<Map<string, DeliveryCounts>> {
    const ids = directives.map((d) => String(d._id));
    const out = new Map<string, DeliveryCounts>();
    if (ids.length === 0) return out;
    const rows = await models.OutboxDone.aggregate<{ _id: { r: string; s: "sent" | "failed" | "blocked" }; n: number }>([
      { $match: { purpose: DIRECTIVE_PURPOSE, refId: { $in: ids } } },
      { $group: { _id: { r: "$refId", s: "$status" }, n: { $sum: 1 } } },
    ]);
    const acks = await ackedIds(ids);
    for (const d of directives) {
      const c = emptyCounts();
      c.total = d.recipientCount;
      c.acknowledged = acks.get(String(d._id))?.size ?? 0;
      out.set(String(d._id), c);
    }
    for (const row of rows) {
      const c = out.get(row._id.r);
      if (c) c[row._id.s] += row.n;
    }
    for (const c of out.values()) c.pending = Math.max(0, c.total - c.sent - c.failed - c.blocked);
    return out;
  }

  function summaryOf(d: DirectiveDoc, counts: DeliveryCounts): DirectiveSummary {
    return {
      id: String(d._id),
      createdAt: d.createdAt,
      createdBy: d.createdBy,
      text: d.text,
      audience: {
        roles: d.audience.roles,
        area: { level: d.audience.level, code: d.audience.code },
        ...(d.audience.people?.length ? { people: d.audience.people } : {}),
      },
      counts,
    };
  }

  async function visible(actor: DirectiveActor, d: DirectiveDoc | null, mapView?: MapView): Promise<boolean> {
    if (!d || !mayDirect(actor.scopes)) return false;
    return canSeeDirective(actor.scopes, { level: d.audience.level, code: d.audience.code }, mapView ?? (await map.loadMapView()));
  }

  /** Makes sure every recipient has a delivery and an outbox message (both idempotent by unique keys). */
  async function fanOut(d: DirectiveDoc, recipients: ReturnType<typeof selectRecipients>, render: DirectiveRenderer): Promise<number> {
    const directiveId = String(d._id);
    const existing = await DirectiveDelivery.find({ directiveId }).lean<DirectiveDeliveryDoc[]>();
    const byPerson = new Map(existing.map((x) => [x.telegramId, x]));
    const at = now();
    const fresh: DirectiveDeliveryDoc[] = [];
    for (const r of recipients) {
      if (byPerson.has(r.telegramId)) continue;
      const doc: DirectiveDeliveryDoc = {
        _id: new Types.ObjectId(),
        directiveId,
        telegramId: r.telegramId,
        cluster: r.cluster,
        lang: r.lang,
        outboxKey: `directive:${directiveId}:${r.telegramId}`,
        createdAt: at,
      };
      fresh.push(doc);
      byPerson.set(r.telegramId, doc);
    }
    if (fresh.length) {
      try {
        await DirectiveDelivery.insertMany(fresh, { ordered: false, lean: true });
      } catch (err) {
        if (!isDuplicateKey(err) && !onlyDuplicateKeys(err)) throw err;
        // A concurrent resume inserted some: use what is stored.
        const stored = await DirectiveDelivery.find({ directiveId }).lean<DirectiveDeliveryDoc[]>();
        byPerson.clear();
        for (const x of stored) byPerson.set(x.telegramId, x);
      }
    }
    const from = await fromCluster(d);
    const base = { text: d.text, media: d.media ?? null, createdAt: d.createdAt, fromCluster: from };
    const messages = [...byPerson.values()].map((delivery) => {
      const rendered = render({ lang: delivery.lang, deliveryId: String(delivery._id), reminder: false, directive: base });
      return {
        key: delivery.outboxKey,
        purpose: DIRECTIVE_PURPOSE,
        refId: directiveId,
        group: delivery.cluster,
        chatId: delivery.telegramId,
        personId: delivery.telegramId,
        method: rendered.method,
        params: rendered.params,
      };
    });
    await outbox.enqueue(messages);
    return byPerson.size;
  }

  /** The directive once more (as a reminder) to those who have not acknowledged it and may still receive it. */
  async function resendToSilent(d: DirectiveDoc, purpose: string, keyOf: (telegramId: number) => string, render: DirectiveRenderer) {
    const id = String(d._id);
    const records: DeliveryRecord[] = await outbox.listByRef(DIRECTIVE_PURPOSE, id);
    const acked = (await ackedIds([id])).get(id) ?? new Set<number>();
    const targets = remindTargets(records, acked);
    if (targets.length === 0) return [];
    const deliveries = await DirectiveDelivery.find({ directiveId: id }).lean<DirectiveDeliveryDoc[]>();
    const byPerson = new Map(deliveries.map((x) => [x.telegramId, x]));
    const base = { text: d.text, media: d.media ?? null, createdAt: d.createdAt, fromCluster: await fromCluster(d) };
    return targets.flatMap((r) => {
      const delivery = byPerson.get(r.personId!);
      if (!delivery) return [];
      const rendered = render({ lang: delivery.lang, deliveryId: String(delivery._id), reminder: true, directive: base });
      return [
        {
          key: keyOf(delivery.telegramId),
          purpose,
          refId: id,
          group: delivery.cluster,
          chatId: delivery.telegramId,
          personId: delivery.telegramId,
          method: rendered.method,
          params: rendered.params,
        },
      ];
    });
  }

  return {
    async senderOptions(scopes) {
      const national = isNationalSender(scopes);
      const all = await map.listClusters();
      const own = senderClusters(scopes);
      return {
        allowed: mayDirect(scopes),
        national,
        roles: audienceRoles(scopes),
        clusters: national ? all : all.filter((c) => own.includes(c.key)),
      };
    },

    async preview(actor, audience) {
      const mapView = await map.loadMapView();
      const refusal = await check(actor, audience, mapView);
      if (refusal) return { ok: false, reason: refusal };
      const recipients = selectRecipients(await candidates(audience), audience, mapView, actor.telegramId);
      return { ok: true, count: recipients.length };
    },

    async create(input, render) {
      const { actor, audience } = input;
      const refuse = async (reason: DirectiveRefusal): Promise<CreateResult> => {
        await audit.record({
          actorId: actor.telegramId,
          action: "directive.create",
          outcome: "denied",
          reason,
          updateId: input.updateId ?? null,
          details: { audience: { roles: audience.roles, level: audience.area.level, code: audience.area.code } },
        });
        return { ok: false, reason };
      };
      const text = checkDirectiveText(input.text, input.media !== null);
      if (!text.ok) return refuse("bad_text");
      const mapView = await map.loadMapView();
      const refusal = await check(actor, audience, mapView);
      if (refusal) return refuse(refusal);

      let directive = await Directive.findOne({ requestKey: input.requestKey }).lean<DirectiveDoc>();
      const resumed = directive !== null;
      const recipients = selectRecipients(await candidates(audience), audience, mapView, actor.telegramId);
      if (!directive) {
        if (recipients.length === 0) return refuse("no_recipients");
        const doc: DirectiveDoc = {
          _id: new Types.ObjectId(),
          requestKey: input.requestKey,
          createdBy: actor.telegramId,
          from: senderOf(actor.scopes, audience.area, mapView),
          text: text.text,
          media: input.media,
          audience: {
            roles: [...audience.roles],
            level: audience.area.level,
            code: audience.area.code,
            ...(audience.people ? { people: [...audience.people] } : {}),
          },
          recipientCount: recipients.length,
          progress: input.progress ?? null,
          senderLang: input.senderLang,
          createdAt: now(),
        };
        try {
          await Directive.create(doc);
          directive = doc;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          directive = await Directive.findOne({ requestKey: input.requestKey }).lean<DirectiveDoc>();
          if (!directive) throw err;
        }
      }
      // On a resume the recipients are those of the first attempt plus anyone who qualifies now.
      const count = await fanOut(directive, recipients, render);
      if (count !== directive.recipientCount) {
        await Directive.updateOne({ _id: directive._id }, { $set: { recipientCount: count } });
      }
      await audit.record({
        actorId: actor.telegramId,
        action: "directive.create",
        outcome: "ok",
        updateId: input.updateId ?? null,
        details: {
          directiveId: String(directive._id),
          audience: directive.audience,
          recipients: count,
          media: directive.media?.kind ?? null,
          resumed,
        },
      });
      return { ok: true, directiveId: String(directive._id), recipients: count, resumed };
    },

    async acknowledge({ deliveryId, tapperId, updateId }) {
      const delivery = Types.ObjectId.isValid(deliveryId)
        ? await DirectiveDelivery.findById(deliveryId).lean<DirectiveDeliveryDoc>()
        : null;
      if (!delivery) return { ok: false, reason: "not_found" };
      if (delivery.telegramId !== tapperId) {
        // Callback data is whatever the client sends: someone acknowledging another person's copy is refused.
        await audit.record({
          actorId: tapperId,
          action: "directive.ack",
          outcome: "denied",
          reason: "not_yours",
          updateId: updateId ?? null,
          details: { deliveryId, directiveId: delivery.directiveId, ownerId: delivery.telegramId },
        });
        return { ok: false, reason: "not_yours" };
      }
      const at = now();
      try {
        await DirectiveAck.create({ deliveryId, directiveId: delivery.directiveId, telegramId: tapperId, at });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const first = await DirectiveAck.findOne({ deliveryId }).lean<DirectiveAckDoc>();
        return { ok: true, first: false, at: first?.at ?? at, directiveId: delivery.directiveId };
      }
      await audit.record({
        actorId: tapperId,
        action: "directive.ack",
        outcome: "ok",
        updateId: updateId ?? null,
        details: { deliveryId, directiveId: delivery.directiveId },
      });
      return { ok: true, first: true, at, directiveId: delivery.directiveId };
    },

    async listRecent(actor, limit = 8) {
      if (!mayDirect(actor.scopes)) return [];
      const mapView = await map.loadMapView();
      const recent = await Directive.find({}, { text: 1, createdAt: 1, createdBy: 1, audience: 1, recipientCount: 1 })
        .sort({ createdAt: -1, _id: -1 })
        .limit(200)
        .lean<DirectiveDoc[]>();
      const mine = recent
        .filter((d) => canSeeDirective(actor.scopes, { level: d.audience.level, code: d.audience.code }, mapView))
        .slice(0, limit);
      const counts = await countsOf(mine);
      return mine.map((d) => summaryOf(d, counts.get(String(d._id)) ?? emptyCounts()));
    },

    async report(actor, directiveId) {
      const d = await loadDirective(directiveId);
      if (!d) return { ok: false, reason: "not_found" };
      if (!(await visible(actor, d))) return { ok: false, reason: "outside_scope" };
      const records = await outbox.listByRef(DIRECTIVE_PURPOSE, String(d._id));
      const acked = (await ackedIds([String(d._id)])).get(String(d._id)) ?? new Set<number>();
      const summary = summarizeDeliveries(records, acked);
      const counts = { ...summary.counts, total: Math.max(summary.counts.total, d.recipientCount) };
      counts.pending = counts.total - counts.sent - counts.failed - counts.blocked;
      return {
        ok: true,
        report: {
          ...summaryOf(d, counts),
          byCluster: summary.byCluster,
          reasons: summary.reasons,
          remindable: remindTargets(records, acked).length,
        },
      };
    },

    async people(actor, directiveId) {
      const d = await loadDirective(directiveId);
      if (!d) return { ok: false, reason: "not_found" };
      if (!(await visible(actor, d))) return { ok: false, reason: "outside_scope" };
      const records = await outbox.listByRef(DIRECTIVE_PURPOSE, String(d._id));
      const acked = (await ackedIds([String(d._id)])).get(String(d._id)) ?? new Set<number>();
      const notYet = records
        .filter((r): r is DeliveryRecord & { personId: number } => r.personId !== null && !acked.has(r.personId))
        .map((r) => ({ telegramId: r.personId, status: r.status }));
      return { ok: true, people: { acknowledged: [...acked].sort((a, b) => a - b), notYet } };
    },

    async remind({ actor, directiveId, requestKey, updateId }, render) {
      const d = await loadDirective(directiveId);
      if (!d) return { ok: false, reason: "not_found" };
      if (!(await visible(actor, d))) {
        await audit.record({
          actorId: actor.telegramId,
          action: "directive.remind",
          outcome: "denied",
          reason: "outside_scope",
          updateId: updateId ?? null,
          details: { directiveId },
        });
        return { ok: false, reason: "outside_scope" };
      }
      const id = String(d._id);
      const messages = await resendToSilent(d, DIRECTIVE_REMINDER_PURPOSE, (telegramId) => `directive-reminder:${id}:${requestKey}:${telegramId}`, render);
      const res = await outbox.enqueue(messages);
      await audit.record({
        actorId: actor.telegramId,
        action: "directive.remind",
        outcome: "ok",
        updateId: updateId ?? null,
        details: { directiveId: id, requestKey, targets: messages.length, queued: res.enqueued, already: res.duplicates },
      });
      return { ok: true, targets: messages.length, queued: res.enqueued, already: res.duplicates };
    },

    async findPeople(actor, area, query, limit = 10) {
      if (!mayDirect(actor.scopes)) return [];
      const mapView = await map.loadMapView();
      const roles = audienceRoles(actor.scopes);
      if (!canDirect(actor.scopes, { roles, area }, mapView).allowed) return [];
      const needle = query.normalize("NFC").trim().toLowerCase().replace(/^@/, "");
      if (needle.length === 0) return [];
      // The role holders are one indexed read (as for a directive by role); the name is matched here, so that any
      // part of a name, in any script, matches without a regular expression in the query.
      const people = await Person.find({ "roles.role": trusted({ $in: roles }) }, NAMED_FIELDS).lean<NamedCandidate[]>();
      const inArea = new Set(selectRecipients(people, { roles, area }, mapView, actor.telegramId).map((r) => r.telegramId));
      const out: PickablePerson[] = [];
      for (const p of people.sort((a, b) => nameOf(a).localeCompare(nameOf(b)))) {
        if (!inArea.has(p.telegramId)) continue;
        const hay = `${nameOf(p)} ${p.username ?? ""} ${p.telegramId}`.toLowerCase();
        if (!hay.includes(needle)) continue;
        const grant = (p.roles ?? []).find((g) => roles.includes(g.role) && contains(mapView, area, g));
        if (!grant) continue;
        out.push({ telegramId: p.telegramId, name: nameOf(p), role: grant.role, code: grant.code });
        if (out.length >= limit) break;
      }
      return out;
    },

    async repingSilent(afterHours, render) {
      const result: RepingResult = { directives: 0, queued: 0, already: 0 };
      if (!(afterHours > 0)) return result;
      const dueBefore = new Date(now().getTime() - afterHours * 3600_000);
      const dueAfter = new Date(dueBefore.getTime() - REPING_CATCH_UP_MS);
      // Only the directives whose time came within the catch-up window: an indexed slice, never the whole history.
      const due = await Directive.find({ createdAt: trusted({ $lte: dueBefore, $gt: dueAfter }) }).lean<(DirectiveDoc & { repingedAt?: Date | null })[]>();
      for (const d of due) {
        // repingedAt only saves work on later runs; exactly once per person comes from the outbox key.
        if (d.repingedAt) continue;
        const id = String(d._id);
        const messages = await resendToSilent(d, DIRECTIVE_REPING_PURPOSE, (telegramId) => `directive-reping:${id}:${telegramId}`, render);
        const res = messages.length ? await outbox.enqueue(messages) : { enqueued: 0, duplicates: 0 };
        await Directive.updateOne({ _id: d._id }, { $set: { repingedAt: now() } });
        await audit.record({
          actorId: null,
          action: "directive.reping",
          outcome: "ok",
          details: { directiveId: id, afterHours, targets: messages.length, queued: res.enqueued, already: res.duplicates },
        });
        result.directives++;
        result.queued += res.enqueued;
        result.already += res.duplicates;
      }
      return result;
    },

    async *deliveryRows(actor) {
      if (!mayDirect(actor.scopes)) return;
      const mapView = await map.loadMapView();
      const cursor = Directive.find({}, { text: 1, createdAt: 1, createdBy: 1, audience: 1 }).sort({ createdAt: 1, _id: 1 }).lean<DirectiveDoc[]>().cursor();
      for await (const d of cursor) {
        if (!(await visible(actor, d, mapView))) continue;
        const directiveId = String(d._id);
        const [deliveries, records, acks] = await Promise.all([
          DirectiveDelivery.find({ directiveId }).sort({ telegramId: 1 }).lean<DirectiveDeliveryDoc[]>(),
          outbox.listByRef(DIRECTIVE_PURPOSE, directiveId),
          DirectiveAck.find({ directiveId }, { _id: 0, telegramId: 1, at: 1 }).lean<Pick<DirectiveAckDoc, "telegramId" | "at">[]>(),
        ]);
        // A reminder or re-ping is another message to the same person: the first one (the directive) is the row's.
        const first = new Map<number, DeliveryRecord>();
        for (const r of [...records].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())) {
          if (r.personId !== null && !first.has(r.personId)) first.set(r.personId, r);
        }
        const ackAt = new Map(acks.map((a) => [a.telegramId, a.at]));
        const summary = summaryOf(d, emptyCounts());
        for (const delivery of deliveries) {
          const record = first.get(delivery.telegramId);
          yield {
            directiveId,
            createdAt: d.createdAt,
            createdBy: d.createdBy,
            text: d.text,
            audience: summary.audience,
            telegramId: delivery.telegramId,
            cluster: delivery.cluster,
            status: record?.status ?? "pending",
            reason: record?.reason ?? null,
            sentAt: record?.sentAt ?? null,
            acknowledgedAt: ackAt.get(delivery.telegramId) ?? null,
          };
        }
      }
    },

    async progress(directiveId) {
      const d = await loadDirective(directiveId);
      if (!d) return null;
      const counts = (await countsOf([d])).get(String(d._id)) ?? emptyCounts();
      return {
        directive: { id: String(d._id), recipientCount: d.recipientCount, progress: d.progress ?? null, senderLang: d.senderLang },
        counts,
      };
    },
  };
}
