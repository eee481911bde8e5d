// Running totals for the rollups (db/models/rollupTotals.ts, domain/rollup/totals.ts): a rollup of today reads every
// seat's totals and the seat days of four days, instead of every event and report of the campaign. On FerretDB 1.24
// that is the difference between seconds and a minute at 100,000 events: it decodes every document a filter other
// than string, number or date equality touches (scripts/bench-rollup.ts).
//
// Exactly once without counting: writers only insert a mark for the event they changed (or the seat), after the
// change; the fold reads each marked event and its report again by id into its seat's ledger (services/rollupLedger.ts;
// a seat marked as a whole, or without a ledger yet, is read from all its events and reports, found by `code`, an
// equality FerretDB pushes down), recomputes the seat from the ledger, replaces its entries in its PC's and days'
// documents, then deletes the marks it read. A replayed or repeated update recomputes the same figures; a mark
// inserted while a seat is folded stays for the next fold, and so do the marks of a seat whose ledger another fold
// replaced meanwhile. Folds (per minute in the background; before a rollup only when much is marked as a whole) run
// one at a time in a process (models.serial), and one at a time across copies under a lease (FOLD_LEASE): the PCs'
// and days' documents are replaced whole, so two copies folding seats of one PC at once would leave one seat's entry
// behind. A copy that finds the lease held does not fold: the minute job leaves the marks to the copy folding (and
// the next minute), a rollup lays them over the totals instead (as it does anyway for a few), the check says so and
// the script waits. A ledger is also written over the revision read, should a lease ever be held twice (an owner
// that hung past its expiry: db/leases.ts); check() finds any drift.

import { createHash } from "node:crypto";
import { trusted, Types, type mongo } from "mongoose";
import { bulkWriteErrors, isDuplicateKey, onlyDuplicateKeys } from "../db/duplicateKey.js";
import type { Models } from "../db/models/index.js";
import { HELD_SEATS_ID, type RollupDayDoc, type RollupHoldersDoc, type RollupPcDoc } from "../db/models/rollupTotals.js";
import type { RollupMarkDoc } from "../db/models/rollupTotals.js";
import { HOLDERS_MARK, markRollupRows } from "../db/rollupMarks.js";
import { createLeases, newReplicaId, type Lease, type Leases } from "../db/leases.js";
import { hostname } from "node:os";
import { groupBy } from "../domain/groupBy.js";
import { rowsEndTooSoon, seatTotals, type DayTotals, type RowDays, type SeatReport, type SeatTotals } from "../domain/rollup/totals.js";
import { addDays, localDay } from "../domain/rollup/day.js";
import { inParallel } from "./inParallel.js";
import { insertLedgers, ledgerOf, ledgerRecords, packEntries, readLedgers, writeLedger, type Ledger, type StoredLedger } from "./rollupLedger.js";
import { DEFAULT_PENDING_LIST_DAYS, loadFlaggedPhotos, loadHeldSeats, toEvent, type EventRow as RecordsEventRow } from "./rollupData.js";

export interface RollupTotals {
  /** The time zone whose local days the seat days are (the campaign's). */
  readonly zone: string;
  /**
   * Recomputes every marked seat; returns how many seats it recomputed (0, writing nothing, while another copy
   * holds the fold's lease: its marks stay for that copy or the next fold).
   */
  fold(): Promise<number>;
  /**
   * Folds what is marked, then recomputes every seat from the events and reports and compares with the stored totals
   * and ledgers: the seats that differ (drift). With `repair`, writes what they should be. Throws FoldBusyError while
   * another copy holds the fold's lease (what it is writing would read as drift).
   */
  check(options?: { repair?: boolean }): Promise<{ seats: number; drifted: string[] }>;
  /** Local days before the rollup's day whose pending events a rollup lists (older: counted; rollupData.ts). */
  readonly pendingListDays: number;
  /**
   * Every seat's totals, the seat days of these local days, and the seats someone holds, for a rollup as of a moment
   * on local day `asOfDay`: a seat whose rows end before it is folded again first (rowsEndTooSoon).
   */
  read(days: readonly string[], asOfDay: string): Promise<{ seats: SeatTotals[]; days: DayTotals[]; held: string[] }>;
}

/** The lease under which one copy at a time folds or checks (in the `leases` collection, beside the poller's). */
export const FOLD_LEASE = "rollup.fold";
/** How long a fold's lease lasts unless renewed (every third of it while the fold runs): a crashed folder's lapses. */
export const FOLD_LEASE_MS = 60_000;

/** Another copy of the bot is folding or checking the totals now. */
export class FoldBusyError extends Error {
  constructor() {
    super("another copy is folding the rollup totals; try again when it has finished");
    this.name = "FoldBusyError";
  }
}

/** Days after the fold's day that a seat's open events are kept as rows for (later ones: counted). */
const ROWS_AHEAD_DAYS = 6;
/** Seats whose rows end within this many days (and that count events after them) are folded again by the sweep. */
const SWEEP_AHEAD_DAYS = 2;
/** How often a process's fold looks for such seats, and how many it marks at once (a fold of 100 reads by code). */
const SWEEP_EVERY_MS = 3600_000;
const SWEEP_MAX = 100;

const EVENT_FIELDS = { code: 1, programmeKey: 1, stateCode: 1, pcCode: 1, acCode: 1, startsAt: 1, status: 1, createdBy: 1, reportedAt: 1 };
const REPORT_FIELDS = { code: 1, total: 1, counts: 1, reviewStatus: 1, submittedBy: 1, "photos.fileUniqueId": 1 };
/**
 * Up to this many seats, each is read by its code (an equality FerretDB pushes down: a few milliseconds); beyond,
 * the events and reports are read in one pass each (the first fold after a migration or a bulk import, the check).
 */
const SEATS_READ_ONE_BY_ONE = 100;
/** Seats read at once when read one by one. */
const READ_CONCURRENCY = 4;
/** Marked events read again at once (each: the event and its report, by id). */
const EVENT_READ_CONCURRENCY = 8;
const WRITE_BATCH = 500;
/** The days of a seat stored before rows had days: all of them. */
const LEGACY_ROWS = { from: "", until: "9999-12-31" };
/** Documents written at once by a fold. */
const WRITE_CONCURRENCY = 8;

/** An event as rollupData reads it, with its seat. */
type EventRow = RecordsEventRow & { code: string };
interface ReportRow {
  _id: Types.ObjectId;
  code: string;
  total?: number;
  counts?: Record<string, number> | null;
  reviewStatus?: string;
  submittedBy?: number;
  photos?: { fileUniqueId: string }[];
}

/**
 * A seat as rollup_pcs keeps it: its totals, and a digest of its entry in each local day it has events on, so
 * that a fold reads and writes only the days whose entry changed (a report changes one day, a move two).
 */
type StoredSeat = SeatTotals & { days: Record<string, string> };

/**
 * An open event as rollup_pcs keeps it: [id, programme, startsAt in ms, createdBy]. Every open row is planned,
 * unreported and without counted figures, so four values say it all; a rollup at 100,000 events reads some 30,000 of
 * them, and FerretDB's cost is per byte (db/models/rollupTotals.ts).
 */
type PackedOpenRow = [id: string, programmeKey: string, startsAt: number, createdBy: number];
/** The window's fields are absent on seats stored before open events were counted outside it. */
type PackedSeat = Omit<SeatTotals, "open" | "openDays" | "rowsFrom" | "rowsUntil"> &
  Partial<Pick<SeatTotals, "openDays" | "rowsFrom" | "rowsUntil">> & { open: PackedOpenRow[] };

interface Computed {
  /** Null: no events (any more). */
  seat: StoredSeat | null;
  days: Map<string, DayTotals>;
  /** What the seat's ledger should hold (null: nothing). */
  ledger: Ledger | null;
}

/** What a fold was told about a seat: read all its records, or only these events again (neither: its rows move on). */
interface SeatMarks {
  records: boolean;
  events: Set<string>;
}

export function createRollupTotals(
  models: Models,
  options: {
    zone: string;
    pendingListDays?: number;
    now?: () => Date;
    /** The fold's lease store (default: on models.Lease, as a copy of its own, FOLD_LEASE_MS long). */
    leases?: Leases;
  },
): RollupTotals {
  const { Event, Report, RollupMark, RollupPc, RollupDigest, RollupDay, RollupHolders, RollupLedger } = models;
  const { zone } = options;
  const pendingListDays = options.pendingListDays ?? DEFAULT_PENDING_LIST_DAYS;
  const now = options.now ?? (() => new Date());
  const leases = options.leases ?? createLeases(models.Lease, { owner: newReplicaId(hostname(), process.pid), now, ttlMs: FOLD_LEASE_MS });
  let lastSweep = -Infinity;
  /** The fold's lease while this process holds it; `lost` once a renewal found it taken over. */
  let holding: { lease: Lease; lost: boolean } | null = null;

  /**
   * Runs `work` under the fold's lease, renewed while it runs; null (without running it) when another copy holds it.
   * Called within `serially`: one holder per process.
   */
  async function underLease<T>(work: () => Promise<T>): Promise<{ value: T } | null> {
    const lease = await leases.acquire(FOLD_LEASE);
    if (!lease) return null;
    const held = { lease, lost: false };
    holding = held;
    const renewal = setInterval(() => {
      leases.renew([lease]).then(
        (lost) => {
          if (lost.length > 0) held.lost = true;
        },
        // Unreachable database: the fold's own writes fail too; the lease lapses if it stays so.
        () => {},
      );
    }, leases.ttlMs / 3);
    renewal.unref();
    try {
      return { value: await work() };
    } finally {
      clearInterval(renewal);
      holding = null;
      await leases.release(lease).catch(() => {});
    }
  }

  /** Before writing totals: a fold whose lease was taken over (it hung past its expiry) stops, leaving its marks. */
  function assertStillHeld(): void {
    if (holding?.lost) throw new Error("the rollup fold's lease was taken over mid-fold; its marks stay for the next fold");
  }

  /**
   * The days a seat folded now keeps open events as rows for: as far back as a rollup lists pending events (so a
   * rollup of any later day finds every one it lists), and a few days ahead (the sweep folds it again before then).
   */
  function rowsNow(): RowDays {
    const today = localDay(now(), zone);
    return { from: addDays(today, -pendingListDays, zone), until: addDays(today, ROWS_AHEAD_DAYS, zone) };
  }

  /** What a seat's totals should be, from its ledger (null: no events). */
  function compute(code: string, ledger: Ledger | null, flagged: ReadonlySet<string>, rows: RowDays): Computed {
    const totals = ledger ? seatTotals({ seat: code, zone, flagged, rows, ...ledgerRecords(ledger) }) : null;
    if (!totals) return { seat: null, days: new Map(), ledger: null };
    return {
      seat: { ...totals.seat, days: Object.fromEntries(totals.days.map((d) => [d.day, digest(d)])) },
      days: new Map(totals.days.map((d) => [d.day, d])),
      ledger,
    };
  }

  /**
   * What these seats' totals should be (every seat with an event, and those asked for, when `codes` is "all"), each
   * with its rows kept for the days `rowsOf` gives: from their ledgers (`had`) with their marked events read again,
   * or, when marked as a whole or without a ledger, from all their records.
   */
  async function computeSeats(
    codes: ReadonlyMap<string, SeatMarks> | "all",
    flagged: ReadonlySet<string>,
    rowsOf: (code: string) => RowDays,
    had: ReadonlyMap<string, StoredLedger>,
  ): Promise<Map<string, Computed>> {
    const ledgers = new Map<string, Ledger | null>();
    const whole = codes === "all" ? "all" : new Set([...codes].filter(([code, marks]) => marks.records || !had.has(code)).map(([code]) => code));
    if (whole !== "all" && whole.size <= SEATS_READ_ONE_BY_ONE) {
      await inParallel([...whole], READ_CONCURRENCY, async (code) => {
        const [events, reports] = await Promise.all([
          Event.find({ code }, EVENT_FIELDS).lean<EventRow[]>(),
          Report.find({ code }, REPORT_FIELDS).lean<ReportRow[]>(),
        ]);
        ledgers.set(code, recordsLedger(code, events, reports));
      });
    } else {
      const [events, reports] = await Promise.all([Event.find({}, EVENT_FIELDS).lean<EventRow[]>(), Report.find({}, REPORT_FIELDS).lean<ReportRow[]>()]);
      const eventsOf = groupBy(events, (e) => e.code);
      const reportsOf = groupBy(reports, (r) => r.code);
      for (const code of whole === "all" ? eventsOf.keys() : whole) ledgers.set(code, recordsLedger(code, eventsOf.get(code) ?? [], reportsOf.get(code) ?? []));
    }
    if (codes !== "all") {
      // The other seats from their ledgers, each marked event (and its report) read again by id.
      const reads: { id: string; ledger: Ledger }[] = [];
      for (const [code, marks] of codes) {
        if (whole !== "all" && whole.has(code)) continue;
        const stored = had.get(code)!;
        const ledger: Ledger = { seat: code, place: stored.place, entries: new Map(stored.entries) };
        ledgers.set(code, ledger);
        for (const id of marks.events) reads.push({ id, ledger });
      }
      await inParallel(reads, EVENT_READ_CONCURRENCY, async ({ id, ledger }) => {
        const _id = Types.ObjectId.isValid(id) ? new Types.ObjectId(id) : null;
        const [event, report] = _id
          ? await Promise.all([Event.findById(_id, EVENT_FIELDS).lean<EventRow>(), Report.findById(_id, REPORT_FIELDS).lean<ReportRow>()])
          : [null, null];
        // Gone, or not this seat's (any more): out of its ledger.
        if (!event || event.code !== ledger.seat) ledger.entries.delete(id);
        else ledger.entries.set(id, { event: toEvent(event), report: report ? seatReport(report) : null });
      });
    }
    return new Map([...ledgers].map(([code, ledger]) => [code, compute(code, ledger, flagged, rowsOf(code))]));
  }

  /**
   * Compares what the seats' totals should be with what is stored; with `write`, replaces the state and day
   * documents where anything differs (only those). Returns the seats that differed.
   */
  async function reconcile(codes: ReadonlyMap<string, SeatMarks> | "all", write: boolean): Promise<{ seats: number; drifted: string[]; conflicted: Set<string> }> {
    // A fold keeps rows for the days from today's; the check compares each seat with the days it was stored with
    // (a seat folded yesterday is not drift).
    const today = rowsNow();
    // The check reads every PC's document anyway: once, here.
    const [allPcDocs, had, flagged] = await Promise.all([
      codes === "all" ? RollupPc.find({}).lean<RollupPcDoc[]>() : undefined,
      readLedgers(RollupLedger, codes === "all" ? "all" : codes.keys()),
      loadFlaggedPhotos(models),
    ]);
    const storedRows = new Map((allPcDocs ?? []).flatMap(seatsOf).map((s): [string, RowDays] => [s.seat, { from: s.rowsFrom, until: s.rowsUntil }]));
    const want = await computeSeats(codes, flagged, (code) => storedRows.get(code) ?? today, had);
    // Ledgers of seats without events any more are emptied by the check.
    if (codes === "all") for (const code of had.keys()) if (!want.has(code)) want.set(code, { seat: null, days: new Map(), ledger: null });
    const drifted = new Set<string>();
    // The ledgers first, each over the revision read: a seat whose ledger another fold replaced meanwhile is left to
    // the next fold (its marks stay), here and in its PC's and days' documents. For the check, a ledger that differs
    // from the records is drift (one not stored yet is not: a fold makes it when the seat next changes).
    const conflicted = new Set<string>();
    if (codes === "all") {
      for (const [code, c] of want) {
        const stored = had.get(code);
        if (stored && stored.packed !== (c.ledger ? packEntries(c.ledger.entries) : "[]")) drifted.add(code);
      }
    }
    if (write) {
      assertStillHeld();
      const fresh = [...want].filter(([code, c]) => !had.has(code) && c.ledger && c.ledger.entries.size > 0).map(([, c]) => c.ledger!);
      for (const code of await insertLedgers(RollupLedger, fresh)) conflicted.add(code);
      await inParallel(
        [...want].filter(([code]) => had.has(code)),
        WRITE_CONCURRENCY,
        async ([code, c]) => {
          if ((await writeLedger(RollupLedger, code, c.ledger, had.get(code)!)) === "conflict") conflicted.add(code);
        },
      );
      for (const code of conflicted) want.delete(code);
    }
    // The PCs' documents of these seats (an AC's seat is kept with its PC), or every one for the check or when a seat
    // has no events any more (its PC is then known only from what is stored).
    const pcs = [...new Set([...want.values()].map((c) => c.seat?.pcCode))];
    const readAll = codes === "all" || pcs.includes(undefined);
    const readPcs = async (model: typeof RollupPc) =>
      readAll
        ? await model.find({}).lean<RollupPcDoc[]>()
        : (await Promise.all(pcs.map((pc) => model.findById(pc).lean<RollupPcDoc>()))).filter((d): d is RollupPcDoc => d !== null);
    const [pcDocs, digestDocs] = await Promise.all([allPcDocs ?? readPcs(RollupPc), readPcs(RollupDigest)]);
    const digestsOf = new Map(digestDocs.map((d) => [d._id, parseSeats<Record<string, string>>(d.seats)]));
    const groups = new Map(pcDocs.map((d) => [d._id, unpackPc(d.seats, digestsOf.get(d._id) ?? {})]));
    const stored = new Map<string, StoredSeat>();
    for (const seats of groups.values()) for (const [code, seat] of Object.entries(seats)) stored.set(code, seat);
    // Seats stored but without events any more are recomputed too (to nothing).
    if (codes === "all") for (const code of stored.keys()) if (!want.has(code)) want.set(code, { seat: null, days: new Map(), ledger: null });

    // The day documents to look at: for a fold, those where a seat's entry changed (by its digest); for the check,
    // every day the seat is or was in, by content.
    const dayKey = (day: string, stateCode: string) => `${day}|${stateCode}`;
    const daysToCompare = (had: StoredSeat | null, next: StoredSeat | null) => {
      const before = had?.days ?? {};
      const after = next?.days ?? {};
      const all = new Set([...Object.keys(before), ...Object.keys(after)]);
      return codes === "all" ? [...all] : [...all].filter((day) => before[day] !== after[day]);
    };
    const touched = new Set<string>();
    for (const [code, next] of want) {
      const stateCode = next.seat?.stateCode ?? stored.get(code)?.stateCode;
      if (!stateCode) continue;
      for (const day of daysToCompare(stored.get(code) ?? null, next.seat)) touched.add(dayKey(day, stateCode));
    }
    const dayDocs =
      codes === "all"
        ? await RollupDay.find({}).lean<RollupDayDoc[]>()
        : (await Promise.all([...touched].map((key) => RollupDay.findById(key).lean<RollupDayDoc>()))).filter((d): d is RollupDayDoc => d !== null);
    const days = new Map(dayDocs.map((d) => [d._id, { day: d.day, stateCode: d.stateCode, seats: parseSeats<DayTotals>(d.seats) }]));

    const changedPcs = new Set<string>();
    const changedDays = new Set<string>();
    for (const [code, next] of want) {
      const had = stored.get(code) ?? null;
      const stateCode = next.seat?.stateCode ?? had?.stateCode;
      if (!stateCode) continue;
      if (!same(had, next.seat)) {
        const pc = (next.seat ?? had)!.pcCode;
        drifted.add(code);
        changedPcs.add(pc);
        const seats = groups.get(pc) ?? {};
        if (next.seat) seats[code] = next.seat;
        else delete seats[code];
        groups.set(pc, seats);
      }
      for (const day of daysToCompare(had, next.seat)) {
        const key = dayKey(day, stateCode);
        const sheet = days.get(key) ?? { day, stateCode, seats: {} };
        const wanted = next.days.get(day) ?? null;
        if (same(sheet.seats[code] ?? null, wanted)) continue;
        drifted.add(code);
        changedDays.add(key);
        if (wanted) sheet.seats[code] = wanted;
        else delete sheet.seats[code];
        days.set(key, sheet);
      }
    }
    // The check also finds seats in a day document that their seat does not list (nothing else puts them there).
    if (codes === "all") {
      for (const [key, sheet] of days) {
        for (const code of Object.keys(sheet.seats)) {
          if (want.get(code)?.days.has(sheet.day)) continue;
          drifted.add(code);
          changedDays.add(key);
          delete sheet.seats[code];
        }
      }
    }
    if (write) {
      assertStillHeld();
      // New documents in one insert per batch, the rest replaced a few at a time (on FerretDB each write is a
      // command of its own, and they are independent documents).
      // Days first: a seat's digests claim its days are written (a fold cut short between the two leaves its marks,
      // and the next one writes the days again).
      // Then a PC's digests before its totals, for the same reason.
      const where = (model: { collection: { name: string } }, id: string) => `${model.collection.name}|${id}`;
      const existed = new Set([
        ...dayDocs.map((d) => where(RollupDay, d._id)),
        ...digestDocs.map((d) => where(RollupDigest, d._id)),
        ...pcDocs.map((d) => where(RollupPc, d._id)),
      ]);
      const docs = [
        ...[...changedDays].map((key) => {
          const sheet = days.get(key)!;
          return { model: RollupDay, doc: { _id: key, day: sheet.day, stateCode: sheet.stateCode, seats: sheet.seats } };
        }),
        ...[...changedPcs].flatMap((pc) => {
          const seats = Object.entries(groups.get(pc) ?? {});
          return [
            { model: RollupDigest, doc: { _id: pc, seats: Object.fromEntries(seats.map(([code, seat]) => [code, seat.days])) } },
            { model: RollupPc, doc: { _id: pc, seats: Object.fromEntries(seats.map(([code, seat]) => [code, packSeat(seat)])) } },
          ];
        }),
      ].map((d) => ({ ...d, had: existed.has(where(d.model, d.doc._id)) }));
      const empty = docs.filter((d) => Object.keys(d.doc.seats).length === 0);
      const fresh = docs.filter((d) => !d.had && Object.keys(d.doc.seats).length > 0);
      const replaced = docs.filter((d) => d.had && Object.keys(d.doc.seats).length > 0);
      const packed = (d: (typeof docs)[number]) => ({ ...d.doc, seats: packSeats(d.doc.seats) });
      for (const model of [RollupDay, RollupDigest, RollupPc] as const) {
        const mine = fresh.filter((d) => d.model === model).map(packed);
        for (let i = 0; i < mine.length; i += WRITE_BATCH) await insertOrReplace(model.collection, mine.slice(i, i + WRITE_BATCH));
        await inParallel(
          replaced.filter((d) => d.model === model),
          WRITE_CONCURRENCY,
          (d) => d.model.collection.replaceOne({ _id: d.doc._id } as never, packed(d) as never, { upsert: true }),
        );
        await inParallel(
          empty.filter((d) => d.model === model),
          WRITE_CONCURRENCY,
          (d) => d.model.collection.deleteOne({ _id: d.doc._id } as never),
        );
      }
    }
    return { seats: [...want.values()].filter((c) => c.seat).length, drifted: [...drifted].sort(), conflicted };
  }

  /** Seats as stored in rollup_pcs (every PC's document). */
  async function readSeats(): Promise<SeatTotals[]> {
    return (await RollupPc.find({}).lean<RollupPcDoc[]>()).flatMap(seatsOf);
  }

  /**
   * Once an hour in a process: marks (up to SWEEP_MAX) seats whose rows end within SWEEP_AHEAD_DAYS while they count
   * open events after them, so each is folded again with rows up to date before a rollup needs them; and seats
   * stored before rows had days (every open event a row), so that they too shrink to what a rollup lists.
   */
  async function sweep(): Promise<void> {
    if (now().getTime() - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = now().getTime();
    const soon = addDays(localDay(now(), zone), SWEEP_AHEAD_DAYS, zone);
    const due = (await readSeats()).filter((s) => s.rowsFrom === LEGACY_ROWS.from || rowsEndTooSoon(s, soon)).map((s) => s.seat);
    await markRollupRows(models, due.slice(0, SWEEP_MAX));
    // More than one sweep's worth: look again at the next fold.
    if (due.length > SWEEP_MAX) lastSweep = -Infinity;
  }

  async function fold(): Promise<number> {
    await sweep();
    const marks = await RollupMark.find({}).lean<RollupMarkDoc[]>();
    if (marks.length === 0) return 0;
    const { seats, holders } = groupMarks(marks);
    const { conflicted } = seats.size > 0 ? await reconcile(seats, true) : { conflicted: new Set<string>() };
    if (holders) await writeHolders(await loadHeldSeats(models));
    assertStillHeld();
    // Only the marks read before the recompute, and not those of a seat another fold got to first: one inserted
    // since stays for the next fold.
    const ids = marks.filter((m) => !conflicted.has(m.seat)).map((m) => m._id);
    for (let i = 0; i < ids.length; i += WRITE_BATCH) await RollupMark.deleteMany({ _id: trusted({ $in: ids.slice(i, i + WRITE_BATCH) }) });
    return seats.size - conflicted.size;
  }

  /** The held seats as stored; null before the first fold or read stored them. */
  async function storedHolders(): Promise<string[] | null> {
    const doc = await RollupHolders.findById(HELD_SEATS_ID).lean<RollupHoldersDoc>();
    return doc ? (JSON.parse(doc.codes) as string[]) : null;
  }

  function writeHolders(codes: readonly string[]) {
    return RollupHolders.collection.replaceOne({ _id: HELD_SEATS_ID } as never, { codes: JSON.stringify(codes) }, { upsert: true });
  }

  /**
   * The held seats, read once from the people when nothing is stored yet (a database from before they were kept) and
   * then stored, unless a fold stored them meanwhile: an insert never replaces what a later recompute wrote.
   */
  async function readHolders(): Promise<string[]> {
    const stored = await storedHolders();
    if (stored) return stored;
    const codes = await loadHeldSeats(models);
    await RollupHolders.collection.insertOne({ _id: HELD_SEATS_ID, codes: JSON.stringify(codes) } as never).catch((err: unknown) => {
      if (!isDuplicateKey(err)) throw err;
    });
    return codes;
  }

  /** The check of the held seats: drift when what is stored differs from the people (nothing stored is no drift). */
  async function checkHolders(repair: boolean): Promise<boolean> {
    const [stored, codes] = await Promise.all([storedHolders(), loadHeldSeats(models)]);
    const drifted = stored !== null && JSON.stringify(stored) !== JSON.stringify(codes);
    if (drifted && repair) await writeHolders(codes);
    return drifted;
  }

  // Folds and checks run one at a time in a process (models.serial), and across copies under the lease: a second
  // caller in this process waits, then sees what the first wrote and folds what was marked meanwhile.
  const serially = <T>(run: () => Promise<T>) => models.serial.run("rollup-totals", run);
  /** A fold, here and now if no other copy is folding: false when one is (nothing written). */
  const foldHere = () => serially(async () => (await underLease(fold)) !== null);

  async function readOnce(days: readonly string[]) {
    const [held, seats, ...byDay] = await Promise.all([
      readHolders(),
      readSeats(),
      // One equality query per day: FerretDB pushes it down (an $in it would not).
      ...days.map((day) => RollupDay.find({ day }).lean<RollupDayDoc[]>()),
    ]);
    return { seats, days: byDay.flat().flatMap((d) => Object.values(parseSeats<DayTotals>(d.seats))), held };
  }

  /** What the marked seats' totals are now, from their ledgers (or records) and the marked events; nothing written. */
  async function computePending(pending: ReadonlyMap<string, SeatMarks>): Promise<Map<string, Computed>> {
    const [had, flagged] = await Promise.all([readLedgers(RollupLedger, pending.keys()), loadFlaggedPhotos(models)]);
    const rows = rowsNow();
    return computeSeats(pending, flagged, () => rows, had);
  }

  /**
   * The stored totals with what is marked and not yet folded recomputed and laid over them, writing nothing: from
   * the seats' ledgers and the marked events, and the holders from the people when they are marked. Unless
   * `foldFirst` says it is worth folding first (a fold reads as much) and no other copy is folding.
   */
  async function readCurrent(days: readonly string[], foldFirst: (marks: ReturnType<typeof groupMarks>) => boolean) {
    const marks = groupMarks(await RollupMark.find({}).lean<RollupMarkDoc[]>());
    if (foldFirst(marks) && (await foldHere())) return readOnce(days);
    // Marks read again after a fold another copy is running: what it folded is stored, or still marked.
    const { seats: pending, holders } = foldFirst(marks) ? groupMarks(await RollupMark.find({}).lean<RollupMarkDoc[]>()) : marks;
    const [stored, computed, held] = await Promise.all([
      readOnce(days),
      pending.size > 0 ? computePending(pending) : new Map<string, Computed>(),
      holders ? loadHeldSeats(models) : undefined,
    ]);
    const read = overlay(stored, computed, days);
    return held ? { ...read, held } : read;
  }

  return {
    zone,
    pendingListDays,
    fold: async () => {
      let seats = 0;
      await serially(async () => {
        seats = (await underLease(fold))?.value ?? 0;
      });
      return seats;
    },

    check: (options) =>
      serially(async () => {
        const repair = options?.repair === true;
        const done = await underLease(async () => {
          // What is marked is folded first: figures a fold is about to write are not drift.
          await fold();
          const { seats, drifted } = await reconcile("all", repair);
          return (await checkHolders(repair)) ? { seats, drifted: [...drifted, HOLDERS_MARK] } : { seats, drifted };
        });
        if (!done) throw new FoldBusyError();
        return done.value;
      }),

    async read(days, asOfDay) {
      // What is marked and not yet folded is recomputed here and laid over what is stored, without writing (the fold
      // job writes it within the minute): a rollup's cost is then reading the marked events, not rewriting their
      // seats' documents. Folded first when the holders are marked, or many seats as a whole (a bulk import).
      const read = await readCurrent(days, ({ seats, holders }) => holders || [...seats.values()].filter((m) => m.records).length > OVERLAY_MAX_WHOLE_SEATS);
      // Rows that end too soon (no fold of the seat, and no sweep, for days): marked, folded now (or laid over, while
      // another copy folds), then read again.
      const stale = read.seats.filter((s) => rowsEndTooSoon(s, asOfDay)).map((s) => s.seat);
      if (stale.length === 0) return read;
      await markRollupRows(models, stale);
      return readCurrent(days, () => true);
    },
  };
}

/** Seats marked as a whole (to be read from all their records) beyond which a rollup folds before it reads. */
const OVERLAY_MAX_WHOLE_SEATS = 10;

/** The marks by seat: what each says to read again; and whether the seat holders are marked. */
function groupMarks(marks: readonly RollupMarkDoc[]): { seats: Map<string, SeatMarks>; holders: boolean } {
  const seats = new Map<string, SeatMarks>();
  let holders = false;
  for (const mark of marks) {
    if (mark.seat === HOLDERS_MARK) {
      holders = true;
      continue;
    }
    const told = seats.get(mark.seat) ?? { records: false, events: new Set<string>() };
    if (mark.event) told.events.add(mark.event);
    // A mark naming no event and not only the rows: anything may have changed (and marks of older code are so).
    else if (!mark.rows) told.records = true;
    seats.set(mark.seat, told);
  }
  return { seats, holders };
}

/** Stored totals with these seats' (recomputed) totals and seat days of `days` in place of what is stored for them. */
function overlay(
  stored: { seats: SeatTotals[]; days: DayTotals[]; held: string[] },
  computed: ReadonlyMap<string, Computed>,
  days: readonly string[],
): { seats: SeatTotals[]; days: DayTotals[]; held: string[] } {
  if (computed.size === 0) return stored;
  const wanted = new Set(days);
  const fresh = [...computed.values()];
  return {
    seats: [
      ...stored.seats.filter((s) => !computed.has(s.seat)),
      ...fresh.flatMap((c) => {
        if (!c.seat) return [];
        const { days: _digests, ...seat } = c.seat;
        return [seat];
      }),
    ],
    days: [...stored.days.filter((d) => !computed.has(d.seat)), ...fresh.flatMap((c) => [...c.days.values()].filter((d) => wanted.has(d.day)))],
    held: stored.held,
  };
}

/** Inserts new documents at once; one that exists meanwhile (another copy's fold) is replaced instead. */
async function insertOrReplace(collection: mongo.Collection, docs: readonly { _id: string }[]): Promise<void> {
  try {
    await collection.insertMany(docs as never[], { ordered: false });
  } catch (err) {
    if (!onlyDuplicateKeys(err)) throw err;
    const taken = (bulkWriteErrors(err) ?? []).map((w) => docs[w.index]).filter((d): d is { _id: string } => d !== undefined);
    // Without positions: replace every one (the same figures again).
    await inParallel(taken.length ? taken : docs, WRITE_CONCURRENCY, (doc) => collection.replaceOne({ _id: doc._id } as never, doc as never, { upsert: true }));
  }
}

/** A short digest of a seat's day entry (compared, never decoded). */
function digest(value: object): string {
  return createHash("sha256").update(canonical(value)).digest("base64url").slice(0, 16);
}

function packSeat({ days: _days, open, ...seat }: StoredSeat): PackedSeat {
  return { ...seat, open: open.map((row) => [row.id, row.programmeKey, row.startsAt.getTime(), row.createdBy]) };
}

function unpackSeat({ open, ...seat }: PackedSeat): SeatTotals {
  return {
    ...seat,
    // Stored before open events were counted outside a window of days: every one is a row.
    openDays: seat.openDays ?? {},
    rowsFrom: seat.rowsFrom ?? LEGACY_ROWS.from,
    rowsUntil: seat.rowsUntil ?? LEGACY_ROWS.until,
    open: open.map(([id, programmeKey, startsAt, createdBy]) => ({
      id,
      programmeKey,
      startsAt: new Date(startsAt),
      status: "planned" as const,
      createdBy,
      reported: false,
      report: null,
    })),
  };
}

/** The seats of a PC's rollup_pcs document. */
function seatsOf(doc: RollupPcDoc): SeatTotals[] {
  return Object.values(JSON.parse(doc.seats) as Record<string, PackedSeat>).map(unpackSeat);
}

/** A PC's seats from its rollup_pcs and rollup_digests entries. */
function unpackPc(json: string, digests: Record<string, Record<string, string>>): Record<string, StoredSeat> {
  const seats = JSON.parse(json) as Record<string, PackedSeat>;
  return Object.fromEntries(Object.entries(seats).map(([code, seat]) => [code, { ...unpackSeat(seat), days: digests[code] ?? {} }]));
}

/** Seats as stored: one JSON string, in code order (so that equal figures are equal strings). */
function packSeats(seats: Record<string, unknown>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(seats).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

function parseSeats<T>(json: string): Record<string, T> {
  return JSON.parse(json, (key, value: unknown) => (key === "startsAt" && typeof value === "string" ? new Date(value) : value)) as Record<string, T>;
}

/** Equal as stored: compared by a canonical form (key order and Date objects aside). */
function same(a: object | null, b: object | null): boolean {
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

/** A seat's ledger from all its records. */
function recordsLedger(code: string, events: readonly EventRow[], reports: readonly ReportRow[]): Ledger | null {
  return ledgerOf(code, events.map(toEvent), reports.map((r) => ({ ...seatReport(r), eventId: r._id.toHexString() })));
}

/** A report as the totals count it. */
function seatReport(r: ReportRow): Omit<SeatReport, "eventId"> {
  return { total: r.total ?? 0, counts: r.counts ?? {}, reviewStatus: r.reviewStatus, submittedBy: r.submittedBy ?? 0, photos: (r.photos ?? []).map((p) => p.fileUniqueId) };
}
