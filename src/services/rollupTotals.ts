// Running totals for the rollups (db/models/rollupTotals.ts, domain/rollup/totals.ts): a rollup of today reads every
// seat's totals and the seat days of four days, instead of every event and report of the campaign. On FerretDB 1.24
// that is the difference between seconds and a minute at 100,000 events: it decodes every document a filter other
// than string, number or date equality touches (scripts/bench-rollup.ts).
//
// Exactly once without counting: writers only insert a mark for the seat they changed, after the change; the fold
// recomputes each marked seat from its events and reports (found by `code`, an equality FerretDB pushes down) and
// replaces its totals, then deletes the marks it read. A replayed or repeated update recomputes the same figures; a
// mark inserted while a seat is folded stays for the next fold. Folds (per minute in the background, and before every
// rollup of today) run one at a time in a process (models.serial); two copies folding at once on MongoDB can only
// write figures both computed from the records, and check() finds any drift (e.g. on FerretDB, whose updates are
// not atomic: db/serialWrites.ts).
import { trusted, type AnyBulkWriteOperation, type Model, type Types } from "mongoose";
import { bulkWriteErrors, onlyDuplicateKeys } from "../db/duplicateKey.js";
import type { Models } from "../db/models/index.js";
import type { RollupDayDoc, RollupSeatDoc } from "../db/models/rollupTotals.js";
import { groupBy } from "../domain/groupBy.js";
import { seatTotals, type DayTotals, type SeatEvent, type SeatReport, type SeatTotals } from "../domain/rollup/totals.js";

export interface RollupTotals {
  /** The time zone whose local days the seat days are (the campaign's). */
  readonly zone: string;
  /** Recomputes every marked seat; returns how many seats it recomputed. */
  fold(): Promise<number>;
  /**
   * Recomputes every seat from the events and reports and compares with the stored totals: the seats that differ
   * (drift). With `repair`, writes what they should be.
   */
  check(options?: { repair?: boolean }): Promise<{ seats: number; drifted: string[] }>;
  /** Every seat's totals, and the seat days of these local days. */
  read(days: readonly string[]): Promise<{ seats: SeatTotals[]; days: DayTotals[] }>;
}

const EVENT_FIELDS = { code: 1, programmeKey: 1, stateCode: 1, pcCode: 1, acCode: 1, startsAt: 1, status: 1, createdBy: 1, reportedAt: 1 };
const REPORT_FIELDS = { code: 1, total: 1, counts: 1, reviewStatus: 1, submittedBy: 1, "photos.fileUniqueId": 1 };
/**
 * Up to this many seats, each is read by its code (an equality FerretDB pushes down: a few milliseconds); beyond,
 * the events and reports are read in one pass each (the first fold after a migration or a bulk import, the check).
 */
const SEATS_READ_ONE_BY_ONE = 100;
/** Seats read at once when read one by one. */
const READ_CONCURRENCY = 4;
const WRITE_BATCH = 500;

type EventRow = Omit<SeatEvent, "id"> & { _id: Types.ObjectId };
interface ReportRow {
  _id: Types.ObjectId;
  code: string;
  total?: number;
  counts?: Record<string, number> | null;
  reviewStatus?: string;
  submittedBy?: number;
  photos?: { fileUniqueId: string }[];
}

interface Computed {
  seat: RollupSeatDoc | null;
  days: RollupDayDoc[];
}

export function createRollupTotals(models: Models, options: { zone: string }): RollupTotals {
  const { Event, Report, RollupMark, RollupSeat, RollupDay, PhotoFlag } = models;
  const { zone } = options;

  const loadFlags = async () =>
    new Set((await PhotoFlag.find({}, { _id: 0, eventId: 1, fileUniqueId: 1 }).lean<{ eventId: string; fileUniqueId: string }[]>()).map((f) => `${f.eventId}:${f.fileUniqueId}`));

  /** What a seat's totals should be, from its events and reports. */
  function compute(code: string, events: readonly EventRow[], reports: readonly ReportRow[], flagged: ReadonlySet<string>): Computed {
    const totals = seatTotals({
      seat: code,
      zone,
      flagged,
      events: events.map((e) => ({
        id: e._id.toHexString(),
        code: e.code,
        programmeKey: e.programmeKey,
        stateCode: e.stateCode,
        pcCode: e.pcCode,
        acCode: e.acCode ?? null,
        startsAt: e.startsAt,
        status: e.status === "cancelled" ? "cancelled" : "planned",
        createdBy: e.createdBy,
        reportedAt: e.reportedAt ?? null,
      })),
      reports: reports.map(
        (r): SeatReport => ({
          eventId: r._id.toHexString(),
          total: r.total ?? 0,
          counts: r.counts ?? {},
          reviewStatus: r.reviewStatus,
          submittedBy: r.submittedBy ?? 0,
          photos: (r.photos ?? []).map((p) => p.fileUniqueId),
        }),
      ),
    });
    if (!totals) return { seat: null, days: [] };
    const { seat: _seat, ...figures } = totals.seat;
    const days = totals.days.map((d) => ({ _id: `${d.day}|${code}`, ...d }));
    return { seat: { _id: code, ...figures, days: days.map((d) => d.day) }, days };
  }

  /** What these seats' totals should be (every seat with an event, and those asked for, when `codes` is "all"). */
  async function computeSeats(codes: ReadonlySet<string> | "all", flagged: ReadonlySet<string>): Promise<Map<string, Computed>> {
    const out = new Map<string, Computed>();
    if (codes !== "all" && codes.size <= SEATS_READ_ONE_BY_ONE) {
      const list = [...codes];
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < list.length; i = next++) {
          const code = list[i]!;
          const [events, reports] = await Promise.all([
            Event.find({ code }, EVENT_FIELDS).lean<EventRow[]>(),
            Report.find({ code }, REPORT_FIELDS).lean<ReportRow[]>(),
          ]);
          out.set(code, compute(code, events, reports, flagged));
        }
      };
      await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, list.length) }, worker));
      return out;
    }
    const [events, reports] = await Promise.all([Event.find({}, EVENT_FIELDS).lean<EventRow[]>(), Report.find({}, REPORT_FIELDS).lean<ReportRow[]>()]);
    const eventsOf = groupBy(events, (e) => e.code);
    const reportsOf = groupBy(reports, (r) => r.code);
    for (const code of codes === "all" ? eventsOf.keys() : codes) out.set(code, compute(code, eventsOf.get(code) ?? [], reportsOf.get(code) ?? [], flagged));
    return out;
  }

  /** The stored totals of these seats (all when "all"). */
  async function storedSeats(codes: ReadonlySet<string> | "all"): Promise<{ seats: Map<string, RollupSeatDoc>; days: Map<string, RollupDayDoc> }> {
    let seats: RollupSeatDoc[];
    let days: RollupDayDoc[];
    if (codes !== "all" && codes.size <= SEATS_READ_ONE_BY_ONE) {
      const list = [...codes];
      [seats, days] = await Promise.all([
        Promise.all(list.map((code) => RollupSeat.findById(code).lean<RollupSeatDoc>())).then((found) => found.filter((d): d is RollupSeatDoc => d !== null)),
        Promise.all(list.map((seat) => RollupDay.find({ seat }).lean<RollupDayDoc[]>())).then((found) => found.flat()),
      ]);
    } else {
      [seats, days] = await Promise.all([RollupSeat.find({}).lean<RollupSeatDoc[]>(), RollupDay.find({}).lean<RollupDayDoc[]>()]);
      if (codes !== "all") {
        seats = seats.filter((d) => codes.has(d._id));
        days = days.filter((d) => codes.has(d.seat));
      }
    }
    return { seats: new Map(seats.map((d) => [d._id, d])), days: new Map(days.map((d) => [d._id, d])) };
  }

  /**
   * Compares what the seats' totals should be with what is stored; with `write`, replaces what differs (only that).
   * Returns the seats that differed.
   */
  async function reconcile(codes: ReadonlySet<string> | "all", write: boolean): Promise<{ seats: number; drifted: string[] }> {
    const flagged = await loadFlags();
    const [want, have] = await Promise.all([computeSeats(codes, flagged), storedSeats(codes)]);
    // Seats stored but without events any more are recomputed too (to nothing).
    if (codes === "all") for (const code of have.seats.keys()) if (!want.has(code)) want.set(code, { seat: null, days: [] });
    const drifted = new Set<string>();
    const seatWrites: AnyBulkWriteOperation<RollupSeatDoc>[] = [];
    const dayWrites: AnyBulkWriteOperation<RollupDayDoc>[] = [];
    // New documents go in by one insert per batch: on FerretDB each write of a bulkWrite is a command of its own.
    const seatInserts: RollupSeatDoc[] = [];
    const dayInserts: RollupDayDoc[] = [];
    const wanted = new Set<string>();
    for (const [code, next] of want) {
      for (const day of next.days) {
        wanted.add(day._id);
        const old = have.days.get(day._id);
        if (old && same(old, day)) continue;
        drifted.add(code);
        if (old) dayWrites.push({ replaceOne: { filter: { _id: day._id }, replacement: day } });
        else dayInserts.push(day);
      }
      const old = have.seats.get(code);
      if (next.seat ? old && same(old, next.seat) : !old) continue;
      drifted.add(code);
      if (!next.seat) seatWrites.push({ deleteOne: { filter: { _id: code } } });
      else if (old) seatWrites.push({ replaceOne: { filter: { _id: code }, replacement: next.seat } });
      else seatInserts.push(next.seat);
    }
    // Days a seat has no events on any more (an event moved away, or was never there).
    for (const [id, day] of have.days) {
      if (wanted.has(id) || !want.has(day.seat)) continue;
      drifted.add(day.seat);
      dayWrites.push({ deleteOne: { filter: { _id: id } } });
    }
    if (write) {
      await insertOrReplace(RollupDay, dayInserts);
      await insertOrReplace(RollupSeat, seatInserts);
      for (let i = 0; i < dayWrites.length; i += WRITE_BATCH) await RollupDay.bulkWrite(dayWrites.slice(i, i + WRITE_BATCH), { ordered: false });
      for (let i = 0; i < seatWrites.length; i += WRITE_BATCH) await RollupSeat.bulkWrite(seatWrites.slice(i, i + WRITE_BATCH), { ordered: false });
    }
    return { seats: [...want.values()].filter((c) => c.seat).length, drifted: [...drifted].sort() };
  }

  async function fold(): Promise<number> {
    const marks = await RollupMark.find({}, { _id: 1, seat: 1 }).lean<{ _id: string; seat: string }[]>();
    if (marks.length === 0) return 0;
    const seats = new Set(marks.map((m) => m.seat));
    await reconcile(seats, true);
    // Only the marks read before the recompute: one inserted since stays for the next fold.
    const ids = marks.map((m) => m._id);
    for (let i = 0; i < ids.length; i += WRITE_BATCH) await RollupMark.deleteMany({ _id: trusted({ $in: ids.slice(i, i + WRITE_BATCH) }) });
    return seats.size;
  }

  // Folds and checks run one at a time in a process (models.serial): a second caller waits, then sees what the
  // first wrote and folds what was marked meanwhile.
  const serially = <T>(run: () => Promise<T>) => models.serial.run("rollup-totals", run);

  return {
    zone,
    fold: () => serially(fold),

    check: (options) => serially(() => reconcile("all", options?.repair === true)),

    async read(days) {
      const [seats, ...byDay] = await Promise.all([
        RollupSeat.find({}).lean<RollupSeatDoc[]>(),
        // One equality query per day: FerretDB pushes it down (an $in it would not).
        ...days.map((day) => RollupDay.find({ day }).lean<RollupDayDoc[]>()),
      ]);
      return {
        seats: seats.map(({ _id, days: _days, ...rest }) => ({ seat: _id, ...rest, acCode: rest.acCode ?? null })),
        days: byDay.flat().map(({ _id: _ignored, ...rest }) => ({ ...rest, acCode: rest.acCode ?? null })),
      };
    },
  };
}

/** Inserts new documents in batches; one that exists meanwhile (another copy's fold) is replaced instead. */
async function insertOrReplace<T extends { _id: string }>(model: Model<T>, docs: readonly T[]): Promise<void> {
  for (let i = 0; i < docs.length; i += WRITE_BATCH) {
    const batch = docs.slice(i, i + WRITE_BATCH);
    try {
      await model.collection.insertMany(batch as never[], { ordered: false });
    } catch (err) {
      if (!onlyDuplicateKeys(err)) throw err;
      const taken = (bulkWriteErrors(err) ?? []).map((w) => batch[w.index]).filter((d): d is T => d !== undefined);
      // Without positions: replace the whole batch (the same figures again).
      for (const doc of taken.length ? taken : batch) await model.collection.replaceOne({ _id: doc._id } as never, doc as never, { upsert: true });
    }
  }
}

/** Equal as stored: compared by a canonical form (key order and Date objects aside). */
function same(a: object, b: object): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
    }
    return v;
  });
}
