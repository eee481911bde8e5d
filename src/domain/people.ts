// A person known to the bot, as plain data: a Telegram user with zero or more roles, each scoped to a territory.
// The database stores it as is (db/models/person.ts); every layer above reads this shape.
import type { Language } from "./language.js";
import type { Role, TerritoryLevel } from "./roles.js";

export interface RoleGrant {
  role: Role;
  level: TerritoryLevel;
  code: string;
  grantedBy: number | null; // Telegram id of the appointer; null for bootstrap admins and scripts
  grantedAt: Date;
  inviteId?: string | null;
}

export interface Person {
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
  /** Fingerprint of the command menu last set for their chat (bot/menus.ts); none: the default menus. */
  menuHash?: string | null;
  createdAt?: Date;
  updatedAt?: Date;
}
