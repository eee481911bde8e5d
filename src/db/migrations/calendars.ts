// Calendars (models/calendar.ts) are kept by every writer of events and reports from now on; events and reports
// stored before they existed are filed here, once, at start (a marker in `migrations` makes later starts one read).
// Also used after bulk inserts that bypass the services (benchmarks, test data).
//
// Safe alongside a running bot and when interrupted: a calendar is inserted whole only where none exists, else its
// entries are added with $addToSet (as the bot's own writes are), so a rerun or a race only adds what is there.
import type { AnyBulkWriteOperation } from "mongoose";
import { bulkWriteErrors, onlyDuplicateKeys } from "../duplicateKey.js";
import { runOnce } from "./once.js";
import { calendarEntry, eventCalendarKeys, type CalendarDoc } from "../models/calendar.js";
import type { Models } from "../models/index.js";

// "-closed": calendars gained `closed` (events that need no report); a store filed before is filed again, once.
const DONE_MARKER = "calendars-filed-closed";
const BATCH = 500;

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
  // load, minutes for 20,000 calendars); those that exist already (a rerun, the bot's own writes) get their entries
  // added with $addToSet, which keeps whatever the bot filed meanwhile.
  const all = [...entries];
  for (let i = 0; i < all.length; i += BATCH) {
    const batch = all.slice(i, i + BATCH);
    const existing = new Set<string>();
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
      for (const w of bulkWriteErrors(err) ?? []) if (w.index >= 0) existing.add(batch[w.index]![0]);
      // Without positions: add to every one of the batch (idempotent).
      if (existing.size === 0) for (const [key] of batch) existing.add(key);
    }
    const ops: AnyBulkWriteOperation<CalendarDoc>[] = batch
      .filter(([key]) => existing.has(key))
      .map(([key, list]) => {
        const shut = closed.get(key);
        const update = shut ? { $addToSet: { entries: { $each: list }, closed: { $each: shut } } } : { $addToSet: { entries: { $each: list } } };
        return { updateOne: { filter: { _id: key }, update } };
      });
    if (ops.length) await models.Calendar.bulkWrite(ops, { ordered: false });
  }
  return read;
}
