// Who the jobs write to, and in which language. People who blocked the bot are left out: nothing is queued for
// them, so a notice still in its window reaches them once they write to the bot again (which clears the mark).
import { trusted } from "mongoose";
import type { Models, PersonDoc } from "../db/models/index.js";
import type { Role } from "../domain/roles.js";
import { DEFAULT_LANGUAGE, isLanguage, type Language } from "../i18n.js";

export interface Recipient {
  telegramId: number;
  lang: Language;
}

type PersonRow = Pick<PersonDoc, "telegramId" | "language" | "roles" | "blockedBotAt">;
const FIELDS = { _id: 0, telegramId: 1, language: 1, roles: 1, blockedBotAt: 1 } as const;

/** The language a job writes in: the one chosen with /language, else Hindi (Telegram's setting is not stored). */
export function languageOf(p: Pick<PersonDoc, "language">): Language {
  return isLanguage(p.language) ? p.language : DEFAULT_LANGUAGE;
}

function toRecipient(p: PersonRow): Recipient | undefined {
  if (p.blockedBotAt) return undefined;
  return { telegramId: p.telegramId, lang: languageOf(p) };
}

export async function peopleByIds(models: Models, ids: readonly number[]): Promise<Map<number, Recipient>> {
  if (ids.length === 0) return new Map();
  const rows = await models.Person.find({ telegramId: trusted({ $in: [...new Set(ids)] }) }, FIELDS).lean<PersonRow[]>();
  const out = new Map<number, Recipient>();
  for (const p of rows) {
    const r = toRecipient(p);
    if (r) out.set(p.telegramId, r);
  }
  return out;
}

/** Holders of `role` over each of `codes` (e.g. cluster heads of each cluster key): code → recipients. */
export async function holdersOf(models: Models, role: Role, codes: readonly string[]): Promise<Map<string, Recipient[]>> {
  const out = new Map<string, Recipient[]>(codes.map((c) => [c, []]));
  if (codes.length === 0) return out;
  // Filtered again here: "roles.role" and "roles.code" may match different grants of one person.
  const rows = await models.Person.find({ "roles.code": trusted({ $in: [...new Set(codes)] }) }, FIELDS).lean<PersonRow[]>();
  rows.sort((a, b) => a.telegramId - b.telegramId);
  for (const p of rows) {
    const r = toRecipient(p);
    if (!r) continue;
    for (const grant of p.roles ?? []) {
      if (grant.role === role && out.has(grant.code)) out.get(grant.code)!.push(r);
    }
  }
  return out;
}
