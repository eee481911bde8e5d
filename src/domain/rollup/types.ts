// What the rollup maths reads and what it produces. Plain data only: the data layer (services/rollupData.ts) fills
// the inputs from narrow, indexed queries; the maths (compute.ts) never touches a database or a clock.
import type { EscalationLevel } from "../escalation.js";
import type { Language } from "../language.js";
import type { ScopeProgress } from "../plans/progress.js";

/** An event as the rollup needs it (a projection of the events collection). */
export interface RollupEvent {
  id: string;
  programmeKey: string;
  stateCode: string;
  pcCode: string;
  acCode: string | null;
  startsAt: Date;
  status: "planned" | "cancelled";
  /** Telegram id of the organiser (who registered it). */
  createdBy: number;
  /** True once a report exists (the event's reportedAt is set). */
  reported: boolean;
}

/** A report as the rollup needs it: counts per category key, and the total. */
export interface RollupReport {
  eventId: string;
  programmeKey: string;
  stateCode: string;
  pcCode: string;
  acCode: string | null;
  eventStartsAt: Date;
  total: number;
  counts: Readonly<Record<string, number>>;
}

/**
 * Where reports were filed, for coverage and attendance to date: one row per report, or (from the database) one row
 * per (state, PC, AC) with the number of reports and their summed attendance. Both shapes give the same results.
 */
export interface ReportedPlace {
  stateCode: string;
  pcCode: string;
  acCode: string | null;
  reports: number;
  attendance: number;
}

export interface RollupMap {
  /** Every PC in the country, in display order (state, then number). */
  pcs: readonly { code: string; stateCode: string }[];
  /** Every AC with the PC it belongs to: an AC's PC cannot be derived from its code or number. */
  acs: readonly { code: string; stateCode: string; pcCode: string }[];
  clusters: readonly { key: string; stateCodes: readonly string[] }[];
}

export type RollupScope =
  | { level: "country"; code: "IN" }
  | { level: "cluster"; code: string }
  | { level: "state"; code: string };

export interface RollupInput {
  scope: RollupScope;
  /** The local calendar day, YYYY-MM-DD, in `zone` (an IANA time zone; see day.ts). */
  day: string;
  zone: string;
  /** Events that started at or before this moment count as held. */
  asOf: Date;
  /** Must include every event of the day, of the next three days, and every held event without a report. */
  events: readonly RollupEvent[];
  /** Must include the reports of the day's events. */
  reports: readonly RollupReport[];
  /** Reports of events that started before dayEnd, as places (see ReportedPlace). */
  reportedPlaces: readonly ReportedPlace[];
  map: RollupMap;
  /** Every report to date with its review status (void ones may be left out: they count nowhere). */
  reviews?: readonly RollupReviewRow[];
  /** The same, already summed per seat (the running totals: domain/rollup/totals.ts); added to `reviews`. */
  reviewTotals?: readonly RollupReviewTotals[];
  /** Codes of the PC and AC seats someone holds (a PC in-charge of the PC, an AC in-charge of the AC). */
  heldSeats?: readonly string[];
  /**
   * Pending events are listed one by one from this moment (started earlier: only counted); absent, every one is
   * listed. The running totals keep events that old only as counts (domain/rollup/totals.ts).
   */
  pendingListedSince?: Date;
  /** Held, unreported events started before pendingListedSince that `events` leaves out, counted per state. */
  olderPending?: readonly { stateCode: string; count: number }[];
}

/** A state's seats with nobody appointed. */
export interface StateVacancies {
  stateCode: string;
  vacantPcs: number;
  pcsTotal: number;
  vacantAcs: number;
  acsTotal: number;
}

/** A report as the review figures need it. */
export interface RollupReviewRow {
  eventId: string;
  stateCode: string;
  pcCode: string;
  acCode: string | null;
  /** domain/review.ts ReportStatus. */
  status: string;
  total: number;
  submittedBy: number;
  /** A photo of it matches a photo of another event's report (services/photoService.ts). */
  flagged?: boolean;
}

/** One seat's counted reports by review status (void ones count nowhere), from the running totals. */
export interface RollupReviewTotals {
  stateCode: string;
  pcCode: string;
  acCode: string | null;
  awaiting: number;
  corrected: number;
  approved: number;
  /** Attendance of the counted reports (each at least 0), and of the approved ones. */
  attendance: number;
  attendanceApproved: number;
  flagged: number;
  /** The sent-back ones, named. */
  sentBack: readonly RollupReviewRow[];
}

/** Where the scope's reports stand in review, to date. */
export interface RollupReview {
  /** Submitted, nobody has looked yet. */
  awaiting: number;
  /** Corrected after a send back: waiting for the reviewer again. */
  corrected: number;
  /** Sent back and not yet corrected: the authors owe a correction. */
  sentBack: RollupReviewRow[];
  approved: number;
  /** Attendance of every counted report to date, and of the approved ones. */
  attendance: number;
  attendanceApproved: number;
  /** Counted reports with a photo that matches another event's report's. */
  flagged: number;
}

export interface Attendance {
  total: number;
  /** Summed counts per category key, as reported. */
  byCategory: Record<string, number>;
  /** Attendance not put in any category (total minus the categories), shown with "others". */
  unassigned: number;
}

export interface EventLine {
  eventId: string;
  programmeKey: string;
  stateCode: string;
  pcCode: string;
  acCode: string | null;
  startsAt: Date;
  createdBy: number;
}

export interface PendingEvents {
  count: number;
  listed: EventLine[];
  listedSince: Date | null;
}

export interface StateRow {
  stateCode: string;
  pcsCovered: number;
  pcsTotal: number;
  acsCovered: number;
  acsTotal: number;
  attendanceToDate: number;
  attendanceToday: number;
  eventsToday: number;
  reportsToday: number;
  pending: number;
}

export interface ClusterRow {
  key: string;
  eventsToday: number;
  reportsToday: number;
  attendanceToday: number;
  pending: number;
  pcsCovered: number;
  pcsTotal: number;
}

export interface Rollup {
  scope: RollupScope;
  day: string;
  asOf: Date;
  stateCodes: string[];
  today: {
    /** Planned events of the day that had started by asOf. */
    held: number;
    /** Of those, how many have a report. */
    reported: number;
    /** Planned events of the day still to start after asOf. */
    later: number;
    cancelled: number;
    attendance: Attendance;
  };
  /**
   * Held, not cancelled, no report yet, over the whole campaign up to asOf: how many, and those started since
   * `listedSince` one by one, oldest first (listedSince null: every one is listed).
   */
  pending: PendingEvents;
  coverage: {
    pcsCovered: number;
    pcsTotal: number;
    acsCovered: number;
    acsTotal: number;
    national: { pcsCovered: number; pcsTotal: number };
    /** PC codes of the scope with no reported event yet, in map order. */
    uncoveredPcs: string[];
  };
  /** Planned events of the next three days, soonest first. */
  upcoming: EventLine[];
  review: RollupReview;
  /** States of the scope with a vacant seat, most vacant Lok Sabha seats first (empty when heldSeats was not given). */
  vacancies: StateVacancies[];
  byState: StateRow[];
  /** Country scope only: one row per cluster. */
  clusters: ClusterRow[];
  /** The escalation ladder's section (the daily rollup fills it: services/escalationService.ts); absent: none. */
  escalated?: EscalationSection;
  /** Pace of the running campaign phases in the scope (domain/plans/progress.ts), which leads the message; absent: none. */
  pace?: ScopeProgress[];
}

/** Someone holding an event's seat, a tap away. */
export interface SeatHolder {
  telegramId: number;
  name: string;
  username: string | null;
}

/** An unreported event named in a level's rollup on the day it reached that level. */
export interface EscalatedEvent extends EventLine {
  /** The event's seat: the AC's in-charge for an AC event, else the PC's. */
  seat: { role: "pc_incharge" | "ac_incharge"; code: string };
  /** Who holds the seat now (empty: vacant). */
  holders: SeatHolder[];
}

/** Unreported events that have climbed to the rollup's level (state team, cluster in-charge, national office). */
export interface EscalationSection {
  level: EscalationLevel;
  /** Days after the start at which events reach this level. */
  days: number;
  /** Reached this level on the rollup's day: named, once. */
  named: EscalatedEvent[];
  /** Reached it on an earlier day and still unreported: counted. */
  earlier: number;
}

/** The names a message about rollups needs, in one language (filled by services/rollupService.ts). */
export interface RollupNames {
  lang: Language;
  /** The scope's name ("" for the country: the caller uses a locale string). */
  scope(scope: RollupScope): string;
  cluster(key: string): string;
  state(code: string): string;
  /** A PC, or an AC with its PC: "Baramulla (1)" / "Uri (4), Baramulla (1)". */
  place(p: { pcCode: string; acCode: string | null }): string;
  pc(code: string): string;
  programme(key: string): string;
  /** Categories in menu order, hidden ones included (old reports keep their counts). */
  categories: { key: string; name: string }[];
  person(telegramId: number): string;
}
