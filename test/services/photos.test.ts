// Report photos kept and checked, on the test database and the local Bot API, with real JPEGs
// (test/fixtures/photos/): saving a report queues its photos; the photo job downloads each once (getFile and the
// file URL), stores a thumbnail and a dHash, and flags a photo matching one of another event's report.
import { readFileSync } from "node:fs";
import { Api } from "grammy";
import { trusted } from "mongoose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "../helpers/db.js";
import { openSeededTestDatabase } from "../helpers/seededDatabase.js";
import { TestClock } from "../helpers/harness.js";
import { apiRoot, localApi, makeUser, token } from "../helpers/telegram.js";
import { internalServerError, type LocalBotApi } from "../../src/localBotApi/index.js";
import { createServices, type Services } from "../../src/services/index.js";
import { createRollupDataSource } from "../../src/services/rollupData.js";
import { computeRollup } from "../../src/domain/rollup/compute.js";
import { localDay } from "../../src/domain/rollup/day.js";
import { createFileDownloader } from "../../src/telegram/fileDownload.js";
import { reencodeJpeg } from "../../src/services/photoImage.js";
import { createPhotoJob, PHOTO_JOB } from "../../src/jobs/photoJob.js";
import { createReviewState } from "../../src/services/reviewState.js";
import { createReportService } from "../../src/services/reportService.js";
import { MAX_PHOTO_ATTEMPTS, PHOTO_RETRY_DELAYS_MS } from "../../src/services/photoService.js";
import { photoKey } from "../../src/db/models/photo.js";
import type { ReportPhoto } from "../../src/domain/reports.js";
import type { RoleScope } from "../../src/domain/roles.js";

const HOUR = 3600_000;
const PC77: RoleScope = { role: "pc_incharge", level: "pc", code: "IN-UP:P77" };
const author = { telegramId: 41, scopes: [PC77] };
const sender = makeUser(8_000_000_041, { first_name: "Rekha" });
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/photos/${name}`, import.meta.url)));

let db: TestDatabase;
let api: LocalBotApi;
let clock: TestClock;
let s: Services;
let downloads: string[];
let n = 0;
let board: Uint8Array;
let recycled: Uint8Array;
let speakers: Uint8Array;

beforeAll(async () => {
  db = await openSeededTestDatabase("photos");
  api = localApi();
  clock = new TestClock();
  const fetch = api.createFetch();
  const download = createFileDownloader({ api: new Api(token, { apiRoot, fetch }), token, apiRoot, fetch });
  downloads = [];
  s = createServices({
    models: db.models,
    now: clock.now,
    downloadPhoto: async (fileId) => {
      downloads.push(fileId);
      return download(fileId);
    },
  });
  board = fixture("board.jpg");
  speakers = fixture("speakers.jpg");
  // The same photo saved again by someone else: smaller and at a much lower JPEG quality.
  recycled = new Uint8Array(await reencodeJpeg(board, { scale: 0.55, quality: 35 }));
});
afterAll(async () => {
  await db.drop();
});

/** A photo as Telegram gives it to the bot: the person sends it, the message carries its file ids. */
function sendPhoto(data: Uint8Array): ReportPhoto {
  const message = api.sendUserMessage(sender, { photo: { data } });
  const size = message.photo!.at(-1)!;
  return { fileId: size.file_id, fileUniqueId: size.file_unique_id, kind: "photo" };
}

async function reportedEvent(photos: ReportPhoto[]): Promise<string> {
  const created = await s.events.create({
    actor: author,
    input: {
      programmeKey: "sufi-samvad",
      territory: { level: "pc", code: "IN-UP:P77" },
      startsAt: new Date(clock.now().getTime() - 2 * HOUR),
      venue: "Town hall",
      location: null,
      expectedAttendance: 50,
      notes: "",
    },
    confirmKey: `photos-ev:${++n}`,
  });
  if (!created.ok) throw new Error(created.reason);
  const eventId = created.event.id;
  const saved = await s.reports.submit({ actor: author, eventId, input: { total: 40, counts: {}, photos, notes: "" }, confirmKey: `photos-r:${n}` });
  if (!saved.ok) throw new Error(saved.reason);
  return eventId;
}

async function drain(): Promise<void> {
  for (let i = 0; i < 10 && (await db.models.PhotoTask.countDocuments()) > 0; i++) {
    await s.photos.processDue(50);
    clock.advance(2 * HOUR);
  }
}

describe("keeping a report's photos", () => {
  it("a saved report's photo is queued, downloaded once, and stored with its hash and a small JPEG thumbnail", async () => {
    const photo = sendPhoto(board);
    const eventId = await reportedEvent([photo]);
    expect(await db.models.PhotoTask.findById(photoKey(eventId, photo.fileUniqueId)).lean()).toMatchObject({ eventId, version: 1, fileId: photo.fileId });

    downloads.length = 0;
    expect(await s.photos.processDue()).toMatchObject({ stored: 1, failed: 0 });
    expect(downloads).toEqual([photo.fileId]);
    expect(await db.models.PhotoTask.countDocuments({ eventId })).toBe(0);

    const stored = await db.models.Photo.findById(photo.fileUniqueId).lean();
    expect(stored).toMatchObject({ fileId: photo.fileId, width: 720, height: 477, bytes: board.byteLength, thumbnailWidth: 320, thumbnailHeight: 212 });
    expect(stored!.hash).toMatch(/^[0-9a-f]{16}$/);
    const thumb = await s.photos.thumbnail(photo.fileUniqueId);
    expect([...thumb!.jpeg.subarray(0, 2)]).toEqual([0xff, 0xd8]); // a JPEG
    console.log(`thumbnail: ${thumb!.jpeg.byteLength} bytes (${thumb!.width}×${thumb!.height}) for a ${board.byteLength}-byte 720×477 photo`);
    expect(thumb!.jpeg.byteLength).toBeLessThan(40_000);
    expect(await s.photos.checksFor(eventId)).toEqual([
      { fileId: photo.fileId, fileUniqueId: photo.fileUniqueId, status: "stored", hash: stored!.hash, reason: null, attempts: 1 },
    ]);
    expect(await s.photos.flagsFor(eventId)).toEqual([]);
  });

  it("enqueue twice is one task, and a task already checked is not downloaded again", async () => {
    const photo = sendPhoto(speakers);
    const eventId = await reportedEvent([photo]);
    expect(await s.photos.enqueue(eventId, 1, [photo])).toEqual({ queued: 0 });
    expect(await db.models.PhotoTask.countDocuments({ eventId })).toBe(1);
    downloads.length = 0;
    await s.photos.processDue();
    expect(await s.photos.enqueue(eventId, 2, [photo])).toEqual({ queued: 1 }); // the task is gone: queued again...
    await s.photos.processDue();
    expect(downloads).toEqual([photo.fileId]); // ...and found checked: downloaded once
    expect(await db.models.PhotoCheck.countDocuments({ eventId })).toBe(1);
  });
});

describe("reuse across events", () => {
  it("flags the re-encoded copy on another event's report, both ways, and not a different photo", async () => {
    const original = sendPhoto(board);
    const copy = sendPhoto(recycled);
    const other = sendPhoto(speakers);
    const first = await reportedEvent([original]);
    const second = await reportedEvent([copy, other]);
    await drain();

    expect(await db.models.Photo.countDocuments({ _id: trusted({ $in: [original.fileUniqueId, copy.fileUniqueId, other.fileUniqueId] }) })).toBe(3);
    const flags = await s.photos.flagsFor(second);
    const fromFirst = flags.filter((f) => f.other.eventId === first);
    console.log("re-encoded copy flagged at distance", fromFirst.map((f) => f.distance));
    expect(fromFirst).toEqual([
      {
        fileId: copy.fileId,
        fileUniqueId: copy.fileUniqueId,
        other: { eventId: first, fileId: original.fileId, fileUniqueId: original.fileUniqueId },
        reason: "similar",
        distance: expect.any(Number),
        at: expect.any(Date),
      },
    ]);
    expect(fromFirst[0]!.distance).toBeLessThanOrEqual(3);
    // The different photo matches nothing of the board (other tests' speakers photos are another matter).
    const boardFiles = new Set([original.fileUniqueId, copy.fileUniqueId]);
    expect(flags.filter((f) => f.fileUniqueId === other.fileUniqueId && boardFiles.has(f.other.fileUniqueId))).toEqual([]);
    // Every flag of the copy points at the board photo (of this or an earlier test's event), never at itself.
    expect(flags.filter((f) => f.fileUniqueId === copy.fileUniqueId).every((f) => f.other.eventId !== second)).toBe(true);
    // The first report's card shows the match too.
    expect((await s.photos.flagsFor(first)).map((f) => [f.fileUniqueId, f.other.eventId, f.other.fileUniqueId])).toContainEqual([
      original.fileUniqueId,
      second,
      copy.fileUniqueId,
    ]);
    expect(await s.photos.flaggedCount([first, second])).toBe(2);
  });

  it("the very same Telegram file in another event's report is flagged as the same file", async () => {
    const photo = sendPhoto(speakers);
    const a = await reportedEvent([photo]);
    const b = await reportedEvent([photo]);
    downloads.length = 0;
    await drain();
    expect(downloads).toEqual([photo.fileId]); // one download for both reports
    expect((await s.photos.flagsFor(b)).filter((f) => f.other.eventId === a)).toMatchObject([{ reason: "same_file", distance: 0 }]);
  });

  it("a flag reaches the rollups' running totals: the reports' seat is folded again once the photos are checked", async () => {
    const photo = sendPhoto(board);
    await reportedEvent([photo]);
    await reportedEvent([photo]);
    const day = { day: localDay(clock.now(), "Asia/Kolkata"), zone: "Asia/Kolkata" };
    const flagged = async (source: "totals" | "records") => {
      const data = createRollupDataSource(db.models, source === "totals" ? s.rollupTotals : undefined);
      const input = await data.load({ ...day, asOf: clock.now() });
      return computeRollup({ ...input, scope: { level: "state", code: "IN-UP" } }).review.flagged;
    };
    // What the reports' saves marked is counted (a rollup lays it over the totals), then folded by the job; only the
    // flags can mark the seat again.
    const before = await flagged("totals");
    expect(before).toBe(await flagged("records"));
    await s.rollupTotals.fold();
    expect(await db.models.RollupMark.countDocuments({})).toBe(0);
    await drain();
    expect(await db.models.RollupMark.countDocuments({ seat: "IN-UP:P77" })).toBeGreaterThan(0);
    const after = await flagged("totals");
    expect(after).toBe(await flagged("records"));
    expect(after - before).toBe(2);
  });

  it("the same photo twice in one event's report is not another event", async () => {
    const picture = new Uint8Array(await reencodeJpeg(speakers, { scale: 2, quality: 90 })); // a picture no other test uses
    const one = sendPhoto(picture);
    const again = sendPhoto(new Uint8Array(await reencodeJpeg(picture, { scale: 0.5, quality: 40 })));
    const eventId = await reportedEvent([one, again]);
    await drain();
    const flags = await s.photos.flagsFor(eventId);
    expect(flags.filter((f) => f.other.eventId === eventId)).toEqual([]);
    // Only the speakers photo of other tests may match, never this event itself.
    expect(flags.every((f) => f.other.eventId !== eventId)).toBe(true);
  });

  it("flaggedCount counts reports, not photos, and ignores events without flags", async () => {
    const lone = await reportedEvent([sendPhoto(new Uint8Array(await reencodeJpeg(board, { scale: 0.2, quality: 15 })))]);
    const clean = await reportedEvent([]);
    await drain();
    expect(await s.photos.flaggedCount([clean])).toBe(0);
    expect(await s.photos.flaggedCount([lone, lone, clean])).toBe(1);
    expect(await s.photos.flaggedCount([])).toBe(0);
  });
});

describe("downloads that fail", () => {
  it("fails twice, is retried after the backoff, and is stored once", async () => {
    const photo = sendPhoto(speakers);
    const eventId = await reportedEvent([photo]);
    api.failNext("getFile", internalServerError(), { times: 2 });
    expect(await s.photos.processDue()).toMatchObject({ retrying: 1, stored: 0 });
    expect(await s.photos.processDue()).toMatchObject({ retrying: 0, stored: 0 }); // not due yet: nothing tried
    clock.advance(PHOTO_RETRY_DELAYS_MS[0]!);
    expect(await s.photos.processDue()).toMatchObject({ retrying: 1 });
    clock.advance(PHOTO_RETRY_DELAYS_MS[1]!);
    expect(await s.photos.processDue()).toMatchObject({ stored: 1 });
    const check = await db.models.PhotoCheck.findById(photoKey(eventId, photo.fileUniqueId)).lean();
    expect(check).toMatchObject({ status: "stored", attempts: 3 });
    const attempts = await db.models.PhotoAttempt.find({ taskId: photoKey(eventId, photo.fileUniqueId) }).sort({ attempt: 1 }).lean();
    expect(attempts.map((a) => [a.attempt, a.error])).toEqual([
      [1, "Internal Server Error"],
      [2, "Internal Server Error"],
      [3, null],
    ]);
    expect(await db.models.Photo.countDocuments({ _id: photo.fileUniqueId })).toBe(1);
  });

  it("Telegram's 400 (file is too big) ends it as failed with the reason at once", async () => {
    const photo = sendPhoto(new Uint8Array(await reencodeJpeg(board, { scale: 0.9, quality: 80 })));
    const eventId = await reportedEvent([photo]);
    api.failNext("getFile", { error_code: 400, description: "Bad Request: file is too big" });
    expect(await s.photos.processDue()).toMatchObject({ failed: 1 });
    expect(await s.photos.checksFor(eventId)).toEqual([
      { fileId: photo.fileId, fileUniqueId: photo.fileUniqueId, status: "failed", hash: null, reason: "Bad Request: file is too big", attempts: 1 },
    ]);
    expect(await db.models.PhotoTask.countDocuments({ eventId })).toBe(0);
    expect(await db.models.Photo.countDocuments({ _id: photo.fileUniqueId })).toBe(0);
  });

  it("a file id Telegram no longer knows, and repeated failures, end as failed after at most N attempts", async () => {
    const gone: ReportPhoto = { fileId: "AgAC-no-such-file", fileUniqueId: "AQAD-gone", kind: "photo" };
    const flaky = sendPhoto(new Uint8Array(await reencodeJpeg(speakers, { scale: 0.7, quality: 50 })));
    const eventId = await reportedEvent([gone, flaky]);
    api.failNext((call) => call.method === "getFile" && call.params.file_id === flaky.fileId, "network", { times: 100 });
    for (let i = 0; i < MAX_PHOTO_ATTEMPTS + 2; i++) {
      await s.photos.processDue();
      clock.advance(2 * HOUR);
    }
    api.clearFaults();
    const checks = await s.photos.checksFor(eventId);
    expect(checks).toEqual([
      expect.objectContaining({ fileUniqueId: gone.fileUniqueId, status: "failed", reason: "Bad Request: invalid file_id", attempts: 1 }),
      expect.objectContaining({ fileUniqueId: flaky.fileUniqueId, status: "failed", attempts: MAX_PHOTO_ATTEMPTS }),
    ]);
    expect(checks[1]!.reason).toMatch(/^gave up after 5 attempts: /);
    expect(await db.models.PhotoTask.countDocuments({ eventId })).toBe(0);
  });

  it("a photo being worked on by another instance (a live lease) is left alone", async () => {
    const photo = sendPhoto(new Uint8Array(await reencodeJpeg(speakers, { scale: 0.8, quality: 60 })));
    const eventId = await reportedEvent([photo]);
    const taskId = photoKey(eventId, photo.fileUniqueId);
    await db.models.PhotoAttempt.create({ _id: `${taskId}:attempt-1`, taskId, attempt: 1, at: clock.now(), leaseUntil: new Date(clock.now().getTime() + 60_000), failedAt: null, error: null });
    expect(await s.photos.processDue()).toMatchObject({ busy: 1 });
    clock.advance(61_000); // the owner died: its lease has passed
    expect(await s.photos.processDue()).toMatchObject({ stored: 1 });
    expect(await db.models.PhotoCheck.findById(taskId).lean()).toMatchObject({ status: "stored", attempts: 2 });
  });
});

describe("saving a report", () => {
  it("is never failed by the photo queue: the error is logged and the report stored", async () => {
    const warnings: unknown[] = [];
    const reports = createReportService({
      models: db.models,
      now: clock.now,
      audit: s.audit,
      events: s.events,
      programmes: s.programmes,
      review: createReviewState(db.models),
      photos: { enqueue: () => Promise.reject(new Error("photo_tasks unavailable")) },
      logger: { warn: (obj: unknown) => void warnings.push(obj) },
    });
    const created = await s.events.create({
      actor: author,
      input: {
        programmeKey: "sufi-samvad",
        territory: { level: "pc", code: "IN-UP:P77" },
        startsAt: new Date(clock.now().getTime() - 2 * HOUR),
        venue: "Town hall",
        location: null,
        expectedAttendance: 50,
        notes: "",
      },
      confirmKey: `photos-ev:${++n}`,
    });
    if (!created.ok) throw new Error(created.reason);
    const photo = sendPhoto(speakers);
    const saved = await reports.submit({ actor: author, eventId: created.event.id, input: { total: 9, counts: {}, photos: [photo], notes: "" }, confirmKey: "k:broken" });
    expect(saved).toMatchObject({ ok: true, version: 1 });
    expect(warnings).toEqual([expect.objectContaining({ eventId: created.event.id, version: 1 })]);
    expect(await db.models.PhotoTask.countDocuments({ eventId: created.event.id })).toBe(0);
    // The same summary confirmed again (a retry of the press) queues them with the working service.
    const again = await s.reports.submit({ actor: author, eventId: created.event.id, input: { total: 9, counts: {}, photos: [photo], notes: "" }, confirmKey: "k:broken" });
    expect(again).toMatchObject({ ok: true, duplicate: true });
    expect(await db.models.PhotoTask.countDocuments({ eventId: created.event.id })).toBe(1);
  });
});

describe("the photo job", () => {
  it("runs processDue once a minute, through the job runs like every job", async () => {
    await drain(); // what earlier tests left queued
    const photo = sendPhoto(new Uint8Array(await reencodeJpeg(board, { scale: 0.3, quality: 30 })));
    const eventId = await reportedEvent([photo]);
    const job = createPhotoJob({ photos: s.photos });
    const runs = s.jobRunsFor("test-instance");
    const [period] = job.duePeriods(clock.now(), clock.now());
    const outcome = await runs.runOnce(PHOTO_JOB, period!, () => job.run(period!), { leaseMs: job.leaseMs });
    expect(outcome).toMatchObject({ status: "ran", summary: { stored: 1 } });
    expect(await s.photos.checksFor(eventId)).toMatchObject([{ status: "stored" }]);
  });
});
