// One step of the escalation ladder taken: an unreported event reached a level (state team, cluster in-charge,
// national office) and was named in that level's rollup of `day`. Insert-only under a unique _id
// (domain/escalation.ts escalationStepKey): on FerretDB 1.24 only an insert decides "once" under concurrency, so a
// restarted job or a second instance never names an event at a step twice; the rollup of `day` reads its steps back.
import { Schema } from "mongoose";
import type { EscalationLevel } from "../../domain/escalation.js";

export interface EscalationStepDoc {
  _id: string;
  eventId: string;
  level: EscalationLevel;
  /** The local rollup day (YYYY-MM-DD) whose rollup names the event at this level. */
  day: string;
  stateCode: string;
  at: Date;
}

export const escalationStepSchema = new Schema<EscalationStepDoc>({
  _id: { type: String, required: true },
  eventId: { type: String, required: true },
  level: { type: String, required: true },
  day: { type: String, required: true },
  stateCode: { type: String, required: true },
  at: { type: Date, required: true },
});
// The rollup of a day reads the steps of that day and level.
escalationStepSchema.index({ level: 1, day: 1 });
