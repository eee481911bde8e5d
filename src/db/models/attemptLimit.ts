// Attempt limits (services/attemptLimiter.ts), keyed by _id so that every hot-path step is an insert or an _id find:
//   "<action>:<scope>[:<subject>]:<window>:<n>"     a slot: inserted by the attempt that holds it (insert wins)
//   "<action>:<scope>[:<subject>]:<window>:refused"  refusals in that window: inserted by the first, $inc by the rest
// Documents live only until their window has closed and been summarised (then deleted), so the collection stays
// small: on FerretDB's SQLite backend every update scans it.
import { Schema } from "mongoose";

export interface AttemptLimitDoc {
  _id: string;
  kind: "slot" | "refused";
  action: string;
  scope: string;
  /** The person (per-person limits); null for a global limit. */
  subject: number | null;
  windowStart: Date;
  windowEnd: Date;
  /** Refusals only: how many attempts were refused in the window. */
  count?: number;
  at: Date;
}

export const attemptLimitSchema = new Schema<AttemptLimitDoc>(
  {
    _id: { type: String, required: true },
    kind: { type: String, enum: ["slot", "refused"], required: true },
    action: { type: String, required: true },
    scope: { type: String, required: true },
    subject: { type: Number, default: null },
    windowStart: { type: Date, required: true },
    windowEnd: { type: Date, required: true },
    count: { type: Number, default: 0 },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
// Closing windows: "everything whose window ended before now".
attemptLimitSchema.index({ windowEnd: 1 });
