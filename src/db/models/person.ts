// A person known to the bot: a Telegram user with zero or more roles, each scoped to a territory.
import { Schema } from "mongoose";
import type { Role, TerritoryLevel } from "../../domain/roles.js";
import type { Language } from "../../domain/language.js";

export interface RoleGrant {
  role: Role;
  level: TerritoryLevel;
  code: string;
  grantedBy: number | null; // Telegram id of the appointer; null for bootstrap admins and scripts
  grantedAt: Date;
  inviteId?: string | null;
}

export interface PersonDoc {
  /** The Telegram id again: the document is keyed by it so that every update reads its person by _id. */
  _id?: number;
  telegramId: number;
  firstName: string;
  lastName?: string | null;
  username?: string | null;
  /** Chosen with /language; null until chosen, when Telegram's language_code decides. */
  language: Language | null;
  roles: RoleGrant[];
  /** Set when Telegram answers 403 (the person blocked the bot); cleared when they write again. */
  blockedBotAt?: Date | null;
  createdAt?: Date;
  updatedAt?: Date;
}

const roleGrantSchema = new Schema<RoleGrant>(
  {
    role: { type: String, required: true },
    level: { type: String, required: true },
    code: { type: String, required: true },
    grantedBy: { type: Number, default: null },
    grantedAt: { type: Date, required: true },
    inviteId: { type: String, default: null },
  },
  { _id: false },
);

export const personSchema = new Schema<PersonDoc>(
  {
    // Keyed by Telegram id: the one read every update makes goes by _id, which every server (FerretDB's SQLite
    // backend included) answers from its primary key instead of scanning the collection.
    _id: { type: Number },
    telegramId: { type: Number, required: true, unique: true },
    // Empty for a bootstrap admin who has not written to the bot yet.
    firstName: { type: String, default: "" },
    lastName: { type: String, default: null },
    username: { type: String, default: null },
    language: { type: String, enum: ["hi", "en", null], default: null },
    roles: { type: [roleGrantSchema], default: [] },
    blockedBotAt: { type: Date, default: null },
  },
  { timestamps: true },
);
// Documents created without an explicit _id (Person.create({ telegramId })) are keyed by their Telegram id.
personSchema.pre("validate", function keyByTelegramId() {
  if (this._id === undefined || this._id === null) this._id = this.telegramId;
});
// "Who holds a role in this territory" (team lists, rollup recipients, directive audiences).
personSchema.index({ "roles.role": 1, "roles.code": 1 });
