// A seat changing hands: the events the old holder organised in the seat's territory that are still ahead or still
// owe a report become the new holder's (createdBy), so reminders, report requests, /myevents and /report follow
// them and the old holder hears no more about them. Who registered each is kept (registeredBy). Idempotent: the
// filter is "organised by the old holder", so running it again (a retry after a crash) moves nothing twice.
import { trusted } from "mongoose";
import type { Models } from "../db/models/index.js";
import type { Role } from "../domain/roles.js";

export interface SeatHandover {
  /** Hands the seat's planned events from `from` to `to`; returns how many changed hands. */
  handOver(args: { role: Role; code: string; from: number; to: number }): Promise<number>;
}

export function createSeatHandover(models: Models, now: () => Date): SeatHandover {
  const { Event } = models;
  return {
    async handOver({ role, code, from, to }) {
      if (from === to) return 0;
      const place = role === "pc_incharge" ? { pcCode: code } : role === "ac_incharge" ? { acCode: code } : null;
      if (!place) return 0; // other seats (state team, cluster head) own no events
      const at = now();
      // Ahead, or held and still without a report: what the new holder has to run or report. Two updates because
      // registeredBy keeps the first registrant: set it only where no earlier handover did.
      const open = [{ startsAt: trusted({ $gte: at }) }, { reportedAt: null }];
      const base = { ...place, createdBy: from, status: "planned" as const };
      // updatedAt is left alone: the reminder scan reads it as "when the start time was set", so a reminder already
      // due (tomorrow's event) still reaches the new holder at once.
      const first = await Event.updateMany({ ...base, registeredBy: null, $or: open }, { $set: { createdBy: to, registeredBy: from } });
      const again = await Event.updateMany({ ...base, $or: open }, { $set: { createdBy: to } });
      return first.modifiedCount + again.modifiedCount;
    },
  };
}
