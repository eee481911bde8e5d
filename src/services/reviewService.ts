// Reviewing reports as a use case: the queues of a reviewer's area, a report's card, approving or sending back a
// version, voiding a report, and telling the author (sent back) and the reviewer (corrected) through the outbox.
//
// Exactly once: a decision is inserted under "<event>:<version>" (a void under "<event>:void"); the insert that
// succeeds is the transition, a duplicate key is either this same request replayed (same requestKey: answered as a
// duplicate) or someone else's decision (already decided). The report's reviewStatus is then recomputed from the
// stored decisions (reviewState.ts). Notices carry keys too, so a replay never sends a second one.
import { trusted, type Types } from "mongoose";
import type { Models, ReportDoc, ReviewDecisionDoc } from "../db/models/index.js";
import { reviewDecisionId } from "../db/models/reviewDecision.js";
import type { DenyReason } from "../domain/permissions.js";
import {
  canReview,
  canVoid,
  checkReason,
  decisionAllowed,
  reviewerScopes,
  REVIEW_QUEUES,
  SEND_BACK_REASONS,
  type DecideRefusal,
  type ReportStatus,
  type ReviewAction,
} from "../domain/review.js";
import type { RoleScope } from "../domain/roles.js";
import type { MapView } from "../domain/territory.js";
import type { OutboxService } from "../delivery/index.js";
import type { I18n, Translate } from "../i18n.js";
import type { RollupNames } from "../domain/rollup/types.js";
import { reportButtonData, reviewCardData } from "../messages/buttons.js";
import { escapeHtml } from "../messages/html.js";
import { reasonText } from "../messages/review.js";
import type { AuditService } from "./auditService.js";
import { createCalendars, fileableOf } from "./calendars.js";
import { markRollupEvents } from "../db/rollupMarks.js";
import { isDuplicateKey } from "./claims.js";
import { parseObjectId, toEventView, type Actor, type EventView } from "./eventService.js";
import type { RecipientService } from "./recipientService.js";
import { toReportView, type ReportVersionView, type ReportView } from "./reportService.js";
import type { ReviewState } from "./reviewState.js";
import type { RollupService } from "./rollupService.js";

export const QUEUE_PAGE_SIZE = 8;

export interface QueueFilter {
  stateCode?: string;
  /** A PC of stateCode (its ACs' reports and events included: they carry their PC). */
  pcCode?: string;
  programmeKey?: string;
}

/** The event lists of /review: still ahead, held and awaiting a report, or awaiting one for more than OVERDUE_MS. */
export const EVENT_LISTS = ["planned", "awaiting", "overdue"] as const;
export type EventList = (typeof EVENT_LISTS)[number];
/** A held event without a report for this long is overdue (the reminders escalate at the same point). */
export const OVERDUE_MS = 48 * 60 * 60 * 1000;

export interface EventPage {
  list: EventList;
  items: EventView[];
  page: number;
  pages: number;
  total: number;
}

export interface QueuePage {
  status: ReportStatus;
  items: ReportView[];
  page: number;
  pages: number;
  total: number;
}

export interface ReviewDecisionView {
  version: number;
  action: ReviewDecisionDoc["action"];
  reasonKey: string | null;
  reason: string | null;
  actorId: number;
  at: Date;
}

export interface ReportCard {
  report: ReportView;
  event: EventView;
  versions: ReportVersionView[];
  decisions: ReviewDecisionView[];
}

export type ReviewRefusal = DenyReason | DecideRefusal | "not_found" | "bad_reason" | "no_report";

export type DecideResult =
  | { ok: true; status: ReportStatus; duplicate: boolean; report: ReportView }
  | { ok: false; reason: ReviewRefusal };

export interface ReviewService {
  /** The state codes a reviewer's roles cover ("all" for the national office), or none. */
  statesInScope(scopes: readonly RoleScope[]): Promise<"all" | string[]>;
  /** How many reports of the area are in each queue. */
  queueCounts(actor: Actor, filter?: QueueFilter): Promise<Record<ReportStatus, number>>;
  /** One page of a queue, newest events first. */
  listQueue(actor: Actor, status: ReportStatus, filter: QueueFilter, page: number): Promise<QueuePage | { ok: false; reason: ReviewRefusal }>;
  /** How many events of the area are in each list. */
  eventCounts(actor: Actor, filter?: QueueFilter): Promise<Record<EventList, number>>;
  /** One page of an event list: planned soonest first, awaiting and overdue oldest first. */
  listEvents(actor: Actor, list: EventList, filter: QueueFilter, page: number): Promise<EventPage | { ok: false; reason: ReviewRefusal }>;
  /** Everything a report card shows, if the actor may review it. */
  card(actor: Actor, eventId: string): Promise<{ ok: true; card: ReportCard } | { ok: false; reason: ReviewRefusal }>;
  /** Approves or sends back version `version`; `requestKey` names the tap or message (a replay finds its decision). */
  decide(
    actor: Actor,
    args: { eventId: string; version: number; action: ReviewAction; reasonKey?: string | null; reason?: string | null; requestKey: string },
  ): Promise<DecideResult>;
  /** Voids a report (national office): it leaves the figures; nothing is deleted. */
  voidReport(actor: Actor, args: { eventId: string; reasonKey?: string | null; reason?: string | null; requestKey: string }): Promise<DecideResult>;
  /** Tells the reviewer who sent the report back that its author corrected it (reportService calls this). */
  notifyCorrected(report: ReportView): Promise<void>;
  /**
   * A message about an event, through the outbox, with a Reply button: a reviewer of the event's area to its
   * organiser, or the organiser back to a reviewer of the area. Anyone else is refused (a forged button included).
   */
  message(actor: Actor, args: { eventId: string; to: number; text: string; requestKey: string }): Promise<{ ok: true } | { ok: false; reason: ReviewRefusal }>;
  /** National office: the event passes to the current holder of its seat (reminders and reports follow). */
  reassignToSeatHolder(actor: Actor, eventId: string): Promise<{ ok: true; to: number; changed: boolean } | { ok: false; reason: ReviewRefusal | "no_holder" | "several_holders" }>;
}

/** callback_data of a message's Reply button: `rm:<event id>:<telegram id of whom to answer>`. */
export const replyButtonData = (eventId: string, to: number): string => `rm:${eventId}:${to}`;
export const MESSAGE_MAX = 1000;

export interface ReviewServiceDeps {
  models: Models;
  now: () => Date;
  audit: AuditService;
  review: ReviewState;
  recipients: Pick<RecipientService, "byIds">;
  outbox: Pick<OutboxService, "enqueue">;
  rollups: Pick<RollupService, "labels">;
  loadMapView: () => Promise<MapView>;
  /** Every version of an event's report (reportService.listVersions). */
  listVersions: (eventId: string) => Promise<ReportVersionView[]>;
  /** The texts of the notices (loaded on first use when the caller has none at hand). */
  i18n: () => Promise<I18n>;
}

const EMPTY_COUNTS = (): Record<ReportStatus, number> => ({ submitted: 0, corrected: 0, sent_back: 0, approved: 0, void: 0 });

export function createReviewService(deps: ReviewServiceDeps): ReviewService {
  const { models, now, audit, review } = deps;
  const { Report, ReviewDecision, Event } = models;
  const calendars = createCalendars(models);

  async function statesInScope(scopes: readonly RoleScope[]): Promise<"all" | string[]> {
    const reviewers = reviewerScopes(scopes);
    if (reviewers.some((s) => s.level === "country")) return "all";
    const map = await deps.loadMapView();
    const states = new Set<string>();
    for (const s of reviewers) {
      if (s.level === "state") states.add(s.code);
      if (s.level === "cluster") for (const st of map.clusters.get(s.code) ?? []) states.add(st);
    }
    return [...states].sort();
  }

  /** The query for a queue in the actor's area, or undefined when the filter asks for a state outside it. */
  async function areaQuery(actor: Actor, filter: QueueFilter): Promise<Record<string, unknown> | undefined> {
    const states = await statesInScope(actor.scopes);
    const query: Record<string, unknown> = {};
    if (filter.stateCode) {
      if (states !== "all" && !states.includes(filter.stateCode)) return undefined;
      query.stateCode = filter.stateCode;
    } else if (states !== "all") {
      query.stateCode = trusted({ $in: states });
    }
    if (filter.pcCode) {
      if (!filter.stateCode || !filter.pcCode.startsWith(`${filter.stateCode}:`)) return undefined;
      query.pcCode = filter.pcCode;
    }
    if (filter.programmeKey) query.programmeKey = filter.programmeKey;
    return query;
  }

  async function loadForDecision(actor: Actor, eventId: string) {
    const _id = parseObjectId(eventId);
    if (!_id) return { ok: false as const, reason: "not_found" as const };
    const doc = await Report.findById(_id).lean<ReportDoc>();
    if (!doc) return { ok: false as const, reason: "no_report" as const };
    const decision = canReview(actor.scopes, { level: doc.level, code: doc.code }, await deps.loadMapView());
    if (!decision.allowed) return { ok: false as const, reason: decision.reason };
    return { ok: true as const, _id, doc };
  }

  /** Inserts the decision; null when it was inserted, else the decision already there under that key. */
  async function insertDecision(doc: ReviewDecisionDoc): Promise<ReviewDecisionDoc | null> {
    try {
      await ReviewDecision.create(doc);
      return null;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      return ReviewDecision.findById(doc._id).lean<ReviewDecisionDoc>();
    }
  }

  function normaliseReason(reasonKey: string | null | undefined, reason: string | null | undefined) {
    if (reason) {
      const checked = checkReason(reason);
      return checked.ok ? { ok: true as const, reasonKey: null, reason: checked.value } : { ok: false as const };
    }
    if (reasonKey) return (SEND_BACK_REASONS as readonly string[]).includes(reasonKey) ? { ok: true as const, reasonKey, reason: null } : { ok: false as const };
    return { ok: true as const, reasonKey: null, reason: null };
  }

  async function reportView(_id: Types.ObjectId): Promise<ReportView> {
    return toReportView((await Report.findById(_id).lean<ReportDoc>())!);
  }

  /**
   * Queues one message to one person, in their language, with one button: false when they cannot be reached (blocked
   * the bot, or unknown). `named` are the people the text names.
   */
  async function tell(
    toId: number,
    named: readonly number[],
    message: { key: string; purpose: string; refId: string; priority?: number },
    build: (t: Translate, names: RollupNames) => { text: string; button: { text: string; data: string } },
  ): Promise<boolean> {
    const to = (await deps.recipients.byIds([toId])).get(toId);
    if (!to) return false;
    const t = (await deps.i18n()).t(to.lang);
    const { text, button } = build(t, await deps.rollups.labels(to.lang, named));
    await deps.outbox.enqueue({
      ...message,
      chatId: to.telegramId,
      personId: to.telegramId,
      params: { text, parse_mode: "HTML", reply_markup: { inline_keyboard: [[{ text: button.text, callback_data: button.data }]] } },
    });
    return true;
  }

  /** The author hears that their report came back, with the reason and a button that opens the correction. */
  async function notifySentBack(report: ReportView, decision: ReviewDecisionDoc): Promise<void> {
    // Not reachable (blocked the bot): the report waits in "sent back" for them, and their supervisor sees it.
    await tell(report.submittedBy, [decision.actorId], { key: `review.sentBack:${report.eventId}:${decision.version}`, purpose: "review", refId: report.eventId, priority: 1 }, (t, names) => ({
      text: t("review:notice.sentBack", {
        programme: escapeHtml(names.programme(report.programmeKey)),
        place: escapeHtml(names.place({ pcCode: report.pcCode, acCode: report.acCode })),
        reviewer: escapeHtml(names.person(decision.actorId)),
        reason: reasonText(t, decision),
      }),
      button: { text: t("review:notice.correctButton"), data: reportButtonData(report.eventId) },
    }));
  }

  async function decide(
    actor: Actor,
    args: { eventId: string; version: number; action: ReviewAction; reasonKey?: string | null; reason?: string | null; requestKey: string },
  ): Promise<DecideResult> {
    const loaded = await loadForDecision(actor, args.eventId);
    if (!loaded.ok) {
      await audit.record({ actorId: actor.telegramId, action: `review.${args.action}`, outcome: "denied", details: { eventId: args.eventId, reason: loaded.reason } });
      return loaded;
    }
    const reason = args.action === "send_back" ? normaliseReason(args.reasonKey, args.reason) : { ok: true as const, reasonKey: null, reason: null };
    if (!reason.ok) return { ok: false, reason: "bad_reason" };
    const { _id } = loaded;
    const snap = await review.snapshot(_id, loaded.doc.version);
    // A replay of this very request finds its own decision first, whatever has happened since.
    const mine = snap.decisions.find((d) => d.requestKey === args.requestKey && d.action === args.action);
    if (mine) return { ok: true, status: snap.status, duplicate: true, report: await reportView(_id) };
    const allowed = decisionAllowed(snap.facts, args.version);
    if (!allowed.ok) return allowed;

    const doc: ReviewDecisionDoc = {
      _id: reviewDecisionId(_id, args.version),
      eventId: _id,
      version: args.version,
      action: args.action,
      reasonKey: reason.reasonKey,
      reason: reason.reason,
      actorId: actor.telegramId,
      at: now(),
      requestKey: args.requestKey,
    };
    const existing = await insertDecision(doc);
    if (existing) {
      const same = existing.requestKey === args.requestKey;
      if (!same) return { ok: false, reason: "already_decided" };
    }
    const after = (await review.refresh(_id))!;
    const report = await reportView(_id);
    if (!existing) {
      await audit.record({
        actorId: actor.telegramId,
        action: `review.${args.action}`,
        outcome: "ok",
        details: { eventId: args.eventId, version: args.version, reasonKey: reason.reasonKey, reason: reason.reason },
      });
    }
    if (args.action === "send_back") await notifySentBack(report, existing ?? doc);
    return { ok: true, status: after.status, duplicate: existing !== null, report };
  }

  /** The events query of a list (in the area's query); the sort that reads it best. */
  function eventListQuery(list: EventList, area: Record<string, unknown>): { query: Record<string, unknown>; sort: Record<string, 1 | -1> } {
    const at = now();
    const overdueBefore = new Date(at.getTime() - OVERDUE_MS);
    const base = { ...area, status: "planned" };
    switch (list) {
      case "planned":
        return { query: { ...base, startsAt: trusted({ $gt: at }) }, sort: { startsAt: 1, _id: 1 } };
      case "awaiting":
        return { query: { ...base, reportedAt: null, startsAt: trusted({ $lte: at, $gte: overdueBefore }) }, sort: { startsAt: 1, _id: 1 } };
      case "overdue":
        return { query: { ...base, reportedAt: null, startsAt: trusted({ $lt: overdueBefore }) }, sort: { startsAt: 1, _id: 1 } };
    }
  }

  return {
    statesInScope,

    async eventCounts(actor, filter = {}) {
      const counts: Record<EventList, number> = { planned: 0, awaiting: 0, overdue: 0 };
      const area = await areaQuery(actor, filter);
      if (!area || reviewerScopes(actor.scopes).length === 0) return counts;
      await Promise.all(EVENT_LISTS.map(async (list) => (counts[list] = await Event.countDocuments(eventListQuery(list, area).query))));
      return counts;
    },

    async listEvents(actor, list, filter, page) {
      if (reviewerScopes(actor.scopes).length === 0) return { ok: false, reason: "no_role" };
      const area = await areaQuery(actor, filter);
      if (!area) return { ok: false, reason: "outside_scope" };
      const { query, sort } = eventListQuery(list, area);
      const total = await Event.countDocuments(query);
      const pages = Math.max(1, Math.ceil(total / QUEUE_PAGE_SIZE));
      const at = Math.min(Math.max(0, page), pages - 1);
      const docs = await Event.find(query).sort(sort).skip(at * QUEUE_PAGE_SIZE).limit(QUEUE_PAGE_SIZE).lean();
      return { list, items: docs.map(toEventView), page: at, pages, total };
    },

    async queueCounts(actor, filter = {}) {
      const counts = EMPTY_COUNTS();
      const query = await areaQuery(actor, filter);
      if (!query || reviewerScopes(actor.scopes).length === 0) return counts;
      await Promise.all(
        REVIEW_QUEUES.map(async (status) => {
          counts[status] = await Report.countDocuments({ ...query, reviewStatus: status });
        }),
      );
      return counts;
    },

    async listQueue(actor, status, filter, page) {
      if (reviewerScopes(actor.scopes).length === 0) return { ok: false, reason: "no_role" };
      const query = await areaQuery(actor, filter);
      if (!query) return { ok: false, reason: "outside_scope" };
      const q = { ...query, reviewStatus: status };
      const total = await Report.countDocuments(q);
      const pages = Math.max(1, Math.ceil(total / QUEUE_PAGE_SIZE));
      const at = Math.min(Math.max(0, page), pages - 1);
      const docs = await Report.find(q)
        .sort({ eventStartsAt: -1, _id: 1 })
        .skip(at * QUEUE_PAGE_SIZE)
        .limit(QUEUE_PAGE_SIZE)
        .lean<ReportDoc[]>();
      return { status, items: docs.map(toReportView), page: at, pages, total };
    },

    async card(actor, eventId) {
      const loaded = await loadForDecision(actor, eventId);
      if (!loaded.ok) {
        if (loaded.reason === "outside_scope" || loaded.reason === "no_role") {
          await audit.record({ actorId: actor.telegramId, action: "review.open", outcome: "denied", details: { eventId, reason: loaded.reason } });
        }
        return loaded;
      }
      const { _id, doc } = loaded;
      const event = await Event.findById(_id).lean();
      if (!event) return { ok: false, reason: "not_found" };
      const snap = await review.snapshot(_id, doc.version);
      const view = toReportView(doc);
      return {
        ok: true,
        card: {
          report: { ...view, review: { ...view.review, status: snap.status } },
          event: toEventView(event),
          versions: await deps.listVersions(eventId),
          decisions: snap.decisions.map((d) => ({ version: d.version, action: d.action, reasonKey: d.reasonKey, reason: d.reason, actorId: d.actorId, at: d.at })),
        },
      };
    },

    decide,

    async voidReport(actor, args) {
      const loaded = await loadForDecision(actor, args.eventId);
      const allowed = loaded.ok ? canVoid(actor.scopes) : { allowed: false as const, reason: loaded.reason };
      if (!loaded.ok || !allowed.allowed) {
        const reason = !loaded.ok ? loaded.reason : allowed.allowed ? "no_role" : allowed.reason;
        await audit.record({ actorId: actor.telegramId, action: "review.void", outcome: "denied", details: { eventId: args.eventId, reason } });
        return { ok: false, reason };
      }
      const reason = normaliseReason(null, args.reason);
      if (!reason.ok || !reason.reason) return { ok: false, reason: "bad_reason" };
      const { _id, doc } = loaded;
      const existing = await insertDecision({
        _id: reviewDecisionId(_id, "void"),
        eventId: _id,
        version: doc.version,
        action: "void",
        reasonKey: null,
        reason: reason.reason,
        actorId: actor.telegramId,
        at: now(),
        requestKey: args.requestKey,
      });
      if (existing && existing.requestKey !== args.requestKey) return { ok: false, reason: "void" };
      const after = (await review.refresh(_id))!;
      if (!existing) {
        await audit.record({ actorId: actor.telegramId, action: "review.void", outcome: "ok", details: { eventId: args.eventId, version: doc.version, reason: reason.reason } });
      }
      return { ok: true, status: after.status, duplicate: existing !== null, report: await reportView(_id) };
    },

    async message(actor, args) {
      const _id = parseObjectId(args.eventId);
      const event = _id ? await Event.findById(_id).lean() : null;
      if (!event) return { ok: false, reason: "not_found" };
      const view = toEventView(event);
      const map = await deps.loadMapView();
      const area = { level: view.level, code: view.code };
      const organiser = view.createdBy;
      const toIsReviewer = async () => {
        const person = await models.Person.findById(args.to).lean();
        return person !== null && canReview(person.roles ?? [], area, map).allowed;
      };
      const allowed =
        (canReview(actor.scopes, area, map).allowed && args.to === organiser) || (actor.telegramId === organiser && (await toIsReviewer()));
      if (!allowed) {
        await audit.record({ actorId: actor.telegramId, action: "review.message", outcome: "denied", details: { eventId: args.eventId, to: args.to } });
        return { ok: false, reason: "outside_scope" };
      }
      const text = args.text.trim();
      if (text.length < 1 || text.length > MESSAGE_MAX) return { ok: false, reason: "bad_reason" };
      const sent = await tell(args.to, [actor.telegramId], { key: `review.message:${args.requestKey}`, purpose: "review.message", refId: args.eventId, priority: 1 }, (t, names) => ({
        text: t("review:message.received", {
          from: escapeHtml(names.person(actor.telegramId)),
          programme: escapeHtml(names.programme(view.programmeKey)),
          place: escapeHtml(names.place(view)),
          text: escapeHtml(text),
        }),
        button: { text: t("review:message.replyButton"), data: replyButtonData(args.eventId, actor.telegramId) },
      }));
      if (!sent) return { ok: false, reason: "not_found" };
      await audit.record({ actorId: actor.telegramId, action: "review.message", outcome: "ok", details: { eventId: args.eventId, to: args.to } });
      return { ok: true };
    },

    async reassignToSeatHolder(actor, eventId) {
      if (!canVoid(actor.scopes).allowed) return { ok: false, reason: "no_role" };
      const _id = parseObjectId(eventId);
      const event = _id ? await Event.findById(_id).lean() : null;
      if (!event) return { ok: false, reason: "not_found" };
      const view = toEventView(event);
      const role = view.level === "ac" ? "ac_incharge" : "pc_incharge";
      // Whoever holds the seat, reachable or not (a holder who blocked the bot still owns its events).
      const people = await models.Person.find({ "roles.code": view.code }, { _id: 0, telegramId: 1, roles: 1 }).lean<{ telegramId: number; roles: { role: string; code: string }[] }[]>();
      const ids = people.filter((p) => p.roles.some((g) => g.role === role && g.code === view.code)).map((p) => p.telegramId);
      if (ids.length === 0) return { ok: false, reason: "no_holder" };
      if (ids.length > 1) return { ok: false, reason: "several_holders" };
      const to = ids[0]!;
      if (to === view.createdBy) return { ok: true, to, changed: false };
      // Filed under the new organiser before and after the change (services/calendars.ts), for their /report and /myevents.
      await calendars.file(fileableOf({ ...event, createdBy: to }));
      await Event.updateOne({ _id }, { $set: { createdBy: to, registeredBy: view.registeredBy ?? view.createdBy, updatedAt: now() } });
      await calendars.refile(event._id);
      await markRollupEvents(models, [{ code: view.code, eventId: event._id.toHexString() }]);
      await audit.record({ actorId: actor.telegramId, action: "event.reassign", outcome: "ok", details: { eventId, from: view.createdBy, to } });
      return { ok: true, to, changed: true };
    },

    async notifyCorrected(report) {
      const _id = parseObjectId(report.eventId);
      if (!_id) return;
      const snap = await review.snapshot(_id, report.version);
      const sentBack = [...snap.decisions].reverse().find((d) => d.action === "send_back" && d.version < report.version);
      if (!sentBack) return;
      await tell(sentBack.actorId, [report.updatedBy], { key: `review.corrected:${report.eventId}:${report.version}`, purpose: "review", refId: report.eventId }, (t, names) => ({
        text: t("review:notice.corrected", {
          programme: escapeHtml(names.programme(report.programmeKey)),
          place: escapeHtml(names.place({ pcCode: report.pcCode, acCode: report.acCode })),
          author: escapeHtml(names.person(report.updatedBy)),
        }),
        button: { text: t("review:notice.openButton"), data: reviewCardData(report.eventId) },
      }));
    },
  };
}
