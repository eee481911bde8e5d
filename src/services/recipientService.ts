// Who the jobs write to, and in which language. People who blocked the bot are left out: nothing is queued for
// them, so a notice still in its window reaches them once they write to the bot again (which clears the mark).
import { trusted } from "mongoose";
import type { Models, PersonDoc } from "../db/models/index.js";
import { DEFAULT_LANGUAGE, isLanguage, type Language } from "../domain/language.js";
import type { Role } from "../domain/roles.js";

export interface Recipient {
  telegramId: number;
  lang: Language;
}

export interface RecipientService {
  /** The reachable people among `ids`: id → recipient (blocked or unknown ids are absent). */
  byIds(ids: readonly number[]): Promise<Map<number, Recipient>>;
  /** Holders of `role` over each of `codes` (e.g. cluster heads of each cluster key): code → recipients. */
  holdersOf(role: Role, codes: readonly string[]): Promise<Map<string, Recipient[]>>;
}

type PersonRow = Pick<PersonDoc, "telegramId" | "language" | "roles" | "blockedBotAt">;
const FIELDS = { _id: 0, telegramId: 1, language: 1, roles: 1, blockedBotAt: 1 } as const;

/** The language a job writes in: the one stored for the person (chosen, or Telegram's at first contact), else Hindi. */
export function languageOf(p: Pick<PersonDoc, "language"> | null | undefined): Language {
  return isLanguage(p?.language) ? p.language : DEFAULT_LANGUAGE;
}

function toRecipient(p: PersonRow): Recipient | undefined {
  if (p.blockedBotAt) return undefined;
  return { telegramId: p.telegramId, lang: languageOf(p) };
}

export function createRecipientService(models: Models): RecipientService {
  return {
    async byIds(ids) {
      if (ids.length === 0) return new Map();
      const rows = await models.Person.find({ _id: trusted({ $in: [...new Set(ids)] }) }, FIELDS).lean<PersonRow[]>();
      const out = new Map<number, Recipient>();
      for (const p of rows) {
        const r = toRecipient(p);
        if (r) out.set(p.telegramId, r);
      }
      return out;
    },
    async holdersOf(role, codes) {
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
    },
  };
}
