// Invite links: create (by an appointer in the bot, or from the shell) and redeem (by /start <token>).
// The token is 144 random bits in base64url (24 characters, inside /start's 64-character limit); only its SHA-256
// is stored. Redemption is decided by a unique-key claim (services/claims.ts), so two people racing on one token: exactly one wins.
// The claim also records when the redemption finished: after that the link never grants again (so a role revoked
// later cannot come back through it); /team also marks the invite (grantRevokedAt). Attempts go through an
// AttemptLimiter first (per person and overall), so guesses never reach the lookup or flood the audit log.
import { createHash, randomBytes } from "node:crypto";
import { isValidObjectId, trusted, Types } from "mongoose";
import type { InviteDoc, Models } from "../db/models/index.js";
import { canAppoint, type DenyReason } from "../domain/permissions.js";
import { ROLE_LEVEL, type Role, type RoleScope } from "../domain/roles.js";
import type { MapView, TerritoryRef } from "../domain/territory.js";
import type { AuditEntry, AuditService } from "./auditService.js";
import type { PersonService, TelegramUserLike } from "./personService.js";
import type { Claims } from "./claims.js";
import type { AttemptLimiter } from "./attemptLimiter.js";
import type { SeatHandover } from "./seatHandover.js";

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
  /** Replacing this holder of the seat: when the link is used, their grant ends and their events pass on. */
  replaces?: number | null;
}

export type CreateInviteResult =
  | { ok: true; token: string; inviteId: string; expiresAt: Date }
  | { ok: false; reason: DenyReason | "unknown_territory" | "bad_days" };

export type RedeemResult =
  /** handedOver: events that became the new holder's, when the link replaced someone (else 0). */
  | { ok: true; invite: StoredInvite; alreadyHeld: boolean; repeated: boolean; handedOver: number }
  | { ok: false; reason: "malformed" | "unknown" | "used" | "expired" | "revoked" }
  /** Too many attempts (services/attemptLimiter.ts): try again at retryAt. */
  | { ok: false; reason: "rate_limited"; retryAt: Date };

type StoredInvite = InviteDoc & { _id: Types.ObjectId };

/** A link not yet used, withdrawn or expired, as /invites lists it. */
export interface PendingInvite {
  id: string;
  role: Role;
  level: TerritoryRef["level"];
  code: string;
  createdBy: number | null;
  createdAt: Date;
  expiresAt: Date;
}

/** Links written per insertMany in createMany. */
const CREATE_BATCH = 500;

/** The "owner" a withdrawal claims an invite under: a redemption racing it loses (see cancel). */
const CANCELLED_OWNER = "cancelled";

export interface InviteService {
  create(input: CreateInviteInput): Promise<CreateInviteResult>;
  /**
   * One link per territory, checked and audited like create's, with the map read once and the links and their
   * audit entries written in batches: a state's 400 seats in seconds instead of minutes. Results in input order.
   */
  createMany(input: Omit<CreateInviteInput, "territory" | "replaces"> & { territories: readonly TerritoryRef[] }): Promise<CreateInviteResult[]>;
  /** Links still open whose seat the actor may appoint to (the national office: all), oldest first. */
  listPending(actor: { telegramId: number; scopes: RoleScope[] }): Promise<PendingInvite[]>;
  /**
   * Withdraws a link: from now on it grants nothing. Exactly once against a redemption at the same moment: both
   * insert the link's claim, and the one that wins decides. Audited.
   */
  cancel(actor: { telegramId: number; scopes: RoleScope[] }, inviteId: string): Promise<{ ok: true; already: boolean } | { ok: false; reason: DenyReason | "not_found" | "used" }>;
  redeem(token: string, user: TelegramUserLike, updateId?: number | null): Promise<RedeemResult>;
  /** Records that the role this invite granted was revoked: the link never grants again. */
  grantRevoked(inviteId: string): Promise<void>;
}

/** A link not yet used, as stored: only the token's hash is kept. */
function newInvite(args: { token: string; role: Role; territory: TerritoryRef; createdBy: number | null; createdAt: Date; expiresAt: Date; replaces: number | null }): InviteDoc {
  return {
    tokenHash: hashToken(args.token),
    role: args.role,
    level: args.territory.level,
    code: args.territory.code,
    createdBy: args.createdBy,
    createdAt: args.createdAt,
    expiresAt: args.expiresAt,
    usedBy: null,
    usedAt: null,
    revokedAt: null,
    grantRevokedAt: null,
    replaces: args.replaces,
  };
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
  /** Limits redemption attempts (per person and overall); absent: unlimited (scripts). */
  limiter?: AttemptLimiter;
  /** Passes a replaced holder's events to the new one (a link made by /team's replace). */
  handover?: SeatHandover;
  now: () => Date;
  random?: (n: number) => Buffer;
}): InviteService {
  const { models, people, audit, map, claims, now } = deps;
  const { Invite } = models;

  /** The PCs and ACs among `territories` that the map has, in two queries ("pc:CODE" / "ac:CODE"). */
  async function existingSeats(territories: readonly TerritoryRef[]): Promise<Set<string>> {
    const codes = (level: "pc" | "ac") => territories.filter((t) => t.level === level).map((t) => t.code);
    const [pcs, acs] = await Promise.all([
      codes("pc").length ? models.Pc.find({ code: trusted({ $in: codes("pc") }) }, { _id: 0, code: 1 }).lean<{ code: string }[]>() : [],
      codes("ac").length ? models.Ac.find({ code: trusted({ $in: codes("ac") }) }, { _id: 0, code: 1 }).lean<{ code: string }[]>() : [],
    ]);
    return new Set([...pcs.map((p) => `pc:${p.code}`), ...acs.map((a) => `ac:${a.code}`)]);
  }

  type Denied = Exclude<RedeemResult, { ok: true } | { reason: "rate_limited" }>;

  async function redeemChecked(token: string, user: TelegramUserLike, updateId: number | null): Promise<RedeemResult> {
    const deny = async (reason: Denied["reason"], inviteId?: string) => {
      await audit.record({
        actorId: user.id,
        action: "invite.redeem",
        outcome: "denied",
        reason,
        ...(inviteId ? { details: { inviteId } } : {}),
        updateId,
      });
      return { ok: false as const, reason };
    };
    if (!TOKEN_RE.test(token)) return deny("malformed");
    const tokenHash = hashToken(token);
    const claimKey = `invite:${tokenHash}`;
    const at = now();

    const invite = await Invite.findOne({ tokenHash }).lean<StoredInvite>();
    if (!invite) return deny("unknown");
    const inviteId = String(invite._id);
    if (invite.revokedAt) return deny("revoked", inviteId);
    const expired = invite.expiresAt.getTime() <= at.getTime();
    let repeated = false;
    if (invite.usedBy !== null && invite.usedBy !== user.id) return deny("used", inviteId);
    if (invite.usedBy === null) {
      if (expired) return deny("expired", inviteId);
      // The race is decided here: exactly one insert of this claim succeeds.
      const claim = await claims.claimOnce(claimKey, String(user.id));
      if (!claim.won && claim.existing.owner === CANCELLED_OWNER) return deny("revoked", inviteId);
      if (!claim.won && claim.existing.owner !== String(user.id)) return deny("used", inviteId);
      repeated = !claim.won;
      await Invite.updateOne({ tokenHash }, { $set: { usedBy: user.id, usedAt: at } });
    } else {
      repeated = true;
    }

    if (repeated) {
      // This person's /start again: a redelivered update, a second tap, or a retry after a crash between the claim
      // and the grant. Only that last case may still grant, and only while nothing says the grant was taken back.
      if (invite.grantRevokedAt) return deny("revoked", inviteId);
      const holds = (await people.get(user.id))?.roles.some((r) => r.code === invite.code) ?? false;
      const claim = await claims.get(claimKey);
      if (claim?.result?.done) {
        // The first redemption finished: nothing more to grant. Not holding the role now means it was revoked.
        if (!holds) return deny("revoked", inviteId);
        await auditOk(user.id, invite, updateId, true);
        return { ok: true, invite, alreadyHeld: false, repeated: true, handedOver: 0 };
      }
      if (expired && !holds) return deny("expired", inviteId);
    }

    await people.touch(user);
    // An expired link never grants (here only on the repeated path, for someone who already holds the role).
    const granted =
      !expired && (await people.grantRole(user.id, { role: invite.role, code: invite.code, grantedBy: invite.createdBy, inviteId }));
    // A replacement: the seat's events pass on, then the old holder's grant ends. Before the claim is marked done,
    // so a crash in between is finished by the next /start of the same link (both steps are idempotent).
    const handedOver = !expired && invite.replaces != null && invite.replaces !== user.id ? await replace(invite, user.id, updateId) : 0;
    // From now on this link never grants again (see the repeated path above).
    await claims.setResult(claimKey, { done: true, granted, at });
    await auditOk(user.id, invite, updateId, repeated);
    return { ok: true, invite, alreadyHeld: !granted && !repeated, repeated, handedOver };
  }

  async function replace(invite: StoredInvite, to: number, updateId: number | null): Promise<number> {
    const from = invite.replaces!;
    const events = (await deps.handover?.handOver({ role: invite.role, code: invite.code, from, to })) ?? 0;
    const old = (await people.get(from))?.roles.find((r) => r.code === invite.code);
    if (old?.inviteId) await Invite.updateOne({ _id: old.inviteId }, { $set: { grantRevokedAt: now() } });
    const revoked = await people.revokeRole(from, invite.code);
    await audit.record({
      actorId: invite.createdBy,
      action: "role.replace",
      outcome: "ok",
      details: { inviteId: String(invite._id), role: invite.role, code: invite.code, from, to, events, revoked },
      updateId,
    });
    return events;
  }

  async function auditOk(actorId: number, invite: StoredInvite, updateId: number | null, repeated: boolean): Promise<void> {
    await audit.record({
      actorId,
      action: "invite.redeem",
      outcome: "ok",
      reason: repeated ? "repeated" : null,
      details: { inviteId: String(invite._id), role: invite.role, code: invite.code, invitedBy: invite.createdBy, repeated },
      updateId,
    });
  }

  async function mayManage(actor: { scopes: RoleScope[] }, invite: { role: Role; level: TerritoryRef["level"]; code: string }, view: MapView): Promise<boolean> {
    return canAppoint(actor.scopes, invite.role, { level: invite.level, code: invite.code }, view).allowed;
  }

  return {
    async listPending(actor) {
      const at = now();
      const open = await Invite.find({ usedBy: null, revokedAt: null, expiresAt: trusted({ $gt: at }) })
        .sort({ createdAt: 1, _id: 1 }) // links made at one moment in the order they were made
        .lean<StoredInvite[]>();
      const view = await map.loadMapView();
      const mine: PendingInvite[] = [];
      for (const i of open) {
        if (!(await mayManage(actor, i, view))) continue;
        mine.push({ id: String(i._id), role: i.role, level: i.level, code: i.code, createdBy: i.createdBy, createdAt: i.createdAt, expiresAt: i.expiresAt });
      }
      return mine;
    },

    async cancel(actor, inviteId) {
      const _id = Types.ObjectId.isValid(inviteId) ? new Types.ObjectId(inviteId) : null;
      const invite = _id ? await Invite.findById(_id).lean<StoredInvite>() : null;
      if (!invite) return { ok: false, reason: "not_found" };
      if (!(await mayManage(actor, invite, await map.loadMapView()))) {
        await audit.record({ actorId: actor.telegramId, action: "invite.cancel", outcome: "denied", reason: "outside_scope", details: { inviteId } });
        return { ok: false, reason: "outside_scope" };
      }
      if (invite.revokedAt) return { ok: true, already: true };
      const claim = await claims.claimOnce(`invite:${invite.tokenHash}`, CANCELLED_OWNER, { cancelledBy: actor.telegramId });
      if (!claim.won && claim.existing.owner !== CANCELLED_OWNER) return { ok: false, reason: "used" };
      await Invite.updateOne({ _id }, { $set: { revokedAt: now() } });
      if (claim.won) await audit.record({ actorId: actor.telegramId, action: "invite.cancel", outcome: "ok", details: { inviteId, role: invite.role, code: invite.code } });
      return { ok: true, already: !claim.won };
    },

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
      const doc = await Invite.create(newInvite({ token, role: input.role, territory: input.territory, createdBy: actorId, createdAt, expiresAt, replaces: input.replaces ?? null }));
      const inviteId = String(doc._id);
      await audit.record({
        actorId,
        action: "invite.create",
        outcome: "ok",
        details: { ...details, inviteId, expiresAt, ...(input.replaces ? { replaces: input.replaces } : {}) },
        updateId: input.updateId ?? null,
      });
      return { ok: true, token, inviteId, expiresAt };
    },

    async createMany(input) {
      const actorId = input.actor?.telegramId ?? null;
      const days = input.days ?? DEFAULT_INVITE_DAYS;
      const updateId = input.updateId ?? null;
      const view = input.actor ? await map.loadMapView() : null;
      const createdAt = now();
      const expiresAt = new Date(createdAt.getTime() + days * DAY_MS);
      const known = await existingSeats(input.territories);
      const refusalFor = async (territory: TerritoryRef): Promise<Exclude<CreateInviteResult, { ok: true }>["reason"] | null> => {
        if (!Number.isInteger(days) || days < 1 || days > MAX_INVITE_DAYS) return "bad_days";
        if (ROLE_LEVEL[input.role] !== territory.level) return "bad_territory";
        if (input.actor && view) {
          const decision = canAppoint(input.actor.scopes, input.role, territory, view);
          if (!decision.allowed) return decision.reason;
        }
        const exists = known.has(`${territory.level}:${territory.code}`) || (await map.exists(territory));
        return exists ? null : "unknown_territory";
      };
      const results: CreateInviteResult[] = [];
      const docs: (InviteDoc & { _id: Types.ObjectId })[] = [];
      const entries: AuditEntry[] = [];
      for (const territory of input.territories) {
        const details = { role: input.role, level: territory.level, code: territory.code };
        const refusal = await refusalFor(territory);
        if (refusal) {
          entries.push({ actorId, action: "invite.create", outcome: "denied", reason: refusal, details, updateId });
          results.push({ ok: false, reason: refusal });
          continue;
        }
        const token = newToken(deps.random);
        const _id = new Types.ObjectId();
        docs.push({ _id, ...newInvite({ token, role: input.role, territory, createdBy: actorId, createdAt, expiresAt, replaces: null }) });
        entries.push({ actorId, action: "invite.create", outcome: "ok", details: { ...details, inviteId: String(_id), expiresAt }, updateId });
        results.push({ ok: true, token, inviteId: String(_id), expiresAt });
      }
      // Links first, then what the audit says of them: a crash between the two leaves links not yet audited,
      // never an audit entry for a link that does not exist. Tokens are random, so no insert can collide.
      for (let i = 0; i < docs.length; i += CREATE_BATCH) await Invite.insertMany(docs.slice(i, i + CREATE_BATCH));
      for (let i = 0; i < entries.length; i += CREATE_BATCH) await audit.recordMany(entries.slice(i, i + CREATE_BATCH));
      return results;
    },

    async redeem(token, user, updateId = null) {
      // Before anything else (even the format check): a flood of guesses must not reach the lookup or the audit log.
      const slot = deps.limiter ? await deps.limiter.acquire(user.id, updateId) : null;
      if (slot && !slot.ok) return { ok: false, reason: "rate_limited", retryAt: slot.retryAt };
      const result = await redeemChecked(token, user, updateId);
      // A first redemption is not a failed attempt: give the slots back. Repeats and refusals keep theirs.
      if (slot && result.ok && !result.repeated) await slot.release();
      return result;
    },

    async grantRevoked(inviteId) {
      if (!isValidObjectId(inviteId)) return;
      await Invite.updateOne({ _id: inviteId }, { $set: { grantRevokedAt: now() } });
    },
  };
}
