// Calendars (db/models/calendar.ts): events filed under their seats and organiser, reports under their author, so that
// "my events" and "my reports" are a read of one or two documents by _id and then of each event by _id.
//
// Right under concurrent writers without transactions (within one process on FerretDB, whose updates are not atomic:
// db/serialWrites.ts), because every change to an event's time or organiser is
//   1. file(the event as it will be)   before the change: never a moment when it is stored but not filed,
//   2. the change itself,
//   3. unfile(the event as it was)     only a move does this (else stale entries would only pile up),
//   4. refile(its id)                  read it again and file it as it now is.
// Step 4 comes after every writer's own step 3, so whichever change lands last, its writer files the final state after
// every pull that could have removed it. Stale entries left over are harmless: readers check each event.
//
// An event that needs no report any more (reported, or cancelled: both final) is also closed in its calendars, after
// the change, so that /report reads only the open ones. Nothing ever reopens an event, so an id in `closed` is never
// wrong; one missing (a failed write, an event handed to someone else before) is read and checked, as before.
import type { Models } from "../db/models/index.js";
import type { CalendarDoc, CalendarKey, Fileable } from "../db/models/calendar.js";
import { calendarEntry, eventCalendarKeys, parseCalendarEntry } from "../db/models/calendar.js";
import type { EventDoc } from "../db/models/index.js";
import { upsertById } from "../db/duplicateKey.js";

export interface Calendars {
  /** Files an event under its seat(s) and its organiser at its start time. Idempotent. */
  file(event: Fileable): Promise<void>;
  /** Takes out an event's entries at a time (and organiser) it no longer has. */
  unfile(event: Fileable): Promise<void>;
  /** Reads the event by _id and files it as it is now (step 4 above). */
  refile(eventId: EventDoc["_id"]): Promise<void>;
  /** Marks an event as needing no report in its calendars (after it was reported or cancelled). Idempotent. */
  close(event: Pick<Fileable, "id" | "pcCode" | "acCode" | "createdBy">): Promise<void>;
  /** Files a report under its author at the time it was first submitted. Idempotent. */
  fileReport(args: { reporter: number; submittedAt: Date; eventId: string }): Promise<void>;
  /**
   * Ids filed under any of these keys at a time in [from, to] (to excluded unless toInclusive; every time without a
   * range), each once, latest filed time first (so a caller can read only the newest few). Candidates only: the
   * caller reads each by _id and checks it.
   */
  idsBetween(keys: readonly CalendarKey[], range?: { from: Date; to: Date; toInclusive: boolean }, only?: { open: boolean }): Promise<string[]>;
}

export function fileableOf(doc: Pick<EventDoc, "_id" | "startsAt" | "pcCode" | "acCode" | "createdBy">): Fileable {
  return { id: doc._id.toHexString(), startsAt: doc.startsAt, pcCode: doc.pcCode, acCode: doc.acCode ?? null, createdBy: doc.createdBy };
}

export function createCalendars(models: Models): Calendars {
  const { Calendar, Event } = models;

  // Every write to a calendar goes through models.serial: many people's actions write one PC's calendar, and on
  // FerretDB two concurrent updates of one document can lose one (db/serialWrites.ts).
  const write = (key: CalendarKey, update: object) => models.serial.run(`calendars:${key}`, () => upsertById(Calendar, key, update));
  const add = (key: CalendarKey, entry: string) => write(key, { $addToSet: { entries: entry } });

  async function file(event: Fileable): Promise<void> {
    const entry = calendarEntry(event.startsAt, event.id);
    await Promise.all(eventCalendarKeys(event).map((key) => add(key, entry)));
  }

  async function close(event: Pick<Fileable, "id" | "pcCode" | "acCode" | "createdBy">): Promise<void> {
    await Promise.all(eventCalendarKeys(event).map((key) => write(key, { $addToSet: { closed: event.id } })));
  }

  return {
    file,

    async unfile(event) {
      const entry = calendarEntry(event.startsAt, event.id);
      await Promise.all(
        eventCalendarKeys(event).map((key) => models.serial.run(`calendars:${key}`, () => Calendar.updateOne({ _id: key }, { $pull: { entries: entry } }))),
      );
    },

    async refile(eventId) {
      const doc = await Event.findById(eventId, { startsAt: 1, pcCode: 1, acCode: 1, createdBy: 1, status: 1, reportedAt: 1 }).lean<EventDoc>();
      if (!doc) return;
      await file(fileableOf(doc));
      // Closed where it is filed now too (a new organiser's calendar has never seen it).
      if (doc.reportedAt || doc.status === "cancelled") await close(fileableOf(doc));
    },

    close,

    async fileReport({ reporter, submittedAt, eventId }) {
      await add(`reporter:${reporter}`, calendarEntry(submittedAt, eventId));
    },

    async idsBetween(keys, range, only) {
      const lo = range?.from.toISOString() ?? "";
      const hi = range?.to.toISOString() ?? "\uffff";
      const toInclusive = range?.toInclusive ?? true;
      const docs = await Promise.all([...new Set(keys)].map((key) => Calendar.findById(key).lean<CalendarDoc>()));
      // Each id at the latest time it is filed at (a stale entry of a moved event may still be there).
      const latest = new Map<string, string>();
      // Closed in any calendar is closed (a fact of the event); only filed ones can be left out.
      const closed = only?.open ? new Set(docs.flatMap((d) => d?.closed ?? [])) : new Set<string>();
      for (const doc of docs) {
        for (const raw of doc?.entries ?? []) {
          const entry = parseCalendarEntry(raw);
          if (!entry || closed.has(entry.eventId) || entry.at < lo || (toInclusive ? entry.at > hi : entry.at >= hi)) continue;
          const seen = latest.get(entry.eventId);
          if (seen === undefined || entry.at > seen) latest.set(entry.eventId, entry.at);
        }
      }
      // ISO times of one format compare as strings; ties by id, so the order is the same on every read.
      return [...latest].sort(([a, at], [b, bt]) => (at === bt ? (a < b ? -1 : 1) : at > bt ? -1 : 1)).map(([id]) => id);
    },
  };
}
