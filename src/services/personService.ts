// People and their roles. Role grants are single-document atomic updates, so a replayed update or two appointers
// acting at once never leave a person with the same role twice.
import { trusted } from "mongoose";
import type { Models, PersonDoc, RoleGrant } from "../db/models/index.js";
import { languageFromTelegram, type Language } from "../i18n.js";
import { ROLE_LEVEL, type Role, type RoleScope } from "../domain/roles.js";
import { COUNTRY } from "../domain/territory.js";
import type { AuditService } from "./auditService.js";
import { markRollupHolders } from "../db/rollupMarks.js";

export interface TelegramUserLike {
  id: number;
  first_name: string;
  language_code?: string;
  last_name?: string;
  username?: string;
}

export interface PersonService {
  get(telegramId: number): Promise<PersonDoc | null>;
  /** Records who wrote to the bot; writes only when something changed. */
  touch(user: TelegramUserLike): Promise<PersonDoc>;
  setLanguage(telegramId: number, language: Language): Promise<void>;
  /** Records the fingerprint of the command menu just set for the person's chat. */
  setMenuHash(telegramId: number, hash: string): Promise<void>;
  /** Adds a role; false when the person already held it there (nothing changed). */
  grantRole(telegramId: number, grant: Omit<RoleGrant, "level" | "grantedAt"> & { grantedAt?: Date }): Promise<boolean>;
  /** Removes the role held over `code`; false when it was not held. */
  revokeRole(telegramId: number, code: string): Promise<boolean>;
  /** People holding any role whose territory lies in one of these states (or is one of these codes). */
  listWithRolesIn(stateCodes: readonly string[], extraCodes?: readonly string[]): Promise<PersonDoc[]>;
  markBlocked(telegramId: number): Promise<void>;
  ensureNationalAdmins(telegramIds: readonly number[]): Promise<number>;
}

export function scopesOf(person: Pick<PersonDoc, "roles"> | null | undefined): RoleScope[] {
  return (person?.roles ?? []).map((r) => ({ role: r.role, level: r.level, code: r.code }));
}

// sanitizeFilter is on (db/connection.ts): query operators written here are marked with mongoose.trusted().
function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * FerretDB 1.24 drops null and empty-array values given in $setOnInsert, and lean reads skip schema defaults, so a
 * stored person may lack `roles` or `language`: fill them in on the way out.
 */
function normalise(doc: PersonDoc | null): PersonDoc | null {
  return doc ? { ...doc, roles: doc.roles ?? [], language: doc.language ?? null } : null;
}

/** A PC or AC in-charge's role: a seat the rollups' vacancies line counts (rollup_holders). */
function isSeat(role: string): boolean {
  return role === "pc_incharge" || role === "ac_incharge";
}

/** `audit`: where the grants from BOOTSTRAP_ADMIN_IDS are recorded (the only grants made by no one). */
export function createPersonService(models: Models, now: () => Date, audit?: Pick<AuditService, "record">): PersonService {
  const { Person } = models;
  // Every write of a person's document, one at a time per person in this process: FerretDB 1.24 writes an updated
  // document back whole (db/serialWrites.ts), so a grant racing a touch of the same person could otherwise lose
  // the grant, or a revoke come back.
  const serially = <T>(telegramId: number, write: () => Promise<T>) => models.serial.run(`people:${telegramId}`, write);

  return {
    get: async (telegramId) => normalise(await Person.findById(telegramId).lean<PersonDoc>()),

    async touch(user) {
      const fields = {
        firstName: user.first_name,
        lastName: user.last_name ?? null,
        username: user.username ?? null,
      };
      const existing = normalise(await Person.findById(user.id).lean<PersonDoc>());
      // Until a person picks a language with /language, they get their Telegram app's. It is stored at first
      // contact so that messages the bot starts (reminders, rollups, directives) use it too.
      const detected = languageFromTelegram(user.language_code);
      const needsLanguage = !existing?.language;
      const unchanged =
        existing &&
        !needsLanguage &&
        existing.firstName === fields.firstName &&
        (existing.lastName ?? null) === fields.lastName &&
        (existing.username ?? null) === fields.username &&
        !existing.blockedBotAt;
      if (unchanged) return existing;
      // Writing to the bot again means they unblocked it.
      const doc = await serially(user.id, () =>
        Person.findOneAndUpdate(
          { _id: user.id },
          {
            $set: { ...fields, blockedBotAt: null, ...(needsLanguage ? { language: detected } : {}) },
            $setOnInsert: { telegramId: user.id },
          },
          { upsert: true, returnDocument: "after" },
        ).lean<PersonDoc>(),
      );
      return normalise(doc)!;
    },

    async setLanguage(telegramId, language) {
      await serially(telegramId, () => Person.updateOne({ _id: telegramId }, { $set: { language } }));
    },

    async setMenuHash(telegramId, hash) {
      // Without touching updatedAt: a menu is not a change to the person.
      await serially(telegramId, () => Person.updateOne({ _id: telegramId }, { $set: { menuHash: hash } }, { timestamps: false }));
    },

    async grantRole(telegramId, grant) {
      const level = ROLE_LEVEL[grant.role as Role];
      const full: RoleGrant = { ...grant, level, grantedAt: grant.grantedAt ?? now(), inviteId: grant.inviteId ?? null };
      // A territory code determines its level and so its role: "no grant with this code yet" is the whole check.
      const res = await serially(telegramId, () =>
        Person.updateOne({ _id: telegramId, "roles.code": trusted({ $ne: grant.code }) }, { $push: { roles: full } }),
      );
      if (res.modifiedCount !== 1) return false;
      if (isSeat(grant.role)) await markRollupHolders(models);
      return true;
    },

    async revokeRole(telegramId, code) {
      // $pull by the whole stored element: FerretDB 1.24 matches $pull documents by equality, not as a query.
      const revoked = await serially(telegramId, async () => {
        const person = await Person.findById(telegramId).lean<PersonDoc>();
        const grant = person?.roles?.find((r) => r.code === code);
        if (!grant) return null;
        const res = await Person.updateOne({ _id: telegramId }, { $pull: { roles: grant } });
        return res.modifiedCount === 1 ? grant : null;
      });
      if (!revoked) return false;
      if (isSeat(revoked.role)) await markRollupHolders(models);
      return true;
    },

    async listWithRolesIn(stateCodes, extraCodes = []) {
      const parts = stateCodes.map((s) => `^${escapeRegex(s)}(:|$)`);
      const or: Record<string, unknown>[] = [];
      if (parts.length) or.push({ "roles.code": trusted({ $regex: parts.join("|") }) });
      if (extraCodes.length) or.push({ "roles.code": trusted({ $in: [...extraCodes] }) });
      if (!or.length) return [];
      const found = await Person.find({ $or: or }).sort({ firstName: 1 }).lean<PersonDoc[]>();
      return found.map((p) => normalise(p)!);
    },

    async markBlocked(telegramId) {
      await serially(telegramId, () => Person.updateOne({ _id: telegramId }, { $set: { blockedBotAt: now() } }));
    },

    async ensureNationalAdmins(telegramIds) {
      let added = 0;
      for (const telegramId of telegramIds) {
        await serially(telegramId, () =>
          Person.updateOne({ _id: telegramId }, { $setOnInsert: { telegramId, firstName: "", roles: [], language: null } }, { upsert: true }),
        );
        const granted = await this.grantRole(telegramId, {
          role: "national_admin",
          code: COUNTRY.code,
          grantedBy: null,
        });
        if (!granted) continue;
        added++;
        // Granted by the configuration, not by a person: actor null, the new admin named in details (so /audit
        // finds it under them), and from then on every action of theirs is audited like anyone's.
        await audit?.record({
          actorId: null,
          action: "role.grant",
          outcome: "ok",
          details: { telegramId, role: "national_admin", code: COUNTRY.code, source: "BOOTSTRAP_ADMIN_IDS" },
        });
      }
      return added;
    },
  };
}
