// Which events were registered for one seat at one start time, so that a second one can be asked about ("register
// another?") with a read by _id rather than a query over all events (FerretDB's SQLite backend scans anything else).
// An entry may be out of date (the event moved or was cancelled): readers check each event, by _id too.
import { Schema } from "mongoose";

export interface EventSlotEntry {
  eventId: string;
  /** The draft that registered it (eventService's confirmKey); null for an event moved here. */
  confirmKey: string | null;
}

export interface EventSlotDoc {
  /** `<level>:<code>|<start ISO>`: see eventService's slotId. */
  _id: string;
  events: EventSlotEntry[];
}

export const eventSlotSchema = new Schema<EventSlotDoc>(
  {
    _id: { type: String },
    events: { type: [new Schema<EventSlotEntry>({ eventId: { type: String, required: true }, confirmKey: { type: String, default: null } }, { _id: false })], default: [] },
  },
  { versionKey: false },
);
