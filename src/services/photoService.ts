// Report photos, kept and checked for reuse, in the background: a report's save only queues its photos (enqueue);
// the photo job (jobs/photoJob.ts) calls processDue every minute, which downloads each photo once, hashes it, keeps a
// thumbnail and flags photos that match one of another event's report. Nothing here ever blocks or fails a report.
//
// Exactly once without transactions (see db/models/photo.ts for the documents), like job runs and the outbox:
//   1. enqueue inserts one task per (event, file_unique_id): a second enqueue (a replayed save, a correction keeping
//      the photo) is a duplicate key, i.e. a no-op.
//   2. processDue reads due tasks; for each, inserting "<task>:attempt-<n+1>" is the claim (a duplicate key: someone
//      else has it); a live lease on the newest attempt means someone is working on it: leave it.
//   3. the owner stores the picture (once per file_unique_id), inserts the check (the outcome), then the flags, then
//      deletes the task. A crash anywhere is repaired by the next owner after the lease: every write is an insert
//      that tolerates a duplicate, and a task whose check exists only redoes the matching.
//   4. a failure ends the attempt and moves the task's dueAt forward; a permanent one (Telegram's 400 "file is too
//      big" / "wrong file_id", a file that is no picture) or the MAX_ATTEMPTS-th ends as a failed check with the reason.
import { trusted, type Types } from "mongoose";
import type { Models } from "../db/models/index.js";
import { photoKey, type PhotoAttemptDoc, type PhotoCheckDoc, type PhotoDoc, type PhotoFlagDoc, type PhotoTaskDoc } from "../db/models/photo.js";
import { findMatches, MATCH_THRESHOLD, type HashedPhoto, type MatchReason } from "../domain/photoHash.js";
import type { ReportPhoto } from "../domain/reports.js";
import type { Logger } from "../logger.js";
import { insertedNew } from "../db/duplicateKey.js";
import { decodePhoto } from "./photoImage.js";
import { parseObjectId } from "./eventService.js";
import { markRollupEvents } from "../db/rollupMarks.js";

/** Downloads a file's bytes by its Telegram file id (built from the bot token and BOT_API_ROOT in app.ts). */
export type PhotoDownload = (fileId: string) => Promise<Uint8Array>;

/** A photo is tried this many times (failures and abandoned attempts together), then ends as failed. */
export const MAX_PHOTO_ATTEMPTS = 5;
/** How long an owner may work on a photo before another instance may take it over. */
export const PHOTO_LEASE_MS = 5 * 60_000;
/** The wait before attempt n+1 after attempt n failed (the last value repeats). */
export const PHOTO_RETRY_DELAYS_MS = [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000];

export interface PhotoFlag {
  /** This report's photo. */
  fileId: string;
  fileUniqueId: string;
  /** The photo of another event's report it matches. */
  other: { eventId: string; fileId: string; fileUniqueId: string };
  reason: MatchReason;
  /** Bits apart of the two hashes (of 64; 0 for the same file). */
  distance: number;
  at: Date;
}

export interface PhotoCheck {
  fileId: string;
  fileUniqueId: string;
  status: "pending" | "stored" | "failed";
  hash: string | null;
  reason: string | null;
  attempts: number;
}

export interface Thumbnail {
  fileId: string;
  hash: string;
  jpeg: Buffer;
  width: number;
  height: number;
}

export interface ProcessSummary {
  stored: number;
  failed: number;
  retrying: number;
  busy: number;
}

export interface PhotoService {
  /** Queues a report version's photos (idempotent: one task per event and file_unique_id). */
  enqueue(eventId: string, version: number, photos: readonly ReportPhoto[]): Promise<{ queued: number }>;
  /** Works through up to `limit` due photos. */
  processDue(limit?: number): Promise<ProcessSummary>;
  /** The report's photos that match a photo of another event's report (only photos the report still has). */
  flagsFor(eventId: string): Promise<PhotoFlag[]>;
  /** How many of these events' reports have at least one flagged photo. */
  flaggedCount(eventIds: readonly string[]): Promise<number>;
  /** Where each photo of the report stands (pending, stored, failed with why). */
  checksFor(eventId: string): Promise<PhotoCheck[]>;
  thumbnail(fileUniqueId: string): Promise<Thumbnail | null>;
}

export interface PhotoServiceDeps {
  models: Models;
  now: () => Date;
  /** Absent where nothing processes photos (most tests): processDue then refuses. */
  download?: PhotoDownload;
  logger?: Pick<Logger, "info" | "warn">;
  threshold?: number;
}

/** Telegram's 400 (Bad Request: "file is too big", "wrong file_id") or an error marked permanent (not a picture). */
export function isPermanentPhotoError(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as { error_code?: unknown; permanent?: unknown };
  return e.error_code === 400 || e.permanent === true;
}

function describe(err: unknown): string {
  const e = err as { description?: unknown; message?: unknown } | null;
  const text = typeof e?.description === "string" ? e.description : typeof e?.message === "string" ? e.message : String(err);
  return text.slice(0, 500);
}

export function createPhotoService(deps: PhotoServiceDeps): PhotoService {
  const { models, now } = deps;
  const { PhotoTask, PhotoAttempt, PhotoCheck, Photo, PhotoFlag, Report } = models;
  const threshold = deps.threshold ?? MATCH_THRESHOLD;

  /** Inserts a document under its unique _id; false when it was there already. */
  const insert = insertedNew;

  const attemptId = (taskId: string, n: number) => `${taskId}:attempt-${n}`;

  async function latestAttempt(taskId: string): Promise<PhotoAttemptDoc | undefined> {
    // _id lookups only (a find by taskId would scan on FerretDB).
    const ids = Array.from({ length: MAX_PHOTO_ATTEMPTS }, (_, i) => attemptId(taskId, i + 1));
    const found = await Promise.all(ids.map((id) => PhotoAttempt.findById(id).lean<PhotoAttemptDoc>()));
    return found.filter((d): d is PhotoAttemptDoc => d !== null).sort((a, b) => b.attempt - a.attempt)[0];
  }

  /** Downloads and decodes the picture unless another report's task already stored this file. */
  async function storePicture(task: PhotoTaskDoc): Promise<PhotoDoc> {
    const existing = await Photo.findById(task.fileUniqueId).lean<PhotoDoc>();
    if (existing) return existing;
    if (!deps.download) throw new Error("no photo downloader configured");
    const bytes = await deps.download(task.fileId);
    const decoded = await decodePhoto(bytes);
    const doc: PhotoDoc = {
      _id: task.fileUniqueId,
      fileId: task.fileId,
      kind: task.kind,
      hash: decoded.hash,
      width: decoded.width,
      height: decoded.height,
      bytes: bytes.byteLength,
      thumbnail: decoded.thumbnail,
      thumbnailWidth: decoded.thumbnailWidth,
      thumbnailHeight: decoded.thumbnailHeight,
      storedAt: now(),
    };
    await insert(() => Photo.create(doc));
    return doc;
  }

  /**
   * Every stored photo as the matcher sees it. A scan of photo_checks' three small fields (about 80 bytes a photo:
   * 4 MB at 50,000 photos), once per photo checked, in the background. Hamming distance has no index on MongoDB
   * or FerretDB; when this grows too big, multi-index hashing (the hash cut into 11 exact-match bands) is the next
   * step.
   */
  async function candidates(): Promise<(HashedPhoto & { fileId: string })[]> {
    const docs = await PhotoCheck.find({ status: "stored" }, { eventId: 1, fileUniqueId: 1, fileId: 1, hash: 1 }).lean<PhotoCheckDoc[]>();
    return docs.filter((d) => d.hash).map((d) => ({ eventId: d.eventId, fileUniqueId: d.fileUniqueId, fileId: d.fileId, hash: d.hash! }));
  }

  /** Flags the photo and each photo of another event it matches, both ways (each report's card shows it). */
  async function flagMatches(check: Pick<PhotoCheckDoc, "eventId" | "fileUniqueId" | "fileId" | "hash">): Promise<number> {
    let matches: { other: HashedPhoto & { fileId: string }; reason: MatchReason; distance: number }[];
    if (check.hash) {
      const me = { eventId: check.eventId, fileUniqueId: check.fileUniqueId, hash: check.hash };
      matches = findMatches(me, await candidates(), threshold) as typeof matches;
    } else {
      // A photo that could not be downloaded can still be the very same file as another report's.
      const same = await PhotoCheck.find({ fileUniqueId: check.fileUniqueId }).lean<PhotoCheckDoc[]>();
      matches = same
        .filter((d) => d.eventId !== check.eventId)
        .map((d) => ({ other: { eventId: d.eventId, fileUniqueId: d.fileUniqueId, fileId: d.fileId, hash: d.hash ?? "" }, reason: "same_file", distance: 0 }));
    }
    const at = now();
    for (const m of matches) {
      const a = { eventId: check.eventId, fileUniqueId: check.fileUniqueId, fileId: check.fileId };
      const b = { eventId: m.other.eventId, fileUniqueId: m.other.fileUniqueId, fileId: m.other.fileId };
      for (const [mine, theirs] of [[a, b], [b, a]] as const) {
        const flag: PhotoFlagDoc = {
          _id: `${photoKey(mine.eventId, mine.fileUniqueId)}~${photoKey(theirs.eventId, theirs.fileUniqueId)}`,
          eventId: mine.eventId,
          fileUniqueId: mine.fileUniqueId,
          fileId: mine.fileId,
          otherEventId: theirs.eventId,
          otherFileUniqueId: theirs.fileUniqueId,
          otherFileId: theirs.fileId,
          reason: m.reason,
          distance: m.distance,
          at,
        };
        await insert(() => PhotoFlag.create(flag));
      }
    }
    if (matches.length) {
      // The rollups' running totals count reports with a flagged photo: recount the seats of both events.
      const events = [...new Set([check.eventId, ...matches.map((m) => m.other.eventId)])].map(parseObjectId).filter((id) => id !== null);
      const seats = await Promise.all(events.map((_id) => Report.findById(_id, { _id: 0, code: 1 }).lean<{ code: string }>()));
      await markRollupEvents(models, seats.flatMap((r, i) => (r ? [{ code: r.code, eventId: events[i]!.toHexString() }] : [])));
      deps.logger?.info({ eventId: check.eventId, fileUniqueId: check.fileUniqueId, matches: matches.length }, "photo matches another event's report");
    }
    return matches.length;
  }

  async function finishFailed(task: PhotoTaskDoc, attempts: number, reason: string): Promise<void> {
    const check: PhotoCheckDoc = {
      _id: task._id,
      eventId: task.eventId,
      fileUniqueId: task.fileUniqueId,
      fileId: task.fileId,
      status: "failed",
      hash: null,
      reason,
      attempts,
      at: now(),
    };
    await insert(() => PhotoCheck.create(check));
    deps.logger?.warn({ eventId: task.eventId, fileUniqueId: task.fileUniqueId, attempts, reason }, "report photo could not be kept");
    await flagMatches(check);
  }

  type TaskOutcome = "stored" | "failed" | "retrying" | "busy";

  async function processTask(task: PhotoTaskDoc): Promise<TaskOutcome> {
    const done = await PhotoCheck.findById(task._id).lean<PhotoCheckDoc>();
    if (done) {
      // Checked, but the owner stopped before the task was deleted: the flags may be missing.
      await flagMatches(done);
      return done.status;
    }
    const latest = await latestAttempt(task._id);
    const at = now();
    if (latest && !latest.failedAt && latest.leaseUntil.getTime() > at.getTime()) return "busy";
    const attempt = (latest?.attempt ?? 0) + 1;
    if (attempt > MAX_PHOTO_ATTEMPTS) {
      // The last attempt was abandoned (its owner died mid-way).
      await finishFailed(task, MAX_PHOTO_ATTEMPTS, `gave up after ${MAX_PHOTO_ATTEMPTS} attempts: ${latest?.error ?? "abandoned"}`);
      return "failed";
    }
    const won = await insert(() =>
      PhotoAttempt.create({
        _id: attemptId(task._id, attempt),
        taskId: task._id,
        attempt,
        at,
        leaseUntil: new Date(at.getTime() + PHOTO_LEASE_MS),
        failedAt: null,
        error: null,
      }),
    );
    if (!won) return "busy";

    let picture: PhotoDoc;
    try {
      picture = await storePicture(task);
    } catch (err) {
      const reason = describe(err);
      await PhotoAttempt.updateOne({ _id: attemptId(task._id, attempt) }, { $set: { failedAt: now(), leaseUntil: now(), error: reason } });
      if (isPermanentPhotoError(err)) {
        await finishFailed(task, attempt, reason);
        return "failed";
      }
      if (attempt >= MAX_PHOTO_ATTEMPTS) {
        await finishFailed(task, attempt, `gave up after ${attempt} attempts: ${reason}`);
        return "failed";
      }
      const delay = PHOTO_RETRY_DELAYS_MS[Math.min(attempt, PHOTO_RETRY_DELAYS_MS.length) - 1]!;
      await PhotoTask.updateOne({ _id: task._id }, { $set: { dueAt: new Date(now().getTime() + delay) } });
      deps.logger?.warn({ eventId: task.eventId, fileUniqueId: task.fileUniqueId, attempt, err }, "report photo download failed; retrying later");
      return "retrying";
    }
    const check: PhotoCheckDoc = {
      _id: task._id,
      eventId: task.eventId,
      fileUniqueId: task.fileUniqueId,
      fileId: task.fileId,
      status: "stored",
      hash: picture.hash,
      reason: null,
      attempts: attempt,
      at: now(),
    };
    // The check before the matching: of two matching photos checked at the same moment, at least one sees the other.
    await insert(() => PhotoCheck.create(check));
    await flagMatches(check);
    return "stored";
  }

  /** The file_unique_ids each of these events' reports has now (a correction may have dropped a flagged photo). */
  async function currentPhotos(eventIds: readonly string[]): Promise<Map<string, Set<string>>> {
    const ids = eventIds.map(parseObjectId).filter((x): x is Types.ObjectId => x !== null);
    const reports = ids.length ? await Report.find({ _id: trusted({ $in: ids }) }, { photos: 1 }).lean<{ _id: Types.ObjectId; photos?: ReportPhoto[] }[]>() : [];
    return new Map(reports.map((r) => [r._id.toHexString(), new Set((r.photos ?? []).map((p) => p.fileUniqueId))]));
  }

  return {
    async enqueue(eventId, version, photos) {
      let queued = 0;
      const at = now();
      for (const p of photos) {
        const task: PhotoTaskDoc = {
          _id: photoKey(eventId, p.fileUniqueId),
          eventId,
          version,
          fileId: p.fileId,
          fileUniqueId: p.fileUniqueId,
          kind: p.kind,
          createdAt: at,
          dueAt: at,
        };
        if (await insert(() => PhotoTask.create(task))) queued++;
      }
      return { queued };
    },

    async processDue(limit = 20) {
      const summary: ProcessSummary = { stored: 0, failed: 0, retrying: 0, busy: 0 };
      const tasks = await PhotoTask.find({ dueAt: trusted({ $lte: now() }) })
        .sort({ dueAt: 1 })
        .limit(limit)
        .lean<PhotoTaskDoc[]>();
      const finished: string[] = [];
      for (const task of tasks) {
        let outcome: TaskOutcome;
        try {
          outcome = await processTask(task);
        } catch (err) {
          // The database failed us mid-way: the lease runs out and the next run (any instance) repairs it.
          deps.logger?.warn({ err, eventId: task.eventId, fileUniqueId: task.fileUniqueId }, "report photo check interrupted");
          continue;
        }
        summary[outcome]++;
        if (outcome === "stored" || outcome === "failed") finished.push(task._id);
      }
      // One delete for the batch: a delete scans the collection on FerretDB's SQLite backend.
      if (finished.length) await PhotoTask.deleteMany({ _id: trusted({ $in: finished }) });
      return summary;
    },

    async flagsFor(eventId) {
      const [flags, current] = await Promise.all([
        PhotoFlag.find({ eventId }).sort({ at: 1, _id: 1 }).lean<PhotoFlagDoc[]>(),
        currentPhotos([eventId]),
      ]);
      const mine = current.get(eventId) ?? new Set<string>();
      return flags
        .filter((f) => mine.has(f.fileUniqueId))
        .map((f) => ({
          fileId: f.fileId,
          fileUniqueId: f.fileUniqueId,
          other: { eventId: f.otherEventId, fileId: f.otherFileId, fileUniqueId: f.otherFileUniqueId },
          reason: f.reason,
          distance: f.distance,
          at: f.at,
        }));
    },

    async flaggedCount(eventIds) {
      const unique = [...new Set(eventIds)];
      if (!unique.length) return 0;
      const [flags, current] = await Promise.all([
        PhotoFlag.find({ eventId: trusted({ $in: unique }) }, { eventId: 1, fileUniqueId: 1 }).lean<Pick<PhotoFlagDoc, "eventId" | "fileUniqueId">[]>(),
        currentPhotos(unique),
      ]);
      const flagged = new Set(flags.filter((f) => current.get(f.eventId)?.has(f.fileUniqueId)).map((f) => f.eventId));
      return flagged.size;
    },

    async checksFor(eventId) {
      const _id = parseObjectId(eventId);
      const report = _id ? await Report.findById(_id, { photos: 1 }).lean<{ photos?: ReportPhoto[] }>() : null;
      const photos = report?.photos ?? [];
      const checks = await Promise.all(photos.map((p) => PhotoCheck.findById(photoKey(eventId, p.fileUniqueId)).lean<PhotoCheckDoc>()));
      return photos.map((p, i) => {
        const c = checks[i];
        return c
          ? { fileId: p.fileId, fileUniqueId: p.fileUniqueId, status: c.status, hash: c.hash, reason: c.reason, attempts: c.attempts }
          : { fileId: p.fileId, fileUniqueId: p.fileUniqueId, status: "pending" as const, hash: null, reason: null, attempts: 0 };
      });
    },

    async thumbnail(fileUniqueId) {
      const doc = await Photo.findById(fileUniqueId).lean<PhotoDoc>();
      if (!doc) return null;
      const jpeg = Buffer.isBuffer(doc.thumbnail) ? doc.thumbnail : Buffer.from((doc.thumbnail as unknown as { buffer: Uint8Array }).buffer);
      return { fileId: doc.fileId, hash: doc.hash, jpeg, width: doc.thumbnailWidth, height: doc.thumbnailHeight };
    },
  };
}
