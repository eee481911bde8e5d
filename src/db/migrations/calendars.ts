// Calendars (models/calendar.ts) are kept by every writer of events and reports from now on; events and reports
// stored before they existed are filed here, once, at start (a marker in `migrations` makes later starts one read).
// Also used after bulk inserts that bypass the services (benchmarks, test data).
//
// Safe alongside a running bot and when interrupted: a calendar is inserted whole only where none exists, else its
// entries are added with $addToSet (as the bot's own writes are), so a rerun or a race only adds what is there.
import { bulkWriteErrors, onlyDuplicateKeys } from "../duplicateKey.js";
import { runOnce } from "./once.js";
import { calendarEntry, eventCalendarKeys } from "../models/calendar.js";
import type { Models } from "../models/index.js";

// "-closed": calendars gained `closed` (events that need no report); a store filed before is filed again, once.
const DONE_MARKER = "calendars-filed-closed";
const BATCH = 500;
/** Calendars updated at once when a rerun adds what they lack. */
const UPDATE_CONCURRENCY = 8;

export function fileCalendarsOnce(models: Models, now: () => Date): Promise<number> {
  return runOnce(models.Event.db, DONE_MARKER, now, () => fileAllIntoCalendars(models));
}

/** Files every stored event and report in the calendars; returns how many events and reports it read. */
export async function fileAllIntoCalendars(models: Models): Promise<number> {
  const entries = new Map<string, string[]>();
  const closed = new Map<string, string[]>();
  const add = (key: string, entry: string, into = entries) => {
    const list = into.get(key);
    if (list) list.push(entry);
    else into.set(key, [entry]);
  };
  let read = 0;
  const events = models.Event.collection.find(
    {},
    { projection: { startsAt: 1, pcCode: 1, acCode: 1, createdBy: 1, status: 1, reportedAt: 1 }, batchSize: 1000 },
  );
  for await (const e of events) {
    read++;
    const entry = calendarEntry(e.startsAt as Date, String(e._id));
    const isClosed = e.reportedAt != null || e.status === "cancelled";
    for (const key of eventCalendarKeys({ pcCode: e.pcCode as string, acCode: (e.acCode as string | null) ?? null, createdBy: e.createdBy as number })) {
      add(key, entry);
      if (isClosed) add(key, String(e._id), closed);
    }
  }
  const reports = models.Report.collection.find({}, { projection: { submittedBy: 1, submittedAt: 1 }, batchSize: 1000 });
  for await (const r of reports) {
    read++;
    add(`reporter:${r.submittedBy as number}`, calendarEntry(r.submittedAt as Date, String(r._id)));
  }
  // New calendars go in whole (one insert per batch: an upsert each takes ~80 ms on FerretDB's SQLite backend under
  // load, minutes for 20,000 calendars); those that exist already (a rerun, the bot's own writes) get only what they
  // lack added with $addToSet, which keeps whatever the bot filed meanwhile.
  const all = [...entries];
  const existing = new Set<string>();
  for (let i = 0; i < all.length; i += BATCH) {
    const batch = all.slice(i, i + BATCH);
    try {
      await models.Calendar.collection.insertMany(
        batch.map(([key, list]) => {
          const shut = closed.get(key);
          return shut ? { _id: key, entries: [...new Set(list)], closed: [...new Set(shut)] } : { _id: key, entries: [...new Set(list)] };
        }) as never[],
        { ordered: false },
      );
    } catch (err) {
      if (!onlyDuplicateKeys(err)) throw err;
      const taken = (bulkWriteErrors(err) ?? []).filter((w) => w.index >= 0);
      // Without positions: every one of the batch is looked at (adding is idempotent).
      for (const [key] of taken.length ? taken.map((w) => batch[w.index]!) : batch) existing.add(key);
    }
  }
  if (existing.size > 0) await addMissing(models, existing, entries, closed);
  return read;
}

/**
 * Adds to existing calendars the entries and closed ids they lack: one read of the calendars, then one update per
 * calendar that lacks anything (none on a rerun over calendars the bot keeps). Not a bulkWrite: FerretDB 1.24 on
 * PostgreSQL stops answering anyone, for good, on an update command of about 50 or more statements (measured: 50
 * passed, 60 and more hung the server; its pool holds 50 connections), and a rerun over 22,000 calendars sent 500.
 */
async function addMissing(models: Models, keys: ReadonlySet<string>, entries: ReadonlyMap<string, string[]>, closed: ReadonlyMap<string, string[]>): Promise<void> {
  const updates: { key: string; update: object }[] = [];
  const stored = models.Calendar.collection.find({}, { projection: { entries: 1, closed: 1 }, batchSize: 1000 });
  for await (const doc of stored) {
    const key = String(doc._id);
    if (!keys.has(key)) continue;
    const have = new Set((doc.entries as string[] | undefined) ?? []);
    const shut = new Set((doc.closed as string[] | undefined) ?? []);
    const addEntries = [...new Set(entries.get(key) ?? [])].filter((e) => !have.has(e));
    const addClosed = [...new Set(closed.get(key) ?? [])].filter((id) => !shut.has(id));
    if (addEntries.length === 0 && addClosed.length === 0) continue;
    const add: Record<string, { $each: string[] }> = {};
    if (addEntries.length) add.entries = { $each: addEntries };
    if (addClosed.length) add.closed = { $each: addClosed };
    updates.push({ key, update: { $addToSet: add } });
  }
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < updates.length; i = next++) {
      const { key, update } = updates[i]!;
      // Through the calendars' serial writes (db/serialWrites.ts), as the bot's own filings go.
      await models.serial.run(`calendars:${key}`, () => models.Calendar.updateOne({ _id: key }, update));
    }
  };
  await Promise.all(Array.from({ length: Math.min(UPDATE_CONCURRENCY, updates.length) }, worker));
}
