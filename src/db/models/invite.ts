// A single-use invite link. Only the SHA-256 of the token is stored: a database leak does not leak usable links.
import { Schema } from "mongoose";
import type { Role, TerritoryLevel } from "../../domain/roles.js";

export interface InviteDoc {
  tokenHash: string;
  role: Role;
  level: TerritoryLevel;
  code: string;
  createdBy: number | null; // null when made from the shell (npm run invite)
  createdAt: Date;
  expiresAt: Date;
  usedBy: number | null;
  usedAt: Date | null;
  /** The link was withdrawn before use. */
  revokedAt: Date | null;
  /** The role this link granted was revoked (teamService): the link never grants again. */
  grantRevokedAt?: Date | null;
  /** A replacement (/team): the holder whose grant of this seat ends, and whose events pass on, when it is used. */
  replaces?: number | null;
}

export const inviteSchema = new Schema<InviteDoc>({
  tokenHash: { type: String, required: true, unique: true },
  role: { type: String, required: true },
  level: { type: String, required: true },
  code: { type: String, required: true },
  createdBy: { type: Number, default: null },
  createdAt: { type: Date, required: true },
  expiresAt: { type: Date, required: true },
  usedBy: { type: Number, default: null },
  usedAt: { type: Date, default: null },
  revokedAt: { type: Date, default: null },
  grantRevokedAt: { type: Date, default: null },
  replaces: { type: Number, default: null },
});
inviteSchema.index({ createdBy: 1, createdAt: -1 });
