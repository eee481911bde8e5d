// Attendance reports: the first submission and corrections (by the author, for 72 hours), every version kept.
//
// Exactly once without transactions: report_versions has a unique (eventId, version) index and each version names
// the confirm key that made it (the bot's draft: one version per draft, whichever copy of its summary was tapped). A version is the record of truth; the report document is its current copy
// ("materialised"), rewritten from the newest version and repaired by any later submit of the same press. So:
//   - the same key again (double tap, another copy of the summary, replayed update, a second bot instance) finds
//     its version, or loses the insert race to it: nothing new, duplicate = true;
//   - two different keys (two drafts) racing for the same version number: one insert wins, the other gets "conflict";
//   - a crash between the version insert and the report write is repaired when the key is submitted again.
import { trusted, type Types } from "mongoose";
import type { EventDoc, Models, ReportDoc, ReportVersionDoc } from "../db/models/index.js";
import { reportVersionId, type ReportContent, type ReportPhoto } from "../db/models/report.js";
import {
  canReportEvent,
  checkNotes,
  checkReportCounts,
  correctionDecision,
  CORRECTION_WINDOW_MS,
  othersOf,
  type CorrectionDecision,
  type EventPlace,
} from "../domain/events/index.js";
import type { AuditService } from "./auditService.js";
import { createCalendars, fileableOf } from "./calendars.js";
import { isDuplicateKey } from "./claims.js";
import { markRollupEvents } from "../db/rollupMarks.js";
import { parseObjectId, toEventView, type Actor, type EventRefusal, type EventService, type EventView } from "./eventService.js";
import type { ProgrammeService } from "./programmeService.js";
import { reviewFieldsOf, type ReviewState } from "./reviewState.js";
import type { ReportStatus } from "../domain/review.js";
import type { PhotoService } from "./photoService.js";
import type { Logger } from "../logger.js";

export const MAX_PHOTOS = 10;

export type ReportInput = ReportContent;

export interface ReportView extends ReportContent, EventPlace {
  id: string;
  eventId: string;
  programmeKey: string;
  eventStartsAt: Date;
  submittedBy: number;
  submittedAt: Date;
  updatedBy: number;
  updatedAt: Date;
  version: number;
  /** total − the categories' sum: attendees in no category. */
  others: number;
  review: ReportReview;
}

/** Where a report stands in review, and the last decision's who, when and why. */
export interface ReportReview {
  status: ReportStatus;
  by: number | null;
  at: Date | null;
  /** A preset reason (review:reason.<key>) or null. */
  reasonKey: string | null;
  /** A typed reason or null. */
  reason: string | null;
}

export interface ReportVersionView extends ReportContent {
  version: number;
  changedBy: number;
  changedAt: Date;
}

export type ReportRefusal =
  | EventRefusal
  | "not_started"
  | "bad_total"
  | "bad_count"
  | "unknown_category"
  | "exceeds_total"
  | "bad_photos"
  | "not_author"
  | "too_late"
  | "void"
  | "conflict";

export type SubmitReportResult =
  | { ok: true; report: ReportView; version: number; duplicate: boolean }
  | { ok: false; reason: ReportRefusal };

/** Before opening the report conversation: may this person report (or correct) this event now? */
export type ReportAccess =
  | { ok: true; mode: "new"; event: EventView }
  /** until: the end of the correction window; null for a report sent back (the author may correct it any time). */
  | { ok: true; mode: "correct"; event: EventView; report: ReportView; until: Date | null }
  | { ok: false; reason: ReportRefusal };

export interface ReportService {
  access(actor: Actor, eventId: string): Promise<ReportAccess>;
  /** `confirmKey` names the draft being confirmed ("draft:<chat>:<entry>"): one version per key. */
  submit(args: { actor: Actor; eventId: string; input: ReportInput; confirmKey: string }): Promise<SubmitReportResult>;
  getForEvent(eventId: string): Promise<ReportView | null>;
  listVersions(eventId: string): Promise<ReportVersionView[]>;
  /** Reports this person submitted that they can still correct. */
  listCorrectable(actor: Actor): Promise<ReportView[]>;

  // For the scheduler and rollups (issue 4).
  /** Current reports of these events (missing ones are simply absent). */
  listForEvents(eventIds: readonly string[]): Promise<ReportView[]>;
  /** Reports of events that started within [from, to) (denormalised eventStartsAt). */
  listByEventStartBetween(from: Date, to: Date, filter?: { stateCodes?: readonly string[] }): Promise<ReportView[]>;
}

export interface ReportServiceDeps {
  models: Models;
  now: () => Date;
  audit: AuditService;
  events: EventService;
  programmes: ProgrammeService;
  review: ReviewState;
  /** Told when the author corrects a report a reviewer sent back (the reviewer is then notified). */
  onCorrectedAfterSendBack?: (report: ReportView) => Promise<void>;
  /** Queues the saved report's photos for the background photo check (optional: tests of reports alone). */
  photos?: Pick<PhotoService, "enqueue">;
  logger?: Pick<Logger, "warn">;
}

export function toReportView(doc: ReportDoc): ReportView {
  const counts = { ...(doc.counts ?? {}) };
  return {
    id: doc._id.toHexString(),
    eventId: doc.eventId.toHexString(),
    programmeKey: doc.programmeKey,
    level: doc.level,
    code: doc.code,
    stateCode: doc.stateCode,
    pcCode: doc.pcCode,
    acCode: doc.acCode ?? null,
    eventStartsAt: doc.eventStartsAt,
    total: doc.total,
    counts,
    photos: (doc.photos ?? []).map((p) => ({ fileId: p.fileId, fileUniqueId: p.fileUniqueId, kind: p.kind })),
    notes: doc.notes ?? "",
    submittedBy: doc.submittedBy,
    submittedAt: doc.submittedAt,
    updatedBy: doc.updatedBy,
    updatedAt: doc.updatedAt,
    version: doc.version,
    others: othersOf(doc.total, counts),
    review: {
      status: doc.reviewStatus ?? "submitted",
      by: doc.reviewedBy ?? null,
      at: doc.reviewedAt ?? null,
      reasonKey: doc.reviewReasonKey ?? null,
      reason: doc.reviewReason ?? null,
    },
  };
}

function checkPhotos(photos: unknown): ReportPhoto[] | undefined {
  if (!Array.isArray(photos) || photos.length > MAX_PHOTOS) return undefined;
  const out: ReportPhoto[] = [];
  for (const p of photos as Partial<ReportPhoto>[]) {
    const ok =
      typeof p?.fileId === "string" &&
      p.fileId.length > 0 &&
      p.fileId.length <= 256 &&
      typeof p.fileUniqueId === "string" &&
      p.fileUniqueId.length > 0 &&
      p.fileUniqueId.length <= 128 &&
      (p.kind === "photo" || p.kind === "document");
    if (!ok) return undefined;
    if (!out.some((o) => o.fileUniqueId === p.fileUniqueId)) out.push({ fileId: p.fileId!, fileUniqueId: p.fileUniqueId!, kind: p.kind! });
  }
  return out;
}

export function createReportService(deps: ReportServiceDeps): ReportService {
  const { models, now, audit, events, programmes, review } = deps;
  const { Event, Report, ReportVersion } = models;
  const calendars = createCalendars(models);

  /**
   * Every version of an event's report, oldest first, each read by its key ("<event>:1", "<event>:2", … until one is
   * missing): a report has a handful of versions, and a read by _id never scans, where a find by eventId would.
   */
  async function versionsOf(eventId: Types.ObjectId): Promise<ReportVersionDoc[]> {
    const versions: ReportVersionDoc[] = [];
    for (;;) {
      const next = await ReportVersion.findById(reportVersionId(eventId, versions.length + 1)).lean<ReportVersionDoc>();
      if (!next) return versions;
      versions.push(next);
    }
  }

  /**
   * Makes the report document (and the event's reportedAt) match the newest version, and returns it. `known`: what a
   * save has just read or written (every version, the new one last, and the report document before it, null when
   * there was none), so a save reads nothing twice; without it (a replay's repair) everything is read.
   */
  async function materialise(event: EventDoc, known?: { versions: ReportVersionDoc[]; report: ReportDoc | null }): Promise<ReportView | null> {
    const versions = known?.versions ?? (await versionsOf(event._id));
    const first = versions[0];
    const latest = versions.at(-1);
    if (!first || !latest) return null;
    const content: ReportContent = { total: latest.total, counts: latest.counts ?? {}, photos: latest.photos ?? [], notes: latest.notes ?? "" };
    const current = { ...content, version: latest.version, updatedBy: latest.changedBy, updatedAt: latest.changedAt };
    const existing = known ? known.report : await Report.findById(event._id).lean<ReportDoc>();
    // Filed under its author (so /report's "still correctable" finds it by _id: services/calendars.ts) as it is
    // first written, and again by every repair (idempotent): a crash between the two is mended by the replayed press.
    const filing = !known || !existing ? [calendars.fileReport({ reporter: first.changedBy, submittedAt: first.changedAt, eventId: event._id.toHexString() })] : [];
    const reportSide = async (): Promise<ReportDoc | null> => {
      if (existing) {
        if (existing.version >= latest.version) return existing;
        // The version filter keeps a slower writer of an older version from overwriting a newer one.
        const done = await Report.updateOne({ _id: existing._id, version: trusted({ $lt: latest.version }) }, { $set: current });
        return done.matchedCount === 1 ? { ...existing, ...current } : null;
      }
      const place = toEventView(event);
      try {
        const created = await Report.create({
          ...current,
          _id: event._id,
          eventId: event._id,
          programmeKey: event.programmeKey,
          level: place.level,
          code: place.code,
          stateCode: place.stateCode,
          pcCode: place.pcCode,
          acCode: place.acCode,
          eventStartsAt: event.startsAt,
          submittedBy: first.changedBy,
          submittedAt: first.changedAt,
        });
        return created.toObject<ReportDoc>();
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // Created meanwhile by a racing submit: bring it up to date.
        await Report.updateOne({ _id: event._id, version: trusted({ $lt: latest.version }) }, { $set: current });
        return null;
      }
    };
    const [written] = await Promise.all([reportSide(), ...filing]);
    // Then the event's side (reportedAt, and out of /report's list in its calendars), never before the report: an
    // event marked reported whose report failed to be written would drop out of /report and the reminders.
    if (!event.reportedAt) {
      await Promise.all([Event.updateOne({ _id: event._id }, { $set: { reportedAt: first.changedAt } }), calendars.close(fileableOf(event))]);
    }
    // The rollups are told last (a fold must find the report and the event's reportedAt it is marked for).
    if (written && known && !existing && written.version === 1) {
      // A first save, just written: no review decision can be on it yet, so its status is the default one and only
      // the rollups' running totals need telling (what review.refresh ends with; services/rollupTotals.ts).
      await markRollupEvents(models, [{ code: written.code, eventId: event._id.toHexString() }]);
      return toReportView(written);
    }
    // What was written is what is stored, unless another writer got there first: then read it.
    const doc = written ?? (await Report.findById(event._id).lean<ReportDoc>());
    if (!doc) return null;
    const snap = await review.refresh(event._id, doc);
    return toReportView(snap ? { ...doc, ...reviewFieldsOf(snap) } : doc);
  }

  /**
   * Photos are checked in the background (services/photoService.ts): queueing them must never fail or slow a save,
   * so an error is only logged. Called after every successful save, replays included: a save whose queueing failed
   * (or crashed before it) is queued when the same summary is confirmed again; enqueue is idempotent.
   */
  async function queuePhotos(eventId: string, version: number, photos: ReportPhoto[]): Promise<void> {
    if (!deps.photos || !photos.length) return;
    await deps.photos.enqueue(eventId, version, photos).catch((err: unknown) => {
      deps.logger?.warn({ err, eventId, version }, "could not queue the report's photos for checking");
    });
  }

  /** materialise's report after a version was saved: there is one (it is never deleted). */
  function stored(report: ReportView | null): ReportView {
    if (!report) throw new Error("a report version is stored but its report could not be written");
    return report;
  }

  async function getForEventId(eventId: Types.ObjectId): Promise<ReportView | null> {
    const doc = await Report.findById(eventId).lean<ReportDoc>();
    return doc ? toReportView(doc) : null;
  }

  async function access(actor: Actor, eventId: string): Promise<ReportAccess> {
    const _id = parseObjectId(eventId);
    if (!_id) return { ok: false, reason: "not_found" };
    // The event and its report share the id: both at once.
    const [doc, report] = await Promise.all([Event.findById(_id).lean<EventDoc>(), getForEventId(_id)]);
    if (!doc) return { ok: false, reason: "not_found" };
    const event = toEventView(doc);
    if (!(await events.mayActOn(actor, event))) return { ok: false, reason: actor.scopes.length ? "outside_scope" : "no_role" };
    if (report) {
      const decision: CorrectionDecision = correctionDecision({ ...report, reviewStatus: report.review.status }, actor.telegramId, now());
      if (!decision.ok) return decision;
      const until = report.review.status === "sent_back" ? null : new Date(report.submittedAt.getTime() + CORRECTION_WINDOW_MS);
      return { ok: true, mode: "correct", event, report, until };
    }
    const state = canReportEvent(event, now());
    if (!state.ok) return state;
    return { ok: true, mode: "new", event };
  }

  return {
    access,

    async submit({ actor, eventId, input, confirmKey }) {
      const _id = parseObjectId(eventId);
      if (!_id) return { ok: false, reason: "not_found" };
      // The three reads a save needs first, at once: each by key (the categories are configuration).
      const [event, categories, versions] = await Promise.all([
        Event.findById(_id).lean<EventDoc>(),
        programmes.list("category", { includeHidden: true }),
        versionsOf(_id),
      ]);
      if (!event) return { ok: false, reason: "not_found" };
      if (!(await events.mayActOn(actor, toEventView(event)))) return { ok: false, reason: actor.scopes.length ? "outside_scope" : "no_role" };

      const counts = checkReportCounts(input.total, input.counts ?? {}, categories.map((c) => c.key));
      if (!counts.ok) return counts;
      const photos = checkPhotos(input.photos ?? []);
      if (!photos) return { ok: false, reason: "bad_photos" };
      let notes = "";
      if (input.notes) {
        const checked = checkNotes(input.notes);
        if (!checked.ok) return { ok: false, reason: "bad_notes" };
        notes = checked.value;
      }

      const replay = versions.find((v) => v.confirmKey === confirmKey);
      if (replay) {
        const [report] = await Promise.all([materialise(event), queuePhotos(eventId, replay.version, replay.photos ?? [])]); // photo check (see queuePhotos)
        return { ok: true, report: stored(report), version: replay.version, duplicate: true };
      }
      const first = versions[0];
      let statusBefore: ReportStatus | undefined;
      let reportBefore: ReportDoc | null = null;
      if (first) {
        const [snap, doc] = await Promise.all([review.snapshot(event._id, versions.at(-1)!.version), Report.findById(event._id).lean<ReportDoc>()]);
        statusBefore = snap.status;
        reportBefore = doc;
        const decision = correctionDecision(
          { submittedBy: first.changedBy, submittedAt: first.changedAt, reviewStatus: statusBefore },
          actor.telegramId,
          now(),
        );
        if (!decision.ok) return decision;
      } else {
        const state = canReportEvent(toEventView(event), now());
        if (!state.ok) return state;
      }

      const version = (versions.at(-1)?.version ?? 0) + 1;
      const content: ReportContent = { total: input.total, counts: { ...input.counts }, photos, notes };
      const created: ReportVersionDoc = {
        ...content,
        _id: reportVersionId(event._id, version),
        eventId: event._id,
        version,
        changedBy: actor.telegramId,
        changedAt: now(),
        confirmKey,
      };
      try {
        await ReportVersion.create(created);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const winner = await ReportVersion.findById(reportVersionId(event._id, version), { confirmKey: 1 }).lean<ReportVersionDoc>();
        if (winner?.confirmKey !== confirmKey) return { ok: false, reason: "conflict" };
        const [report] = await Promise.all([materialise(event), queuePhotos(eventId, version, photos)]); // photo check (see queuePhotos)
        return { ok: true, report: stored(report), version, duplicate: true };
      }
      // The version is the save: the report's copy, the audit line and the photo queue follow from it, at once.
      const [saved] = await Promise.all([
        materialise(event, { versions: [...versions, created], report: reportBefore }),
        audit.record({
          actorId: actor.telegramId,
          action: version === 1 ? "report.submit" : "report.correct",
          outcome: "ok",
          details: { eventId, version },
        }),
        queuePhotos(eventId, version, photos), // photo check (see queuePhotos)
      ]);
      if (statusBefore === "sent_back" && deps.onCorrectedAfterSendBack) {
        // A notice that cannot be queued must not undo the saved correction: the reviewer still finds the report in
        // the "corrected" queue.
        await deps.onCorrectedAfterSendBack(stored(saved)).catch(() => {});
      }
      return { ok: true, report: stored(saved), version, duplicate: false };
    },

    async getForEvent(eventId) {
      const _id = parseObjectId(eventId);
      return _id ? getForEventId(_id) : null;
    },

    async listVersions(eventId) {
      const _id = parseObjectId(eventId);
      if (!_id) return [];
      const docs = await versionsOf(_id);
      return docs.map((d) => ({
        version: d.version,
        changedBy: d.changedBy,
        changedAt: d.changedAt,
        total: d.total,
        counts: { ...(d.counts ?? {}) },
        photos: d.photos ?? [],
        notes: d.notes ?? "",
      }));
    },

    async listCorrectable(actor) {
      const since = new Date(now().getTime() - CORRECTION_WINDOW_MS);
      // The author's calendar, then each report by _id (a find by submittedBy scans on FerretDB's SQLite backend).
      const ids = await calendars.idsBetween([`reporter:${actor.telegramId}`], { from: since, to: now(), toInclusive: true });
      const docs = await Promise.all(
        ids.map(parseObjectId).map((_id) => (_id ? Report.findById(_id).lean<ReportDoc>() : Promise.resolve(null))),
      );
      return docs
        .filter((d): d is ReportDoc => d !== null && d.submittedBy === actor.telegramId && d.submittedAt >= since)
        .sort((a, b) => a.eventStartsAt.getTime() - b.eventStartsAt.getTime())
        .map(toReportView);
    },

    async listForEvents(eventIds) {
      const ids = eventIds.map(parseObjectId).filter((x): x is Types.ObjectId => x !== null);
      if (!ids.length) return [];
      const docs = await Report.find({ _id: trusted({ $in: ids }) }).lean<ReportDoc[]>();
      return docs.map(toReportView);
    },

    async listByEventStartBetween(from, to, filter) {
      const query: Record<string, unknown> = { eventStartsAt: trusted({ $gte: from, $lt: to }) };
      if (filter?.stateCodes) query.stateCode = trusted({ $in: [...filter.stateCodes] });
      const docs = await Report.find(query).sort({ eventStartsAt: 1, _id: 1 }).lean<ReportDoc[]>();
      return docs.map(toReportView);
    },
  };
}
