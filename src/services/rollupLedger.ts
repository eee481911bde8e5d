// A seat's ledger for the rollups' running totals (db/models/rollupTotals.ts rollup_ledgers): each of its events,
// and its report, as the totals read them from the records. A fold of a changed event reads that event, its report
// and this one document, then recomputes the seat's totals from the ledger (domain/rollup/totals.ts seatTotals, the
// same function as from the records), instead of reading the seat's whole history: a fold's cost follows what
// changed, not how long the campaign has run.
//
// Written only by a fold, and only over the revision it read (rev): of two folds of one seat at once (two copies), the
// later writer finds the revision moved on and writes nothing, leaving its marks for the next fold. On MongoDB the
// conditional replace is atomic; FerretDB 1.24's is not (db/serialWrites.ts), where one process never races itself.
import type { Model } from "mongoose";
import { bulkWriteErrors, isDuplicateKey, onlyDuplicateKeys } from "../db/duplicateKey.js";
import type { RollupLedgerDoc } from "../db/models/rollupTotals.js";
import type { SeatEvent, SeatReport, TotalsPlace } from "../domain/rollup/totals.js";
import { inParallel } from "./inParallel.js";

/** One event of the seat and its report (null: none yet), as seatTotals takes them. */
export interface LedgerEntry {
  event: SeatEvent;
  report: Omit<SeatReport, "eventId"> | null;
}

export interface Ledger {
  seat: string;
  place: TotalsPlace;
  /** By event id. */
  entries: Map<string, LedgerEntry>;
}

/** A ledger as read, with the revision a write must find and its stored form (to skip writing what is unchanged). */
export interface StoredLedger extends Ledger {
  rev: number;
  packed: string;
}

/** [total, counts, reviewStatus (null: from before review), submittedBy, photos' file unique ids]. */
type PackedReport = [total: number, counts: Record<string, number>, reviewStatus: string | null, submittedBy: number, photos: string[]];
/** [event id, programme, startsAt in ms, cancelled, organiser, reported, report]: FerretDB's cost is per value. */
type PackedEntry = [id: string, programmeKey: string, startsAt: number, cancelled: 0 | 1, createdBy: number, reported: 0 | 1, report: PackedReport | null];

/** The entries as stored: one JSON array in event id order (equal entries are equal strings). */
export function packEntries(entries: ReadonlyMap<string, LedgerEntry>): string {
  const ids = [...entries.keys()].sort();
  return JSON.stringify(
    ids.map((id): PackedEntry => {
      const { event: e, report: r } = entries.get(id)!;
      const report: PackedReport | null = r ? [r.total, r.counts, r.reviewStatus ?? null, r.submittedBy, [...r.photos]] : null;
      return [id, e.programmeKey, e.startsAt.getTime(), e.status === "cancelled" ? 1 : 0, e.createdBy, e.reported ? 1 : 0, report];
    }),
  );
}

export function unpackLedger(doc: RollupLedgerDoc): StoredLedger {
  const place: TotalsPlace = { stateCode: doc.stateCode, pcCode: doc.pcCode, acCode: doc.acCode ?? null };
  const entries = new Map<string, LedgerEntry>();
  for (const [id, programmeKey, startsAt, cancelled, createdBy, reported, r] of JSON.parse(doc.entries) as PackedEntry[]) {
    entries.set(id, {
      event: { id, programmeKey, ...place, startsAt: new Date(startsAt), status: cancelled ? "cancelled" : "planned", createdBy, reported: reported === 1 },
      report: r ? { total: r[0], counts: r[1], reviewStatus: r[2] ?? undefined, submittedBy: r[3], photos: r[4] } : null,
    });
  }
  return { seat: doc._id, place, entries, rev: doc.rev, packed: doc.entries };
}

/** The events and reports seatTotals takes, from a ledger. */
export function ledgerRecords(ledger: Pick<Ledger, "entries">): { events: SeatEvent[]; reports: SeatReport[] } {
  const all = [...ledger.entries.values()];
  return {
    events: all.map((e) => e.event),
    reports: all.flatMap((e) => (e.report ? [{ ...e.report, eventId: e.event.id }] : [])),
  };
}

/** A ledger from a seat's records (its events, each with its report if any); null when it has no events. */
export function ledgerOf(seat: string, events: readonly SeatEvent[], reports: readonly SeatReport[]): Ledger | null {
  const first = events[0];
  if (!first) return null;
  const reportOf = new Map(reports.map((r) => [r.eventId, r]));
  const entries = new Map<string, LedgerEntry>();
  for (const event of events) {
    const r = reportOf.get(event.id);
    entries.set(event.id, { event, report: r ? { total: r.total, counts: r.counts, reviewStatus: r.reviewStatus, submittedBy: r.submittedBy, photos: r.photos } : null });
  }
  return { seat, place: { stateCode: first.stateCode, pcCode: first.pcCode, acCode: first.acCode }, entries };
}

/** The seats' ledgers that are stored, by seat. */
export async function readLedgers(model: Model<RollupLedgerDoc>, seats: Iterable<string> | "all", concurrency = 8): Promise<Map<string, StoredLedger>> {
  if (seats === "all") return new Map((await model.find({}).lean<RollupLedgerDoc[]>()).map((d) => [d._id, unpackLedger(d)]));
  const out = new Map<string, StoredLedger>();
  // By _id: FerretDB pushes an _id equality down (an $in it would not).
  await inParallel([...seats], concurrency, async (seat) => {
    const doc = await model.findById(seat).lean<RollupLedgerDoc>();
    if (doc) out.set(doc._id, unpackLedger(doc));
  });
  return out;
}

/** The stored form of a ledger. */
function ledgerDoc(ledger: Ledger, rev: number): Omit<RollupLedgerDoc, "_id"> {
  return { ...ledger.place, entries: packEntries(ledger.entries), rev };
}

/**
 * Stores ledgers that none was read for, in one insert per batch (the first fold of every seat writes thousands);
 * returns the seats whose ledger another fold made meanwhile (nothing written for them).
 */
export async function insertLedgers(model: Model<RollupLedgerDoc>, ledgers: readonly Ledger[], batch = 500): Promise<Set<string>> {
  const conflicted = new Set<string>();
  for (let i = 0; i < ledgers.length; i += batch) {
    const docs = ledgers.slice(i, i + batch).map((l) => ({ _id: l.seat, ...ledgerDoc(l, 1) }));
    try {
      await model.collection.insertMany(docs as never[], { ordered: false });
    } catch (err) {
      if (!onlyDuplicateKeys(err)) throw err;
      const taken = bulkWriteErrors(err);
      // Without positions: every one of the batch is left to the next fold (which finds them stored).
      for (const doc of taken ? taken.map((w) => docs[w.index]) : docs) if (doc) conflicted.add(doc._id);
    }
  }
  return conflicted;
}

/**
 * Stores `next` (null: the seat has no events any more) over `had` (null: none stored). "conflict": another fold
 * replaced or made the ledger since it was read, and nothing was written.
 */
export async function writeLedger(model: Model<RollupLedgerDoc>, seat: string, next: Ledger | null, had: StoredLedger | null): Promise<"written" | "unchanged" | "conflict"> {
  if (!next || next.entries.size === 0) {
    if (!had) return "unchanged";
    const res = await model.collection.deleteOne({ _id: seat, rev: had.rev } as never);
    return res.deletedCount === 1 ? "written" : "conflict";
  }
  const doc = ledgerDoc(next, (had?.rev ?? 0) + 1);
  const { stateCode, pcCode, acCode } = next.place;
  if (had && had.packed === doc.entries && had.place.stateCode === stateCode && had.place.pcCode === pcCode && had.place.acCode === acCode) return "unchanged";
  if (had) {
    const res = await model.collection.replaceOne({ _id: seat, rev: had.rev } as never, doc);
    return res.matchedCount === 1 ? "written" : "conflict";
  }
  try {
    await model.collection.insertOne({ _id: seat, ...doc } as never);
    return "written";
  } catch (err) {
    if (isDuplicateKey(err)) return "conflict";
    throw err;
  }
}
