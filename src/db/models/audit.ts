// Append-only record of what was done and what was refused, and by whom.
import { Schema } from "mongoose";

export interface AuditDoc {
  at: Date;
  actorId: number | null;
  action: string; // e.g. "invite.create", "invite.redeem", "role.revoke", "access.denied"
  outcome: "ok" | "denied" | "failed";
  reason?: string | null;
  updateId?: number | null;
  details?: Record<string, unknown>;
  /** The ids and codes named in details (see services/auditService.ts refsOf): "everything about this record". */
  refs?: string[];
}

export const auditSchema = new Schema<AuditDoc>({
  at: { type: Date, required: true },
  actorId: { type: Number, default: null },
  action: { type: String, required: true },
  outcome: { type: String, required: true, enum: ["ok", "denied", "failed"] },
  reason: { type: String, default: null },
  updateId: { type: Number, default: null },
  details: { type: Schema.Types.Mixed, default: {} },
  refs: { type: [String], default: undefined },
});
auditSchema.index({ at: -1 });
auditSchema.index({ actorId: 1, at: -1 });
auditSchema.index({ action: 1, at: -1 });
auditSchema.index({ refs: 1, at: -1 });
