// Exactly-once decisions. On FerretDB 1.24 a conditional update (findOneAndUpdate with {usedBy: null}) is not
// atomic under concurrency: two racers can both "win". A unique index is enforced atomically on MongoDB and on
// FerretDB alike, so every once-only decision (an invite redeemed, an event confirmed, a message sent, a job run
// for a period) is made by inserting a claim with a unique key: the one insert that succeeds has won.
import { Schema } from "mongoose";

export interface ClaimDoc {
  key: string; // e.g. "invite:<tokenHash>", "event.confirm:<chat>:<message>"
  owner: string; // who won: a person id, an instance id, ...
  at: Date;
  /** What the winner produced (e.g. the id of the record created), for the losers to report. */
  result?: Record<string, unknown> | null;
}

export const claimSchema = new Schema<ClaimDoc>({
  key: { type: String, required: true, unique: true },
  owner: { type: String, required: true },
  at: { type: Date, required: true },
  result: { type: Schema.Types.Mixed, default: null },
});
