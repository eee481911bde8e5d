// Running totals for the rollups (services/rollupTotals.ts), so that a rollup of today reads a number of documents
// that grows with seats and days, not with events:
//   rollup_marks  "<seat code>|<object id>"  a seat whose events or reports changed, inserted by every writer after
//                 its change (insert-only: no two writers ever update one document)
//   rollup_seats  "<seat code>"              one per PC or AC seat with an event: its figures to date, and its events
//                 still waiting for a report
//   rollup_days   "<day>|<seat code>"        a seat's events of one local day (in the campaign's time zone), with
//                 their reports' numbers
// Only the fold writes seats and days, recomputing a marked seat from its events and reports, so a replayed or
// repeated update can never count twice. The fold's check recomputes every seat and reports what differs.
import { Schema } from "mongoose";
import type { DayTotals, SeatTotals, TotalsEventRow } from "../../domain/rollup/totals.js";

export interface RollupMarkDoc {
  _id: string;
  seat: string;
}

export type { TotalsEventRow };

/** A seat's totals (domain/rollup/totals.ts), under its code, with the days it has rollup_days documents for. */
export interface RollupSeatDoc extends Omit<SeatTotals, "seat"> {
  _id: string;
  days: string[];
}

export interface RollupDayDoc extends DayTotals {
  /** "<day>|<seat>". */
  _id: string;
}

export const rollupMarkSchema = new Schema<RollupMarkDoc>({ _id: { type: String }, seat: { type: String, required: true } }, { versionKey: false });

const eventRowSchema = new Schema<TotalsEventRow>(
  {
    id: { type: String, required: true },
    programmeKey: { type: String, required: true },
    startsAt: { type: Date, required: true },
    status: { type: String, enum: ["planned", "cancelled"], required: true },
    createdBy: { type: Number, required: true },
    reported: { type: Boolean, required: true },
    report: { type: Schema.Types.Mixed, default: null },
  },
  { _id: false },
);

const place = {
  stateCode: { type: String, required: true },
  pcCode: { type: String, required: true },
  acCode: { type: String, default: null },
};

export const rollupSeatSchema = new Schema<RollupSeatDoc>(
  {
    _id: { type: String },
    ...place,
    reports: { type: Number, required: true },
    attendance: { type: Number, required: true },
    review: { type: Schema.Types.Mixed, required: true },
    sentBack: { type: Schema.Types.Mixed, default: [] },
    open: { type: [eventRowSchema], default: [] },
    days: { type: [String], default: [] },
  },
  { versionKey: false },
);

export const rollupDaySchema = new Schema<RollupDayDoc>(
  {
    _id: { type: String },
    // Read by equality (a day's documents): FerretDB pushes string equality down to its backend; MongoDB's index.
    day: { type: String, required: true, index: true },
    seat: { type: String, required: true },
    ...place,
    events: { type: [eventRowSchema], default: [] },
  },
  { versionKey: false },
);
