// Scheduled job runs, one document per attempt at a (job, period) and one when it is done. The _id is the key:
//   "<job>:<period>:attempt-<n>"   inserted by whoever runs attempt n; holds a lease (leaseUntil)
//   "<job>:<period>:done"          inserted when a run finished
// Inserting a document with a given _id is the one atomic "only one wins" step on MongoDB and FerretDB alike
// (conditional updates are not atomic on FerretDB 1.24), and _id lookups stay fast however many runs pile up.
// A crashed owner never finishes and never renews: once its lease has passed, another instance inserts attempt n+1.
import { Schema } from "mongoose";

export interface JobRunDoc {
  _id: string;
  job: string;
  period: string;
  kind: "attempt" | "done";
  attempt: number;
  /** The instance (process) that inserted it. */
  owner: string;
  at: Date;
  /** Attempts only: after this the attempt counts as abandoned. */
  leaseUntil: Date | null;
  /** Attempts only: set when the attempt failed with an error (the next trigger may try again). */
  failedAt?: Date | null;
  error?: string | null;
  /** Done only: what the run did, for logs and tests. */
  summary?: Record<string, unknown> | null;
}

export const jobRunSchema = new Schema<JobRunDoc>(
  {
    _id: { type: String, required: true },
    job: { type: String, required: true },
    period: { type: String, required: true },
    kind: { type: String, enum: ["attempt", "done"], required: true },
    attempt: { type: Number, required: true },
    owner: { type: String, required: true },
    at: { type: Date, required: true },
    leaseUntil: { type: Date, default: null },
    failedAt: { type: Date, default: null },
    error: { type: String, default: null },
    summary: { type: Schema.Types.Mixed, default: null },
  },
  { versionKey: false },
);
// Listing a job's recent runs (admin views, pruning) without scanning by _id pattern.
jobRunSchema.index({ job: 1, at: 1 });
