// Report photos kept and checked for reuse (services/photoService.ts). Every exactly-once step is an insert under a
// unique _id (conditional updates race on FerretDB 1.24), and every read on the way is by _id:
//   photo_tasks     "<event>:<file_unique_id>"            one per photo of an event's report (enqueue twice: one task)
//   photo_attempts  "<event>:<file_unique_id>:attempt-<n>" whoever inserts attempt n owns it until its lease ends
//   photo_checks    "<event>:<file_unique_id>"            the outcome: stored (with the hash) or failed (with why)
//   photos          "<file_unique_id>"                    the picture itself: hash, thumbnail, the file id for the full size
//   photo_flags     "<event>:<file>~<other event>:<other file>"  a photo matching one of another event's report
// A plain collection with the thumbnail as a Buffer rather than GridFS: a thumbnail is about 5–20 kB (GridFS is for
// files over MongoDB's 16 MB document limit), one document is one insert and one read by _id, and GridFS's
// files/chunks pair would add two writes and a scan-prone find by files_id on FerretDB for nothing.
import { Schema } from "mongoose";
import type { ReportPhoto } from "../../domain/reports.js";

export type PhotoKind = ReportPhoto["kind"];

export interface PhotoTaskDoc {
  /** photoKey(eventId, fileUniqueId) */
  _id: string;
  eventId: string;
  /** The report version that first had this photo. */
  version: number;
  fileId: string;
  fileUniqueId: string;
  kind: PhotoKind;
  createdAt: Date;
  /** Not tried before this (set forward after a failed attempt). */
  dueAt: Date;
}

export interface PhotoAttemptDoc {
  /** "<task>:attempt-<n>" */
  _id: string;
  taskId: string;
  attempt: number;
  at: Date;
  leaseUntil: Date;
  failedAt: Date | null;
  error: string | null;
}

export type PhotoCheckStatus = "stored" | "failed";

export interface PhotoCheckDoc {
  /** The task's key: one outcome per photo of an event's report. */
  _id: string;
  eventId: string;
  fileUniqueId: string;
  fileId: string;
  status: PhotoCheckStatus;
  /** Stored: the photo's difference hash (16 hex digits). */
  hash: string | null;
  /** Failed: why ("file is too big", "gave up after 5 attempts: ..."). */
  reason: string | null;
  attempts: number;
  at: Date;
}

export interface PhotoDoc {
  /** file_unique_id: the same file in several reports is downloaded and stored once. */
  _id: string;
  /** For sending the full-size picture again (file ids stay valid for the bot that received them). */
  fileId: string;
  kind: PhotoKind;
  hash: string;
  width: number;
  height: number;
  /** Size of the downloaded original. */
  bytes: number;
  thumbnail: Buffer;
  thumbnailWidth: number;
  thumbnailHeight: number;
  storedAt: Date;
}

export interface PhotoFlagDoc {
  _id: string;
  eventId: string;
  fileUniqueId: string;
  fileId: string;
  otherEventId: string;
  otherFileUniqueId: string;
  otherFileId: string;
  reason: "same_file" | "similar";
  /** Bits apart of the two hashes (0 for the same file). */
  distance: number;
  at: Date;
}

/** The key of one photo of an event's report: its task, and its check. */
export function photoKey(eventId: string, fileUniqueId: string): string {
  return `${eventId}:${fileUniqueId}`;
}

export const photoTaskSchema = new Schema<PhotoTaskDoc>(
  {
    _id: { type: String, required: true },
    eventId: { type: String, required: true },
    version: { type: Number, required: true },
    fileId: { type: String, required: true },
    fileUniqueId: { type: String, required: true },
    kind: { type: String, enum: ["photo", "document"], required: true },
    createdAt: { type: Date, required: true },
    dueAt: { type: Date, required: true },
  },
  { versionKey: false },
);
// processDue: the oldest due tasks first. The collection only holds pending work (a task is deleted once checked).
photoTaskSchema.index({ dueAt: 1 });

export const photoAttemptSchema = new Schema<PhotoAttemptDoc>(
  {
    _id: { type: String, required: true },
    taskId: { type: String, required: true },
    attempt: { type: Number, required: true },
    at: { type: Date, required: true },
    leaseUntil: { type: Date, required: true },
    failedAt: { type: Date, default: null },
    error: { type: String, default: null },
  },
  { versionKey: false },
);

export const photoCheckSchema = new Schema<PhotoCheckDoc>(
  {
    _id: { type: String, required: true },
    eventId: { type: String, required: true },
    fileUniqueId: { type: String, required: true },
    fileId: { type: String, required: true },
    status: { type: String, enum: ["stored", "failed"], required: true },
    hash: { type: String, default: null },
    reason: { type: String, default: null },
    attempts: { type: Number, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
photoCheckSchema.index({ eventId: 1 });
photoCheckSchema.index({ fileUniqueId: 1 });
// The hash comparison reads every stored check's (eventId, fileUniqueId, hash): see photoService.candidates().
photoCheckSchema.index({ status: 1 });

export const photoSchema = new Schema<PhotoDoc>(
  {
    _id: { type: String, required: true },
    fileId: { type: String, required: true },
    kind: { type: String, enum: ["photo", "document"], required: true },
    hash: { type: String, required: true },
    width: { type: Number, required: true },
    height: { type: Number, required: true },
    bytes: { type: Number, required: true },
    thumbnail: { type: Buffer, required: true },
    thumbnailWidth: { type: Number, required: true },
    thumbnailHeight: { type: Number, required: true },
    storedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export const photoFlagSchema = new Schema<PhotoFlagDoc>(
  {
    _id: { type: String, required: true },
    eventId: { type: String, required: true },
    fileUniqueId: { type: String, required: true },
    fileId: { type: String, required: true },
    otherEventId: { type: String, required: true },
    otherFileUniqueId: { type: String, required: true },
    otherFileId: { type: String, required: true },
    reason: { type: String, enum: ["same_file", "similar"], required: true },
    distance: { type: Number, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
// flagsFor(event) and flaggedCount(events).
photoFlagSchema.index({ eventId: 1 });
