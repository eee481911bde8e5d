// A seat changing hands: the events the old holder organised in the seat's territory that are still ahead or still
// owe a report become the new holder's (createdBy), so reminders, report requests, /myevents and /report follow
// them and the old holder hears no more about them. Who registered each is kept (registeredBy). Idempotent: each
// update is conditional on "organised by the old holder", so running it again (a retry after a crash) moves nothing
// twice. The seat's events are found through its calendar and changed one by one by _id (services/calendars.ts):
// an update by place would scan every event in the country on FerretDB's SQLite backend.
import { trusted } from "mongoose";
import type { EventDoc, Models } from "../db/models/index.js";
import type { CalendarKey } from "../db/models/calendar.js";
import type { Role } from "../domain/roles.js";
import { createCalendars, fileableOf } from "./calendars.js";
import { markRollupEvents } from "../db/rollupMarks.js";
import { parseObjectId } from "./eventService.js";

export interface SeatHandover {
  /** Hands the seat's planned events from `from` to `to`; returns how many changed hands. */
  handOver(args: { role: Role; code: string; from: number; to: number }): Promise<number>;
}

export function createSeatHandover(models: Models, now: () => Date): SeatHandover {
  const { Event } = models;
  const calendars = createCalendars(models);
  return {
    async handOver({ role, code, from, to }) {
      if (from === to) return 0;
      const seat: CalendarKey | null = role === "pc_incharge" ? `pc:${code}` : role === "ac_incharge" ? `ac:${code}` : null;
      if (!seat) return 0; // other seats (state team, cluster head) own no events
      const inSeat = (e: EventDoc) => (role === "pc_incharge" ? e.pcCode === code : e.acCode === code);
      const at = now();
      // Ahead, or held and still without a report: what the new holder has to run or report.
      const isOpen = (e: EventDoc) => e.startsAt >= at || !e.reportedAt;
      const open = [{ startsAt: trusted({ $gte: at }) }, { reportedAt: null }];
      const ids = (await calendars.idsBetween([seat])).map(parseObjectId).filter((id) => id !== null);
      const docs = await Promise.all(ids.map((_id) => Event.findById(_id).lean<EventDoc>()));
      const moved: { code: string; eventId: string }[] = [];
      for (const doc of docs) {
        if (!doc || !inSeat(doc) || doc.createdBy !== from || (doc.status ?? "planned") !== "planned" || !isOpen(doc)) continue;
        await calendars.file(fileableOf({ ...doc, createdBy: to }));
        // The conditions again, in the update: a change made since the read (a move, another handover) is respected.
        // Two updates because registeredBy keeps the first registrant: set it only where no earlier handover did.
        // updatedAt is left alone: the reminder scan reads it as "when the start time was set", so a reminder
        // already due (tomorrow's event) still reaches the new holder at once.
        const base = { _id: doc._id, createdBy: from, status: "planned" as const, $or: open };
        const first = await Event.updateOne({ ...base, registeredBy: null }, { $set: { createdBy: to, registeredBy: from } });
        const again = first.modifiedCount ? first : await Event.updateOne(base, { $set: { createdBy: to } });
        // Each under its own seat (an AC's event of a PC in-charge's is the AC's).
        if (again.modifiedCount) moved.push({ code: doc.code, eventId: doc._id.toHexString() });
        await calendars.refile(doc._id);
      }
      // For the rollups' running totals: the pending events name their organiser (services/rollupTotals.ts).
      await markRollupEvents(models, moved);
      return moved.length;
    },
  };
}
