// Reviewing reports: who may check what, and the life of a report once it is in. Pure.
//
//   submitted ─approve→ approved          submitted ─send back→ sent_back ─author corrects→ corrected
//   corrected ─approve→ approved          corrected ─send back→ sent_back …
//   any ─void (national office)→ void     (nothing is ever deleted; a void report leaves the figures)
//
// A decision is about one version of the report: at most one decision per version (the service stores it under the
// key "<event>:<version>"), so a double tap, a replayed update or two reviewers at once give one transition. A new
// version after a decision (the author corrects a sent-back, or an approved, report) is "corrected": it is back in
// the queue. A new version before any decision leaves the report "submitted".
import { canView, type Decision } from "./permissions.js";
import type { Role, RoleScope } from "./roles.js";
import type { MapView, TerritoryRef } from "./territory.js";

export const REPORT_STATUSES = ["submitted", "corrected", "sent_back", "approved", "void"] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** The order of /review's queues: what needs a reviewer first, then what waits on the author, then what is done. */
export const REVIEW_QUEUES: readonly ReportStatus[] = ["submitted", "corrected", "sent_back", "approved"];

export type ReviewAction = "approve" | "send_back";

/** Roles that check reports in their territory. */
export const REVIEWER_ROLES: readonly Role[] = ["national_admin", "cluster_head", "state_team"];

/** Preset reasons for sending a report back (the button labels are in locales: review:reason.<key>). */
export const SEND_BACK_REASONS = ["numbers", "photos", "details", "wrong_event"] as const;
export type SendBackReason = (typeof SEND_BACK_REASONS)[number];

/** The longest reason a reviewer may type: it travels in one message with the report's name. */
export const REASON_MAX = 500;

export function isReportStatus(value: unknown): value is ReportStatus {
  return typeof value === "string" && (REPORT_STATUSES as readonly string[]).includes(value);
}

/** The reviewer scopes among a person's roles. */
export function reviewerScopes(scopes: readonly RoleScope[]): RoleScope[] {
  return scopes.filter((s) => REVIEWER_ROLES.includes(s.role));
}

/** May the actor review reports of `territory`? A reviewer role whose scope contains it. */
export function canReview(actor: readonly RoleScope[], territory: TerritoryRef, map: MapView): Decision {
  const reviewers = reviewerScopes(actor);
  if (reviewers.length === 0) return { allowed: false, reason: "no_role" };
  return canView(reviewers, territory, map);
}

/** Voiding takes a record out of the figures: the national office only. */
export function canVoid(actor: readonly RoleScope[]): Decision {
  return actor.some((s) => s.role === "national_admin") ? { allowed: true } : { allowed: false, reason: "no_role" };
}

/** What is known about a report's review: its newest version, the decision on it (if any), whether any version was decided. */
export interface ReviewFacts {
  latestVersion: number;
  /** The decision on the newest version. */
  latestDecision: ReviewAction | null;
  /** Whether some older version was decided (approved or sent back). */
  decidedBefore: boolean;
  voided: boolean;
}

/** The status that follows from the facts: the one rule every writer and reader applies. */
export function reportStatus(f: ReviewFacts): ReportStatus {
  if (f.voided) return "void";
  if (f.latestDecision === "approve") return "approved";
  if (f.latestDecision === "send_back") return "sent_back";
  return f.decidedBefore ? "corrected" : "submitted";
}

export type DecideRefusal = "already_decided" | "stale_version" | "void";

/**
 * May a reviewer take `action` on version `version` now? Only the newest version, only once, never on a void report.
 * A decision already taken on this version is "already_decided" (the service answers a replay of the same decision
 * as a duplicate, not as a refusal).
 */
export function decisionAllowed(f: ReviewFacts, version: number): { ok: true } | { ok: false; reason: DecideRefusal } {
  if (f.voided) return { ok: false, reason: "void" };
  if (version !== f.latestVersion) return { ok: false, reason: "stale_version" };
  if (f.latestDecision) return { ok: false, reason: "already_decided" };
  return { ok: true };
}

/** A typed reason: trimmed, 2 to REASON_MAX characters. */
export function checkReason(text: string): { ok: true; value: string } | { ok: false; reason: "too_short" | "too_long" } {
  const value = text.trim().replace(/\s+\n/g, "\n");
  if (value.length < 2) return { ok: false, reason: "too_short" };
  if (value.length > REASON_MAX) return { ok: false, reason: "too_long" };
  return { ok: true, value };
}
