// Reads what the rollup maths needs, within what FerretDB 1.24 does: finds with projections filtered on indexed
// fields (startsAt, eventStartsAt, stateCode). No $lookup, $facet or date operators: the joins, grouping and
// arithmetic happen in TypeScript (domain/rollup/compute.ts).
//
// sanitizeFilter is on (db/connection.ts): query operators written here are marked with mongoose.trusted().
import { trusted } from "mongoose";
import type { Models } from "../db/models/index.js";
import { addDays, dayWindow, localDay } from "../domain/rollup/day.js";
import { UPCOMING_DAYS } from "../domain/rollup/compute.js";
import type { ReportedPlace, RollupEvent, RollupInput, RollupMap, RollupReport, RollupReviewRow } from "../domain/rollup/types.js";
import { inputFromTotals } from "../domain/rollup/totals.js";
import type { RollupTotals } from "./rollupTotals.js";

export type RollupData = Omit<RollupInput, "scope">;

export interface EventRow {
  _id: { toHexString(): string };
  programmeKey: string;
  stateCode: string;
  pcCode: string;
  acCode?: string | null;
  startsAt: Date;
  status?: "planned" | "cancelled";
  createdBy: number;
  reportedAt?: Date | null;
}

interface ReportRow {
  eventId: { toHexString(): string };
  reviewStatus?: string;
  submittedBy?: number;
  photos?: { fileUniqueId: string }[];
  programmeKey: string;
  stateCode: string;
  pcCode: string;
  acCode?: string | null;
  eventStartsAt: Date;
  total: number;
  counts?: Record<string, number> | null;
}

const EVENT_FIELDS = { programmeKey: 1, stateCode: 1, pcCode: 1, acCode: 1, startsAt: 1, status: 1, createdBy: 1, reportedAt: 1 };
const REPORT_FIELDS = { _id: 0, eventId: 1, programmeKey: 1, stateCode: 1, pcCode: 1, acCode: 1, eventStartsAt: 1, total: 1, counts: 1, reviewStatus: 1, submittedBy: 1, "photos.fileUniqueId": 1 };

export interface RollupDataSource {
  /** The map (PCs and ACs read once per instance: they do not change while running; clusters read every time). */
  loadMap(): Promise<RollupMap>;
  /**
   * Everything a rollup of `day` needs for these states (all states when omitted). Coverage rows are always
   * national: every rollup states the national figure.
   */
  load(args: { day: string; zone: string; asOf: Date; stateCodes?: readonly string[] }): Promise<RollupData>;
}

/**
 * With `totals`, a rollup of a day that has not ended (today's, the daily job's) is read from the running totals
 * (services/rollupTotals.ts), with what is marked and not yet folded laid over them so that it is exact to the
 * moment: a number of documents that grows with
 * seats and days, not with events. A day that has ended, or another time zone than the totals', is read from the
 * records, as before.
 */
/**
 * Photos the photo job found reused from another event's report, as "<event id>:<file unique id>" (few: a flag is an
 * exception).
 */
export async function loadFlaggedPhotos(models: Pick<Models, "PhotoFlag">): Promise<Set<string>> {
  const flags = await models.PhotoFlag.find({}, { _id: 0, eventId: 1, fileUniqueId: 1 }).lean<{ eventId: string; fileUniqueId: string }[]>();
  return new Set(flags.map((f) => `${f.eventId}:${f.fileUniqueId}`));
}

/** Who holds a PC or AC seat: the vacancies line (one read of every person with a seat). */
export async function loadHeldSeats(models: Pick<Models, "Person">): Promise<string[]> {
  const holders = await models.Person.find({ "roles.role": trusted({ $in: ["pc_incharge", "ac_incharge"] }) }, { _id: 0, roles: 1 }).lean<
    { roles: { role: string; code: string }[] }[]
  >();
  const codes = holders.flatMap((p) => (p.roles ?? []).filter((g) => g.role === "pc_incharge" || g.role === "ac_incharge").map((g) => g.code));
  return [...new Set(codes)].sort();
}

/** How many days back a rollup lists pending events one by one when not told (domain/escalation.ts pendingListDays). */
export const DEFAULT_PENDING_LIST_DAYS = 14;

export function createRollupDataSource(models: Models, totals?: RollupTotals): RollupDataSource {
  const { Event, Report, Pc, Ac, Cluster } = models;
  // Pending events are listed from as many days back as the totals keep them as rows; the same from the records.
  const listDays = totals?.pendingListDays ?? DEFAULT_PENDING_LIST_DAYS;
  const listedSince = (day: string, zone: string) => dayWindow(addDays(day, -listDays, zone), zone).start;
  let territories: Promise<Pick<RollupMap, "pcs" | "acs">> | undefined;

  async function loadMap(): Promise<RollupMap> {
    territories ??= (async () => {
      const [pcs, acs] = await Promise.all([
        Pc.find({}, { _id: 0, code: 1, stateCode: 1, no: 1 }).lean<{ code: string; stateCode: string; no: number }[]>(),
        Ac.find({}, { _id: 0, code: 1, stateCode: 1, pcCode: 1 }).lean<{ code: string; stateCode: string; pcCode: string }[]>(),
      ]);
      pcs.sort((a, b) => a.stateCode.localeCompare(b.stateCode) || a.no - b.no);
      return { pcs: pcs.map(({ code, stateCode }) => ({ code, stateCode })), acs };
    })().catch((err: unknown) => {
      territories = undefined;
      throw err;
    });
    const [t, clusters] = await Promise.all([
      territories,
      Cluster.find({}, { _id: 0, key: 1, stateCodes: 1 }).sort({ key: 1 }).lean<{ key: string; stateCodes?: string[] }[]>(),
    ]);
    return { ...t, clusters: clusters.map((c) => ({ key: c.key, stateCodes: c.stateCodes ?? [] })) };
  }

  async function loadFromTotals(t: RollupTotals, day: string, zone: string, asOf: Date): Promise<RollupData> {
    const days = Array.from({ length: UPCOMING_DAYS + 1 }, (_, i) => addDays(day, i, zone));
    const [{ seats, days: seatDays, held }, map] = await Promise.all([t.read(days, localDay(asOf, zone)), loadMap()]);
    return { day, zone, asOf, ...inputFromTotals(seats, seatDays, day), map, reviews: [], heldSeats: held, pendingListedSince: listedSince(day, zone) };
  }

  return {
    loadMap,
    async load({ day, zone, asOf, stateCodes }) {
      const { start, end } = dayWindow(day, zone);
      if (totals && zone === totals.zone && asOf.getTime() < end.getTime()) return loadFromTotals(totals, day, zone, asOf);
      const upcomingEnd = dayWindow(addDays(day, UPCOMING_DAYS, zone), zone).end;
      const inStates = stateCodes ? { stateCode: trusted({ $in: [...stateCodes] }) } : {};
      // Two queries, one per collection. On MongoDB both are index range scans (startsAt; eventStartsAt). On
      // FerretDB 1.24 every filter other than _id equality scans the collection and decoding each document is the
      // cost, so one scan per collection (rather than a query per figure, or a $group, which measured slower than
      // a projected find there) is what keeps a national rollup within seconds; see scripts/bench-rollup.ts.
      const [eventRows, reportRows, map, flagged, held] = await Promise.all([
        Event.find(
          {
            ...inStates,
            $or: [
              // The day and the next three days: today's figures and the upcoming list.
              { startsAt: trusted({ $gte: start, $lt: upcomingEnd }) },
              // Held and still unreported, over the whole campaign.
              { startsAt: trusted({ $lte: asOf }), reportedAt: null, status: "planned" },
            ],
          },
          EVENT_FIELDS,
        ).lean<EventRow[]>(),
        // Every report of an event before the day's end: coverage and attendance to date (national, since every
        // rollup gives the national figure), and the day's reports with their category counts.
        Report.find({ eventStartsAt: trusted({ $lt: end }) }, REPORT_FIELDS).lean<ReportRow[]>(),
        loadMap(),
        loadFlaggedPhotos(models),
        loadHeldSeats(models),
      ]);

      const events: RollupEvent[] = eventRows.map(toEvent);
      const reports: RollupReport[] = [];
      const reviews: RollupReviewRow[] = [];
      const places = new Map<string, ReportedPlace>();
      for (const r of reportRows) {
        // A void report is kept (nothing is deleted) but counts in no figure.
        if (r.reviewStatus === "void") continue;
        reviews.push({
          eventId: r.eventId.toHexString(),
          stateCode: r.stateCode,
          pcCode: r.pcCode,
          acCode: r.acCode ?? null,
          status: r.reviewStatus ?? "submitted",
          total: r.total ?? 0,
          submittedBy: r.submittedBy ?? 0,
          // Only photos the report still has: a correction that dropped the photo drops the flag.
          flagged: (r.photos ?? []).some((p) => flagged.has(`${r.eventId.toHexString()}:${p.fileUniqueId}`)),
        });
        const startsAt = r.eventStartsAt.getTime();
        if (startsAt >= start.getTime() && (!stateCodes || stateCodes.includes(r.stateCode))) reports.push(toReport(r));
        // Grouped here rather than by $group (see above); the maths accepts either shape.
        const acCode = r.acCode ?? null;
        const key = `${r.stateCode}|${r.pcCode}|${acCode ?? ""}`;
        const place = places.get(key);
        if (place) {
          place.reports++;
          place.attendance += r.total ?? 0;
        } else {
          places.set(key, { stateCode: r.stateCode, pcCode: r.pcCode, acCode, reports: 1, attendance: r.total ?? 0 });
        }
      }
      return { day, zone, asOf, events, reports, reportedPlaces: [...places.values()], map, reviews, heldSeats: held, pendingListedSince: listedSince(day, zone) };
    },
  };
}

export function toEvent(e: EventRow): RollupEvent {
  return {
    id: e._id.toHexString(),
    programmeKey: e.programmeKey,
    stateCode: e.stateCode,
    pcCode: e.pcCode,
    acCode: e.acCode ?? null,
    startsAt: e.startsAt,
    status: e.status === "cancelled" ? "cancelled" : "planned",
    createdBy: e.createdBy,
    reported: e.reportedAt != null,
  };
}

function toReport(r: ReportRow): RollupReport {
  return {
    eventId: r.eventId.toHexString(),
    programmeKey: r.programmeKey,
    stateCode: r.stateCode,
    pcCode: r.pcCode,
    acCode: r.acCode ?? null,
    eventStartsAt: r.eventStartsAt,
    total: r.total ?? 0,
    counts: r.counts ?? {},
  };
}
