// Running totals for the rollups, as plain data: what one seat's events and reports add up to (seatTotals), and the
// rollup's inputs rebuilt from the totals of every seat (inputFromTotals). Pure: services/rollupTotals.ts reads and
// writes them. The figures must equal what the rollup computes from the raw records (services/rollupData.ts):
// test/services/rollupTotals.test.ts compares the two.
import type { ReportedPlace, RollupEvent, RollupReport, RollupReviewRow, RollupReviewTotals } from "./types.js";
import { localDay } from "./day.js";

/** An event as the totals keep it. */
export interface TotalsEventRow {
  id: string;
  programmeKey: string;
  startsAt: Date;
  status: "planned" | "cancelled";
  createdBy: number;
  /** The event's reportedAt is set (a voided report still counts as reported, as on the event). */
  reported: boolean;
  /** Its report's numbers, unless there is none or it was voided. */
  report: { total: number; counts: Record<string, number> } | null;
}

export interface TotalsPlace {
  stateCode: string;
  pcCode: string;
  acCode: string | null;
}

export interface SeatTotals extends TotalsPlace {
  /** The seat: its events' code (the AC for AC events, else the PC). */
  seat: string;
  /** Counted reports (not voided), and their summed totals as reported. */
  reports: number;
  attendance: number;
  review: Omit<RollupReviewTotals, keyof TotalsPlace | "sentBack">;
  sentBack: RollupReviewRow[];
  /**
   * Planned events without a report on the local days rowsFrom..rowsUntil (inclusive), one row each: pending once
   * started, upcoming before. Those on other days are only counted (openDays): a rollup lists the recent ones and
   * counts the rest, so what it reads does not grow with the campaign's backlog.
   */
  open: TotalsEventRow[];
  /** The other planned events without a report, counted per local day (before rowsFrom, or after rowsUntil). */
  openDays: Record<string, number>;
  rowsFrom: string;
  rowsUntil: string;
}

/** The local days a seat's open events are kept as rows for (YYYY-MM-DD, inclusive); counted outside. */
export interface RowDays {
  from: string;
  until: string;
}

export interface DayTotals extends TotalsPlace {
  day: string;
  seat: string;
  events: TotalsEventRow[];
}

/** A seat's event, as the rollup reads events (services/rollupData.ts toEvent). */
export type SeatEvent = RollupEvent;

export interface SeatReport {
  eventId: string;
  total: number;
  counts: Record<string, number>;
  /** domain/review.ts ReportStatus; absent on reports from before review ("submitted"). */
  reviewStatus: string | undefined;
  submittedBy: number;
  photos: readonly string[];
}

/**
 * One seat's totals from its events and reports (reports of events not given are ignored). `flagged` holds
 * "<event id>:<file unique id>" of photos found reused; `zone` gives the local days.
 */
export function seatTotals(args: {
  seat: string;
  events: readonly SeatEvent[];
  reports: readonly SeatReport[];
  flagged: ReadonlySet<string>;
  zone: string;
  rows: RowDays;
}): { seat: SeatTotals; days: DayTotals[] } | null {
  const events = [...args.events].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || a.id.localeCompare(b.id));
  const first = events[0];
  if (!first) return null;
  const place: TotalsPlace = { stateCode: first.stateCode, pcCode: first.pcCode, acCode: first.acCode };
  const reportOf = new Map(args.reports.map((r) => [r.eventId, r]));
  const seat: SeatTotals = {
    seat: args.seat,
    ...place,
    reports: 0,
    attendance: 0,
    review: { awaiting: 0, corrected: 0, approved: 0, attendance: 0, attendanceApproved: 0, flagged: 0 },
    sentBack: [],
    open: [],
    openDays: {},
    rowsFrom: args.rows.from,
    rowsUntil: args.rows.until,
  };
  const days = new Map<string, DayTotals>();
  for (const e of events) {
    const r = reportOf.get(e.id);
    const counted = r && r.reviewStatus !== "void" ? r : undefined;
    const row: TotalsEventRow = {
      id: e.id,
      programmeKey: e.programmeKey,
      startsAt: e.startsAt,
      status: e.status,
      createdBy: e.createdBy,
      reported: e.reported,
      report: counted ? { total: counted.total, counts: { ...counted.counts } } : null,
    };
    // An open row keeps no figures: it is listed as pending or upcoming, never counted (a report without the event's
    // reportedAt is an inconsistency the day's row still shows).
    const day = localDay(e.startsAt, args.zone);
    if (e.status === "planned" && !row.reported) {
      // Local days as YYYY-MM-DD compare as strings.
      if (day >= args.rows.from && day <= args.rows.until) seat.open.push({ ...row, report: null });
      else seat.openDays[day] = (seat.openDays[day] ?? 0) + 1;
    }
    const sheet = days.get(day) ?? { day, seat: args.seat, ...place, events: [] };
    sheet.events.push(row);
    days.set(day, sheet);
    if (!counted) continue;
    // As services/rollupData.ts and domain/rollup/compute.ts count them (reviewFigures).
    seat.reports++;
    seat.attendance += counted.total;
    const total = Math.max(0, counted.total);
    const status = counted.reviewStatus ?? "submitted";
    const flagged = counted.photos.some((p) => args.flagged.has(`${e.id}:${p}`));
    seat.review.attendance += total;
    if (flagged) seat.review.flagged++;
    if (status === "approved") {
      seat.review.approved++;
      seat.review.attendanceApproved += total;
    } else if (status === "sent_back") {
      seat.sentBack.push({ eventId: e.id, ...place, status, total: counted.total, submittedBy: counted.submittedBy, flagged });
    } else if (status === "corrected") seat.review.corrected++;
    else seat.review.awaiting++;
  }
  return { seat, days: [...days.values()] };
}

/**
 * A seat whose rows stop before `day` while it counts open events after its rows: its events on the days between
 * would be missing from a rollup as of `day` (services/rollupTotals.ts folds such seats again first).
 */
export function rowsEndTooSoon(seat: Pick<SeatTotals, "openDays" | "rowsUntil">, day: string): boolean {
  return seat.rowsUntil < day && Object.keys(seat.openDays).some((d) => d > seat.rowsUntil);
}

/**
 * The rollup's inputs from the totals: every seat's, and the seat days of the rollup's day and the days after it
 * that the rollup lists (`days`, the rollup's day first). Valid for a rollup whose day has not ended at asOf, in the
 * zone the totals were made in ("to date" is then everything reported), when no seat's rows end before the day of
 * asOf (rowsEndTooSoon). Open events counted before a seat's rows are pending; counted after them, not yet started.
 */
export function inputFromTotals(seats: readonly SeatTotals[], days: readonly DayTotals[], day: string): {
  events: RollupEvent[];
  reports: RollupReport[];
  reportedPlaces: ReportedPlace[];
  reviewTotals: RollupReviewTotals[];
  olderPending: { stateCode: string; count: number }[];
} {
  const event = (row: TotalsEventRow, place: TotalsPlace): RollupEvent => ({
    id: row.id,
    programmeKey: row.programmeKey,
    stateCode: place.stateCode,
    pcCode: place.pcCode,
    acCode: place.acCode,
    startsAt: row.startsAt,
    status: row.status,
    createdBy: row.createdBy,
    reported: row.reported,
  });
  const events = [...seats.flatMap((s) => s.open.map((row) => event(row, s))), ...days.flatMap((d) => d.events.map((row) => event(row, d)))];
  const reports: RollupReport[] = days
    .filter((d) => d.day === day)
    .flatMap((d) =>
      d.events.flatMap((row) =>
        row.report
          ? [
              {
                eventId: row.id,
                programmeKey: row.programmeKey,
                stateCode: d.stateCode,
                pcCode: d.pcCode,
                acCode: d.acCode,
                eventStartsAt: row.startsAt,
                total: row.report.total,
                counts: row.report.counts,
              },
            ]
          : [],
      ),
    );
  const reportedPlaces = seats
    .filter((s) => s.reports > 0)
    .map((s) => ({ stateCode: s.stateCode, pcCode: s.pcCode, acCode: s.acCode, reports: s.reports, attendance: s.attendance }));
  const reviewTotals = seats.map((s) => ({ stateCode: s.stateCode, pcCode: s.pcCode, acCode: s.acCode, ...s.review, sentBack: s.sentBack }));
  const older = new Map<string, number>();
  for (const s of seats) {
    for (const [d, count] of Object.entries(s.openDays)) if (d < s.rowsFrom) older.set(s.stateCode, (older.get(s.stateCode) ?? 0) + count);
  }
  const olderPending = [...older].map(([stateCode, count]) => ({ stateCode, count }));
  return { events, reports, reportedPlaces, reviewTotals, olderPending };
}
