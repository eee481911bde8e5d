// Invite links: create (by an appointer in the bot, or from the shell) and redeem (by /start <token>).
// The token is 144 random bits in base64url (24 characters, inside /start's 64-character limit); only its SHA-256
// is stored. Redemption is decided by a unique-key claim (services/claims.ts), so two people racing on one token: exactly one wins.
import { createHash, randomBytes } from "node:crypto";
import type { Types } from "mongoose";
import type { InviteDoc, Models } from "../db/models/index.js";
import { canAppoint, type DenyReason } from "../domain/permissions.js";
import { ROLE_LEVEL, type Role, type RoleScope } from "../domain/roles.js";
import type { MapView, TerritoryRef } from "../domain/territory.js";
import type { AuditService } from "./auditService.js";
import type { PersonService, TelegramUserLike } from "./personService.js";
import type { Claims } from "./claims.js";

export const TOKEN_BYTES = 18;
export const TOKEN_RE = /^[A-Za-z0-9_-]{24}$/;
export const DEFAULT_INVITE_DAYS = 7;
export const MAX_INVITE_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface InviteMapAccess {
  loadMapView(): Promise<MapView>;
  exists(ref: TerritoryRef): Promise<boolean>;
}

export interface CreateInviteInput {
  /** null: made from the shell by an operator (npm run invite), who is trusted. */
  actor: { telegramId: number; scopes: RoleScope[] } | null;
  role: Role;
  territory: TerritoryRef;
  days?: number;
  updateId?: number | null;
}

export type CreateInviteResult =
  | { ok: true; token: string; inviteId: string; expiresAt: Date }
  | { ok: false; reason: DenyReason | "unknown_territory" | "bad_days" };

export type RedeemResult =
  | { ok: true; invite: StoredInvite; alreadyHeld: boolean; repeated: boolean }
  | { ok: false; reason: "malformed" | "unknown" | "used" | "expired" | "revoked" };

type StoredInvite = InviteDoc & { _id: Types.ObjectId };

export interface InviteService {
  create(input: CreateInviteInput): Promise<CreateInviteResult>;
  redeem(token: string, user: TelegramUserLike, updateId?: number | null): Promise<RedeemResult>;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function newToken(random: (n: number) => Buffer = randomBytes): string {
  return random(TOKEN_BYTES).toString("base64url");
}

export function createInviteService(deps: {
  models: Models;
  people: PersonService;
  audit: AuditService;
  map: InviteMapAccess;
  claims: Claims;
  now: () => Date;
  random?: (n: number) => Buffer;
}): InviteService {
  const { models, people, audit, map, claims, now } = deps;
  const { Invite } = models;

  return {
    async create(input) {
      const actorId = input.actor?.telegramId ?? null;
      const details = { role: input.role, level: input.territory.level, code: input.territory.code };
      const days = input.days ?? DEFAULT_INVITE_DAYS;
      const refuse = async (reason: Exclude<CreateInviteResult, { ok: true }>["reason"]) => {
        await audit.record({ actorId, action: "invite.create", outcome: "denied", reason, details, updateId: input.updateId ?? null });
        return { ok: false as const, reason };
      };
      if (!Number.isInteger(days) || days < 1 || days > MAX_INVITE_DAYS) return refuse("bad_days");
      if (ROLE_LEVEL[input.role] !== input.territory.level) return refuse("bad_territory");
      if (input.actor) {
        const decision = canAppoint(input.actor.scopes, input.role, input.territory, await map.loadMapView());
        if (!decision.allowed) return refuse(decision.reason);
      }
      if (!(await map.exists(input.territory))) return refuse("unknown_territory");

      const token = newToken(deps.random);
      const createdAt = now();
      const expiresAt = new Date(createdAt.getTime() + days * DAY_MS);
      const doc = await Invite.create({
        tokenHash: hashToken(token),
        role: input.role,
        level: input.territory.level,
        code: input.territory.code,
        createdBy: actorId,
        createdAt,
        expiresAt,
        usedBy: null,
        usedAt: null,
        revokedAt: null,
      });
      const inviteId = String(doc._id);
      await audit.record({
        actorId,
        action: "invite.create",
        outcome: "ok",
        details: { ...details, inviteId, expiresAt },
        updateId: input.updateId ?? null,
      });
      return { ok: true, token, inviteId, expiresAt };
    },

    async redeem(token, user, updateId = null) {
      const deny = async (reason: Exclude<RedeemResult, { ok: true }>["reason"]) => {
        await audit.record({ actorId: user.id, action: "invite.redeem", outcome: "denied", reason, updateId });
        return { ok: false as const, reason };
      };
      if (!TOKEN_RE.test(token)) return deny("malformed");
      const tokenHash = hashToken(token);
      const at = now();

      const invite = await Invite.findOne({ tokenHash }).lean<StoredInvite>();
      if (!invite) return deny("unknown");
      if (invite.revokedAt) return deny("revoked");
      let repeated = false;
      if (invite.usedBy !== null) {
        // The same person's /start delivered again (or a crash before the role was granted): finish the job.
        if (invite.usedBy !== user.id) return deny("used");
        repeated = true;
      } else {
        if (invite.expiresAt.getTime() <= at.getTime()) return deny("expired");
        // The race is decided here: exactly one insert of this claim succeeds.
        const claim = await claims.claimOnce(`invite:${tokenHash}`, String(user.id));
        if (!claim.won && claim.existing.owner !== String(user.id)) return deny("used");
        repeated = !claim.won;
        await Invite.updateOne({ tokenHash }, { $set: { usedBy: user.id, usedAt: at } });
      }

      await people.touch(user);
      const granted = await people.grantRole(user.id, {
        role: invite.role,
        code: invite.code,
        grantedBy: invite.createdBy,
        inviteId: String(invite._id),
      });
      if (!repeated) {
        await audit.record({
          actorId: user.id,
          action: "invite.redeem",
          outcome: "ok",
          details: { inviteId: String(invite._id), role: invite.role, code: invite.code, invitedBy: invite.createdBy },
          updateId,
        });
      }
      return { ok: true, invite, alreadyHeld: !granted && !repeated, repeated };
    },
  };
}
