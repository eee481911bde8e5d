// The life of an event as people see it, and the window in which a report may be corrected. Pure.

export type EventStatus = "planned" | "cancelled";
export type EventState = "planned" | "awaiting_report" | "reported" | "cancelled";

export interface EventLike {
  status: EventStatus;
  startsAt: Date;
  reportedAt?: Date | null;
}

/** planned (still ahead), awaiting report (started, no report), reported, or cancelled. */
export function eventState(event: EventLike, now: Date): EventState {
  if (event.status === "cancelled") return "cancelled";
  if (event.reportedAt) return "reported";
  return event.startsAt.getTime() <= now.getTime() ? "awaiting_report" : "planned";
}

/** A report can be corrected by its author for this long after it was first submitted. */
export const CORRECTION_WINDOW_MS = 72 * 60 * 60 * 1000;

export type CorrectionDecision = { ok: true } | { ok: false; reason: "not_author" | "too_late" | "void" };

/**
 * May `actorId` correct this report now? Its author, within the window; a report a reviewer sent back, its author
 * at any time (the reviewer asked for it). A void report is corrected by nobody.
 */
export function correctionDecision(
  report: { submittedBy: number; submittedAt: Date; reviewStatus?: string },
  actorId: number,
  now: Date,
): CorrectionDecision {
  if (report.reviewStatus === "void") return { ok: false, reason: "void" };
  if (report.submittedBy !== actorId) return { ok: false, reason: "not_author" };
  if (report.reviewStatus === "sent_back") return { ok: true };
  if (now.getTime() - report.submittedAt.getTime() > CORRECTION_WINDOW_MS) return { ok: false, reason: "too_late" };
  return { ok: true };
}

/** Changes to the event itself (cancel, move) are possible until it has a report, and not once cancelled. */
export function canChangeEvent(event: EventLike): { ok: true } | { ok: false; reason: "cancelled" | "reported" } {
  if (event.status === "cancelled") return { ok: false, reason: "cancelled" };
  if (event.reportedAt) return { ok: false, reason: "reported" };
  return { ok: true };
}

/** A report is possible once the event has started, and not for a cancelled one. */
export function canReportEvent(event: EventLike, now: Date): { ok: true } | { ok: false; reason: "cancelled" | "not_started" } {
  if (event.status === "cancelled") return { ok: false, reason: "cancelled" };
  if (event.startsAt.getTime() > now.getTime()) return { ok: false, reason: "not_started" };
  return { ok: true };
}
