// An event: one meeting of a programme in one constituency at one time. Where it is (state, PC, AC) is stored flat
// and indexed because the rollups and reminders select events by place and by start time.
import { Schema, type Types } from "mongoose";
import type { EventLevel, EventStatus } from "../../domain/events/index.js";

export interface EventDoc {
  _id: Types.ObjectId;
  programmeKey: string;
  level: EventLevel;
  /** The territory code of `level` (a PC or AC code). */
  code: string;
  stateCode: string;
  pcCode: string;
  acCode: string | null;
  /** UTC. */
  startsAt: Date;
  venue: string;
  location: { latitude: number; longitude: number } | null;
  expectedAttendance: number;
  notes: string;
  status: EventStatus;
  /**
   * Telegram id of the event's organiser: whoever registered it (an in-charge, or a state team member on their
   * behalf), or the seat's new holder it was handed to (services/seatHandover.ts, review's reassign).
   */
  createdBy: number;
  /** Who registered it, once it has been handed to another organiser; absent (or null) while createdBy still is. */
  registeredBy?: number | null;
  createdAt: Date;
  updatedAt: Date;
  /** Set when the first report is stored: "has a report" without reading reports. */
  reportedAt: Date | null;
  cancelledAt?: Date | null;
  cancelledBy?: number | null;
}

const locationSchema = new Schema(
  { latitude: { type: Number, required: true }, longitude: { type: Number, required: true } },
  { _id: false },
);

export const eventSchema = new Schema<EventDoc>({
  programmeKey: { type: String, required: true },
  level: { type: String, enum: ["pc", "ac"], required: true },
  code: { type: String, required: true },
  stateCode: { type: String, required: true },
  pcCode: { type: String, required: true },
  acCode: { type: String, default: null },
  startsAt: { type: Date, required: true },
  venue: { type: String, required: true },
  location: { type: locationSchema, default: null },
  expectedAttendance: { type: Number, required: true },
  notes: { type: String, default: "" },
  status: { type: String, enum: ["planned", "cancelled"], default: "planned" },
  createdBy: { type: Number, required: true },
  registeredBy: { type: Number, default: null },
  createdAt: { type: Date, required: true },
  updatedAt: { type: Date, required: true },
  reportedAt: { type: Date, default: null },
  cancelledAt: { type: Date, default: null },
  cancelledBy: { type: Number, default: null },
});
eventSchema.index({ stateCode: 1, startsAt: 1 });
eventSchema.index({ pcCode: 1, startsAt: 1 });
eventSchema.index({ acCode: 1, startsAt: 1 });
eventSchema.index({ createdBy: 1, startsAt: 1 });
eventSchema.index({ startsAt: 1 });
