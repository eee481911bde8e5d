// Review decisions on reports: insert-only, one per report version ("<event id>:<version>") and one void per report
// ("<event id>:void"). The unique _id is the exactly-once guard (FerretDB's conditional updates are not atomic under
// concurrency), so two reviewers tapping at once leave one decision. The report document carries the status that
// follows from these (reviewStatus), for the review queues to read by index.
import { Schema, type Types } from "mongoose";
import type { ReviewAction } from "../../domain/review.js";

export type ReviewDecisionAction = ReviewAction | "void";

export interface ReviewDecisionDoc {
  _id: string;
  eventId: Types.ObjectId;
  /** The report version decided (for a void, the version current at the time). */
  version: number;
  action: ReviewDecisionAction;
  /** A preset reason's key (review:reason.<key>), or null when typed or none. */
  reasonKey: string | null;
  /** The typed reason, or null. */
  reason: string | null;
  actorId: number;
  at: Date;
  /** The button press or message that made it: a replay finds its own decision. */
  requestKey: string;
}

export const reviewDecisionId = (eventId: Types.ObjectId | string, version: number | "void"): string => `${String(eventId)}:${version}`;

export const reviewDecisionSchema = new Schema<ReviewDecisionDoc>(
  {
    _id: { type: String, required: true },
    eventId: { type: Schema.Types.ObjectId, required: true },
    version: { type: Number, required: true },
    action: { type: String, enum: ["approve", "send_back", "void"], required: true },
    reasonKey: { type: String, default: null },
    reason: { type: String, default: null },
    actorId: { type: Number, required: true },
    at: { type: Date, required: true },
    requestKey: { type: String, required: true },
  },
  { versionKey: false },
);
