// The review status of a report, worked out from what is stored (its versions and the review decisions, each
// insert-only) and kept on the report document for the queues. Shared by reportService (a new version) and
// reviewService (a decision): every writer recomputes from the sources instead of setting a value it assumed, so two
// writers racing (a correction and a decision) leave the status the sources say, whoever writes last.
import type { Types } from "mongoose";
import type { Models, ReportDoc, ReviewDecisionDoc } from "../db/models/index.js";
import { reviewDecisionId } from "../db/models/reviewDecision.js";
import { reportStatus, type ReportStatus, type ReviewFacts } from "../domain/review.js";
import { markRollupEvents } from "../db/rollupMarks.js";

export interface ReviewSnapshot {
  facts: ReviewFacts;
  status: ReportStatus;
  /** Every decision on this report, oldest first (the void last). */
  decisions: ReviewDecisionDoc[];
}

export interface ReviewState {
  /** Reads the decisions on versions 1..latestVersion and the void, each by key. */
  snapshot(eventId: Types.ObjectId, latestVersion: number): Promise<ReviewSnapshot>;
  /**
   * Recomputes the status and writes it (with the last decision's who, when and why) onto the report. `known`: the
   * report's review fields as the caller just wrote or read them (a save has them), so they are not read again.
   */
  refresh(eventId: Types.ObjectId, known?: ReviewedReport): Promise<ReviewSnapshot | null>;
}

/** What refresh compares and rewrites on a report. */
export type ReviewedReport = Pick<ReportDoc, "code" | "version" | "reviewStatus" | "reviewedBy" | "reviewedAt" | "reviewReasonKey" | "reviewReason">;

/** The review fields a report carries for this snapshot: the status and the last decision's who, when and why. */
export function reviewFieldsOf(snap: ReviewSnapshot): Required<Omit<ReviewedReport, "code" | "version">> {
  const last = snap.decisions.at(-1);
  return {
    reviewStatus: snap.status,
    reviewedBy: last?.actorId ?? null,
    reviewedAt: last?.at ?? null,
    reviewReasonKey: last?.reasonKey ?? null,
    reviewReason: last?.reason ?? null,
  };
}

/** Writes of a refresh before it gives up settling (each after reading what the last one left). */
const SETTLE_PASSES = 3;

/** The report already carries these review fields. */
function sameReview(report: ReviewedReport, fields: ReturnType<typeof reviewFieldsOf>): boolean {
  return (
    (report.reviewStatus ?? "submitted") === fields.reviewStatus &&
    (report.reviewedBy ?? null) === fields.reviewedBy &&
    (report.reviewedAt?.getTime() ?? null) === (fields.reviewedAt?.getTime() ?? null) &&
    (report.reviewReasonKey ?? null) === fields.reviewReasonKey &&
    (report.reviewReason ?? null) === fields.reviewReason
  );
}

export function createReviewState(models: Models): ReviewState {
  const { Report, ReviewDecision } = models;

  async function snapshot(eventId: Types.ObjectId, latestVersion: number): Promise<ReviewSnapshot> {
    // A report has a handful of versions: one read by _id each (a find by eventId would scan on FerretDB/SQLite).
    const keys = [...Array.from({ length: latestVersion }, (_, i) => i + 1), "void" as const].map((v) => reviewDecisionId(eventId, v));
    const found = await Promise.all(keys.map((key) => ReviewDecision.findById(key).lean<ReviewDecisionDoc>()));
    const decisions = found.filter((d): d is ReviewDecisionDoc => d !== null);
    const byVersion = decisions.filter((d) => d.action !== "void");
    const latest = byVersion.find((d) => d.version === latestVersion);
    const facts: ReviewFacts = {
      latestVersion,
      latestDecision: latest && latest.action !== "void" ? latest.action : null,
      decidedBefore: byVersion.some((d) => d.version < latestVersion),
      voided: decisions.some((d) => d.action === "void"),
    };
    return { facts, status: reportStatus(facts), decisions };
  }

  return {
    snapshot,
    async refresh(eventId, known) {
      const read = () =>
        Report.findById(eventId, { code: 1, version: 1, reviewStatus: 1, reviewedBy: 1, reviewedAt: 1, reviewReasonKey: 1, reviewReason: 1 }).lean<ReviewedReport>();
      let report = known ?? (await read());
      if (!report) return null;
      let snap = await snapshot(eventId, report.version);
      // Written only when something changed: a first submission (or a correction before any review) leaves the
      // report as it was, and an update is the costly operation on FerretDB's SQLite backend (it scans). After a
      // write, read again: a writer racing us (a correction and a decision at once) may have written from sources
      // we had not seen, or we from sources it had not; whoever writes last then sees every insert made before the
      // other's write, so the status settles on what the sources say (a few passes at most).
      for (let pass = 0; pass < SETTLE_PASSES; pass++) {
        const fields = reviewFieldsOf(snap);
        if (sameReview(report, fields)) break;
        await Report.updateOne({ _id: eventId }, { $set: fields });
        const again = await read();
        if (!again) break;
        report = again;
        snap = await snapshot(eventId, report.version);
      }
      // Every new version and every decision ends here: the rollups' running totals recount the seat
      // (services/rollupTotals.ts). Marked even when nothing changed here: a new version changes the numbers.
      await markRollupEvents(models, [{ code: report.code, eventId: eventId.toHexString() }]);
      return snap;
    },
  };
}
