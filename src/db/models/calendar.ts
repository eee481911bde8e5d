// Calendars: which events belong to a seat or a person, read by _id, so that "my events" (/report's list, /myevents)
// never query the events collection by anything but _id (FerretDB's SQLite backend scans for any other filter).
//   "pc:<PC code>"      every event in the PC (its own, and its ACs')
//   "ac:<AC code>"      every event in the AC
//   "person:<id>"       every event the person organises (createdBy): theirs, or handed to them
//   "reporter:<id>"     every report the person submitted (the first version's author), at its submission time
// Each entry is "<ISO time>|<event id>": a plain string, so $addToSet and $pull keep a calendar right under any number
// of concurrent writers (on MongoDB; on FerretDB, whose updates are not atomic, within one process: db/serialWrites.ts), and a range of times is a string comparison. The event itself is the truth: an entry may be
// out of date (the event moved, was handed to someone else, was never stored), and readers check every event they
// read. Writers file an event before they change it and again after (services/calendars.ts), so an event is never
// missing from a calendar it belongs to.
// `closed` holds the ids of a calendar's events that need no report any more (reported or cancelled: both are final,
// an event is never reopened), so that /report reads only the events it may list. Added after the event changed;
// a missing id only costs a read.
import { Schema } from "mongoose";

export interface CalendarDoc {
  _id: string;
  entries: string[];
  /** Ids of events here that need no report any more (see above); absent on calendars of reports. */
  closed?: string[];
}

export type CalendarKey = `pc:${string}` | `ac:${string}` | `person:${number}` | `reporter:${number}`;

/** Where an event is filed: what "mine" means (eventService's mineFilter), as keys. */
export interface Fileable {
  id: string;
  startsAt: Date;
  pcCode: string;
  acCode: string | null;
  createdBy: number;
}

export function eventCalendarKeys(event: Pick<Fileable, "pcCode" | "acCode" | "createdBy">): CalendarKey[] {
  const keys: CalendarKey[] = [`pc:${event.pcCode}`, `person:${event.createdBy}`];
  if (event.acCode) keys.push(`ac:${event.acCode}`);
  return keys;
}

export function calendarEntry(at: Date, eventId: string): string {
  return `${at.toISOString()}|${eventId}`;
}

export function parseCalendarEntry(entry: string): { at: string; eventId: string } | null {
  const bar = entry.indexOf("|");
  return bar > 0 ? { at: entry.slice(0, bar), eventId: entry.slice(bar + 1) } : null;
}

export const calendarSchema = new Schema<CalendarDoc>(
  {
    _id: { type: String },
    entries: { type: [String], default: [] },
    closed: { type: [String], default: undefined },
  },
  { versionKey: false },
);
