// A person known to the bot: a Telegram user with zero or more roles, each scoped to a territory.
import { Schema } from "mongoose";
import type { Person, RoleGrant } from "../../domain/people.js";

// The shape lives in the domain; the model only stores it.
export type { RoleGrant };
export type PersonDoc = Person;

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
    menuHash: { type: String, default: null },
  },
  { timestamps: true },
);
// Documents created without an explicit _id (Person.create({ telegramId })) are keyed by their Telegram id.
personSchema.pre("validate", function keyByTelegramId() {
  if (this._id === undefined || this._id === null) this._id = this.telegramId;
});
// "Who holds a role in this territory" (team lists, rollup recipients, directive audiences).
personSchema.index({ "roles.role": 1, "roles.code": 1 });
