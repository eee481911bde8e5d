// The attendance report of an event (one per event) and every version of it. The report holds the current numbers;
// report_versions keeps each submission and correction with who made it and when. The event's place and start are
// copied onto the report so that rollups read reports alone.
import { Schema, type Types } from "mongoose";
import type { EventLevel } from "../../domain/events/index.js";
import type { ReportContent, ReportPhoto } from "../../domain/reports.js";
import type { ReportStatus } from "../../domain/review.js";

export type { ReportContent, ReportPhoto };

export interface ReportDoc extends ReportContent {
  /** The event's id: an event has at most one report, read by _id. */
  _id: Types.ObjectId;
  eventId: Types.ObjectId;
  programmeKey: string;
  level: EventLevel;
  code: string;
  stateCode: string;
  pcCode: string;
  acCode: string | null;
  eventStartsAt: Date;
  submittedBy: number;
  submittedAt: Date;
  updatedBy: number;
  updatedAt: Date;
  /** 1 for the first submission, +1 for each correction. */
  version: number;
  /**
   * The review status that follows from the versions and the review decisions (domain/review.ts reportStatus),
   * kept here for the review queues; absent on reports from before review (read as "submitted").
   */
  reviewStatus?: ReportStatus;
  /** The last decision's reviewer, time and reason (preset key or typed), for the card and the queues. */
  reviewedBy?: number | null;
  reviewedAt?: Date | null;
  reviewReasonKey?: string | null;
  reviewReason?: string | null;
}

export interface ReportVersionDoc extends ReportContent {
  /** "<event id>:<version>" (reportVersionId): a version is read by key, never by scanning the collection. */
  _id: string;
  eventId: Types.ObjectId;
  version: number;
  changedBy: number;
  changedAt: Date;
  /** The confirm button press that made this version: a replayed press finds its version instead of adding one. */
  confirmKey: string;
}

const photoSchema = new Schema<ReportPhoto>(
  {
    fileId: { type: String, required: true },
    fileUniqueId: { type: String, required: true },
    kind: { type: String, enum: ["photo", "document"], required: true },
  },
  { _id: false },
);

const content = {
  total: { type: Number, required: true },
  // Keys are category keys ([a-z0-9-]): never '.' or '$', which MongoDB field names cannot hold.
  counts: { type: Schema.Types.Mixed, default: {} },
  photos: { type: [photoSchema], default: [] },
  notes: { type: String, default: "" },
};

export const reportSchema = new Schema<ReportDoc>(
  {
    ...content,
    eventId: { type: Schema.Types.ObjectId, required: true, unique: true },
    programmeKey: { type: String, required: true },
    level: { type: String, enum: ["pc", "ac"], required: true },
    code: { type: String, required: true },
    stateCode: { type: String, required: true },
    pcCode: { type: String, required: true },
    acCode: { type: String, default: null },
    eventStartsAt: { type: Date, required: true },
    submittedBy: { type: Number, required: true },
    submittedAt: { type: Date, required: true },
    updatedBy: { type: Number, required: true },
    updatedAt: { type: Date, required: true },
    version: { type: Number, required: true },
    reviewStatus: { type: String, default: "submitted" },
    reviewedBy: { type: Number, default: null },
    reviewedAt: { type: Date, default: null },
    reviewReasonKey: { type: String, default: null },
    reviewReason: { type: String, default: null },
  },
  { minimize: false },
);
reportSchema.index({ stateCode: 1, eventStartsAt: 1 });
// The review queues: a state's (or a PC's) reports in one status, newest events first.
reportSchema.index({ reviewStatus: 1, stateCode: 1, eventStartsAt: -1 });
reportSchema.index({ reviewStatus: 1, pcCode: 1, eventStartsAt: -1 });
reportSchema.index({ pcCode: 1, eventStartsAt: 1 });
reportSchema.index({ eventStartsAt: 1 });
reportSchema.index({ submittedAt: 1 });
reportSchema.index({ submittedBy: 1, submittedAt: 1 });

/** The key of one version of an event's report. */
export function reportVersionId(eventId: Types.ObjectId | string, version: number): string {
  return `${String(eventId)}:${version}`;
}

export const reportVersionSchema = new Schema<ReportVersionDoc>(
  {
    _id: { type: String, required: true },
    ...content,
    eventId: { type: Schema.Types.ObjectId, required: true },
    version: { type: Number, required: true },
    changedBy: { type: Number, required: true },
    changedAt: { type: Date, required: true },
    confirmKey: { type: String, required: true },
  },
  { minimize: false },
);
reportVersionSchema.index({ eventId: 1, version: 1 }, { unique: true });
