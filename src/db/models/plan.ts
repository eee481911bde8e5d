// Campaign phases and raised targets. A phase: a programme held at one level (Lok Sabha seats, then assembly seats),
// so many events per seat, between two local days. A raise: a cluster in-charge or state team asking more of every
// seat of a state, or of one seat. Both are inserts under a key (a phase under its draft, a raise under phase, area
// and target), so a double tap or a replay stores one; raises are never updated or deleted (a higher one wins).
import { Schema } from "mongoose";
import type { PhaseLevel } from "../../domain/plans/progress.js";

export interface PlanPhaseDoc {
  /** "ph-" + a random id. */
  _id: string;
  programmeKey: string;
  level: PhaseLevel;
  target: number;
  /** Local days (YYYY-MM-DD, the programme's time zone), both included. */
  startDay: string;
  endDay: string;
  createdBy: number;
  createdAt: Date;
  /** The conversation draft that made it: a replayed Confirm finds its phase. */
  confirmKey: string;
}

export interface PlanRaiseDoc {
  /** "<phase>:<area code>:<target>". */
  _id: string;
  phaseId: string;
  level: "state" | PhaseLevel;
  code: string;
  stateCode: string;
  target: number;
  /** The local day it was made: the extra events are spread from that day to the end. */
  day: string;
  by: number;
  at: Date;
}

export const planPhaseSchema = new Schema<PlanPhaseDoc>({
  _id: { type: String, required: true },
  programmeKey: { type: String, required: true },
  level: { type: String, enum: ["pc", "ac"], required: true },
  target: { type: Number, required: true },
  startDay: { type: String, required: true },
  endDay: { type: String, required: true },
  createdBy: { type: Number, required: true },
  createdAt: { type: Date, required: true },
  confirmKey: { type: String, required: true, unique: true },
});
planPhaseSchema.index({ endDay: 1 });

export const planRaiseSchema = new Schema<PlanRaiseDoc>({
  _id: { type: String, required: true },
  phaseId: { type: String, required: true },
  level: { type: String, enum: ["state", "pc", "ac"], required: true },
  code: { type: String, required: true },
  stateCode: { type: String, required: true },
  target: { type: Number, required: true },
  day: { type: String, required: true },
  by: { type: Number, required: true },
  at: { type: Date, required: true },
});
planRaiseSchema.index({ phaseId: 1, stateCode: 1 });

export function planRaiseId(phaseId: string, code: string, target: number): string {
  return `${phaseId}:${code}:${target}`;
}
