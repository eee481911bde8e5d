// A generated campaign: events and reports shaped as the events and reports collections store them, spread over
// the real map, deterministic for a seed. Used by the rollup tests (hundreds of events) and scripts/bench-rollup.ts
// (100,000). Includes the awkward cases: cancelled events, held events with no report, events later today, AC-level
// events in ACs numbered among another PC's (J&K), and events in states of no cluster's.
import { Types } from "mongoose";
import { markRollupSeats } from "../../src/db/rollupMarks.js";
import type { Models } from "../../src/db/models/index.js";

export interface CampaignMap {
  pcs: readonly { code: string; stateCode: string }[];
  acs: readonly { code: string; stateCode: string; pcCode: string }[];
}

export interface CampaignOptions {
  events: number;
  /** Events start uniformly in [from, to). */
  from: Date;
  to: Date;
  /** Events that started before this may have a report. */
  now: Date;
  seed?: number;
  /** Only these states (default: all in the map). */
  stateCodes?: readonly string[];
  organisers?: readonly number[];
  categories?: readonly string[];
  programmes?: readonly string[];
  reportedShare?: number;
  cancelledShare?: number;
  acShare?: number;
  /** Extra events placed at these ACs (e.g. ACs numbered among another PC's), held before `now` and reported. */
  forcedAcs?: readonly string[];
}

export interface GeneratedEvent {
  _id: Types.ObjectId;
  programmeKey: string;
  level: "pc" | "ac";
  code: string;
  stateCode: string;
  pcCode: string;
  acCode: string | null;
  startsAt: Date;
  venue: string;
  location: null;
  expectedAttendance: number;
  notes: string;
  status: "planned" | "cancelled";
  createdBy: number;
  createdAt: Date;
  updatedAt: Date;
  reportedAt: Date | null;
  cancelledAt: Date | null;
  cancelledBy: number | null;
}

export interface GeneratedReport {
  /** The event's id, as reports are stored. */
  _id: Types.ObjectId;
  eventId: Types.ObjectId;
  programmeKey: string;
  level: "pc" | "ac";
  code: string;
  stateCode: string;
  pcCode: string;
  acCode: string | null;
  eventStartsAt: Date;
  total: number;
  counts: Record<string, number>;
  photos: never[];
  notes: string;
  submittedBy: number;
  submittedAt: Date;
  updatedBy: number;
  updatedAt: Date;
  version: number;
}

export const DEFAULT_CATEGORIES = ["sufi-ulema", "intellectuals", "sports", "influential", "women-beneficiaries"];
export const DEFAULT_PROGRAMMES = ["sneh-samvad", "sufi-samvad"];

/** mulberry32: small, fast, deterministic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateCampaign(map: CampaignMap, o: CampaignOptions): { events: GeneratedEvent[]; reports: GeneratedReport[] } {
  const random = rng(o.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const states = o.stateCodes ? new Set(o.stateCodes) : undefined;
  const pcs = map.pcs.filter((p) => !states || states.has(p.stateCode));
  const acs = map.acs.filter((a) => !states || states.has(a.stateCode));
  const acByCode = new Map(map.acs.map((a) => [a.code, a]));
  const organisers = o.organisers ?? [9_000_000_001, 9_000_000_002, 9_000_000_003];
  const categories = o.categories ?? DEFAULT_CATEGORIES;
  const programmes = o.programmes ?? DEFAULT_PROGRAMMES;
  const span = o.to.getTime() - o.from.getTime();

  const events: GeneratedEvent[] = [];
  const reports: GeneratedReport[] = [];
  const total = o.events + (o.forcedAcs?.length ?? 0);
  for (let i = 0; i < total; i++) {
    const forced = i >= o.events ? acByCode.get(o.forcedAcs![i - o.events]!) : undefined;
    const atAc = forced !== undefined || (acs.length > 0 && random() < (o.acShare ?? 0.4));
    const ac = forced ?? (atAc ? pick(acs) : undefined);
    const pc = ac ? { code: ac.pcCode, stateCode: ac.stateCode } : pick(pcs);
    // Whole minutes, as people enter them.
    const until = forced ? Math.min(o.to.getTime(), o.now.getTime()) - o.from.getTime() : span;
    const startsAt = new Date(Math.floor((o.from.getTime() + random() * until) / 60_000) * 60_000);
    const cancelled = !forced && random() < (o.cancelledShare ?? 0.05);
    const programmeKey = pick(programmes);
    const createdBy = pick(organisers);
    const started = startsAt.getTime() <= o.now.getTime();
    const reported = !cancelled && started && (forced !== undefined || random() < (o.reportedShare ?? 0.75));
    const id = new Types.ObjectId();
    const reportedAt = reported ? new Date(Math.min(o.now.getTime(), startsAt.getTime() + 3 * 3600_000)) : null;
    const level = ac ? "ac" : "pc";
    const code = ac ? ac.code : pc.code;
    events.push({
      _id: id,
      programmeKey,
      level,
      code,
      stateCode: pc.stateCode,
      pcCode: pc.code,
      acCode: ac?.code ?? null,
      startsAt,
      venue: `Venue ${i}`,
      location: null,
      expectedAttendance: 100,
      notes: "",
      status: cancelled ? "cancelled" : "planned",
      createdBy,
      createdAt: new Date(startsAt.getTime() - 3 * 86400_000),
      updatedAt: new Date(startsAt.getTime() - 3 * 86400_000),
      reportedAt,
      cancelledAt: cancelled ? new Date(startsAt.getTime() - 86400_000) : null,
      cancelledBy: cancelled ? createdBy : null,
    });
    if (reported) {
      const totalCount = Math.floor(random() * 400);
      const counts: Record<string, number> = {};
      let left = totalCount;
      for (const c of categories) {
        if (random() < 0.2) continue; // some categories not entered at all
        const n = Math.floor(random() * (left / 2 + 1));
        counts[c] = n;
        left -= n;
      }
      reports.push({
        _id: id,
        eventId: id,
        programmeKey,
        level,
        code,
        stateCode: pc.stateCode,
        pcCode: pc.code,
        acCode: ac?.code ?? null,
        eventStartsAt: startsAt,
        total: totalCount,
        counts,
        photos: [],
        notes: "",
        submittedBy: createdBy,
        submittedAt: reportedAt!,
        updatedBy: createdBy,
        updatedAt: reportedAt!,
        version: 1,
      });
    }
  }
  return { events, reports };
}

/** insertMany in batches (one huge insert is slow and memory-hungry on FerretDB). */
export async function insertCampaign(
  models: Pick<Models, "Event" | "Report" | "RollupMark">,
  data: { events: readonly GeneratedEvent[]; reports: readonly GeneratedReport[] },
  batch = 1000,
): Promise<void> {
  for (let i = 0; i < data.events.length; i += batch) {
    await models.Event.collection.insertMany(data.events.slice(i, i + batch) as never[], { ordered: false });
  }
  for (let i = 0; i < data.reports.length; i += batch) {
    await models.Report.collection.insertMany(data.reports.slice(i, i + batch) as never[], { ordered: false });
  }
  // Stored around the services: marked for the rollups' running totals as a bulk import would be.
  const seats = [...new Set(data.events.map((e) => e.code))];
  for (let i = 0; i < seats.length; i += batch) await markRollupSeats(models, seats.slice(i, i + batch));
}
