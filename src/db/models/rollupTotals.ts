// Running totals for the rollups (services/rollupTotals.ts), so that a rollup of today reads 543 PCs' documents and
// four days' (36 each at most), however many events there are:
//   rollup_marks   "<seat code>|<object id>"  a seat whose events or reports changed, inserted by every writer after
//                  its change (insert-only: no two writers ever update one document); naming the event that changed
//                  (a fold reads only it), or only the seat (a fold reads all of the seat's records)
//   rollup_ledgers "<seat code>"              what each of the seat's events and its report add to the totals, as last
//                  read from the records: a fold of one changed event reads that event, its report and this one
//                  document, not the seat's whole history (at 100,000 events, 13 ms a seat on FerretDB)
//   rollup_pcs     "<PC code>"                the PC's seat and its ACs' seats that have an event: figures to date and
//                  events still waiting for a report (what a rollup reads)
//   rollup_digests "<PC code>"                the same seats' digest of each day they have events on (what a fold
//                  reads, to touch only the days that changed; kept apart: FerretDB's cost is per byte stored,
//                  about 50 ms per MB read, so a rollup should not read them)
//   rollup_days    "<day>|<state code>"       the state's events of one local day (the campaign's time zone), by seat,
//                  with their reports' numbers
//   rollup_holders "seats"                    the PC and AC seats someone holds (the vacancies line), recomputed from
//                  the people when a grant or revoke marked it (db/rollupMarks.ts HOLDERS_MARK)
// The seats are kept as one JSON string per document (`seats`): FerretDB 1.24 spends about a tenth of a millisecond on
// every document and every value it returns, so 5,000 seats as documents took 1.4 s to read, packed per state 65 ms.
// Packed per PC, a fold of a hundred seats reads and writes about a hundred small documents instead of every state's. Only the fold writes them, recomputing a marked seat from its events
// and reports, so a replayed or repeated update can never count twice; its check recomputes every seat.
import { Schema } from "mongoose";

export interface RollupMarkDoc {
  _id: string;
  seat: string;
  /** The event (hex id) that changed: the fold reads it and its report. Absent: the seat's records are read. */
  event?: string;
  /** Nothing changed but the days kept as rows (the sweep; a stale read): recomputed from the ledger. */
  rows?: boolean;
}

export interface RollupLedgerDoc {
  /** The seat's code. */
  _id: string;
  stateCode: string;
  pcCode: string;
  acCode: string | null;
  /** JSON: { [event id]: PackedEntry } (services/rollupLedger.ts), in id order. */
  entries: string;
  /** Written as one more than the revision read: a fold whose read another fold has since replaced writes nothing. */
  rev: number;
}

export interface RollupPcDoc {
  /** The PC's code. */
  _id: string;
  /** JSON: { [seat code]: StoredSeat } (services/rollupTotals.ts). */
  seats: string;
}

/** rollup_digests: the same shape as rollup_pcs. */
export type RollupDigestDoc = RollupPcDoc;

export interface RollupDayDoc {
  /** "<day>|<state code>". */
  _id: string;
  day: string;
  stateCode: string;
  /** JSON: { [seat code]: DayTotals } (domain/rollup/totals.ts). */
  seats: string;
}

export interface RollupHoldersDoc {
  /** HELD_SEATS_ID: the one document. */
  _id: string;
  /** JSON: the held seats' codes, sorted (one string: 4,666 array values cost FerretDB about half a second). */
  codes: string;
}

export const HELD_SEATS_ID = "seats";

export const rollupMarkSchema = new Schema<RollupMarkDoc>(
  { _id: { type: String }, seat: { type: String, required: true }, event: { type: String }, rows: { type: Boolean } },
  { versionKey: false },
);

export const rollupLedgerSchema = new Schema<RollupLedgerDoc>(
  {
    _id: { type: String },
    stateCode: { type: String, required: true },
    pcCode: { type: String, required: true },
    acCode: { type: String, default: null },
    entries: { type: String, required: true },
    rev: { type: Number, required: true },
  },
  { versionKey: false },
);

export const rollupPcSchema = new Schema<RollupPcDoc>({ _id: { type: String }, seats: { type: String, required: true } }, { versionKey: false });

export const rollupDigestSchema = new Schema<RollupDigestDoc>({ _id: { type: String }, seats: { type: String, required: true } }, { versionKey: false });

export const rollupDaySchema = new Schema<RollupDayDoc>(
  {
    _id: { type: String },
    // Read by equality (a day's documents): FerretDB pushes string equality down to its backend; MongoDB's index.
    day: { type: String, required: true, index: true },
    stateCode: { type: String, required: true },
    seats: { type: String, required: true },
  },
  { versionKey: false },
);

export const rollupHoldersSchema = new Schema<RollupHoldersDoc>({ _id: { type: String }, codes: { type: String, required: true } }, { versionKey: false });
