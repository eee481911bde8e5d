import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { trusted } from "mongoose";
import type { TestDatabase } from "../helpers/db.js";
import { openSeededTestDatabase } from "../helpers/seededDatabase.js";
import { createServices, type Services } from "../../src/services/index.js";
import { hashToken, TOKEN_RE } from "../../src/services/inviteService.js";
import { START_LIMITS } from "../../src/domain/rateLimit.js";

describe("invite service and claims", () => {
  let db: TestDatabase;
  let s: Services;
  let now = new Date("2026-11-26T10:00:00Z");
  beforeAll(async () => {
    db = await openSeededTestDatabase("invite");
    s = createServices({ models: db.models, now: () => now });
  });
  afterAll(async () => {
    await db.drop();
  });

  it("makes 144-bit base64url tokens that fit /start and stores only their hash", async () => {
    const r = await s.invites.create({ actor: null, role: "pc_incharge", territory: { level: "pc", code: "IN-UP:P77" } });
    if (!r.ok) throw new Error(r.reason);
    expect(r.token).toMatch(TOKEN_RE);
    expect(r.token.length).toBeLessThanOrEqual(64);
    const docs = await db.models.Invite.find().lean();
    expect(docs.map((d) => d.tokenHash)).toContain(hashToken(r.token));
    expect(JSON.stringify(docs)).not.toContain(r.token);
    expect(r.expiresAt.getTime() - now.getTime()).toBe(7 * 24 * 3600 * 1000);
  });

  it("refuses unknown territories and bad validity", async () => {
    expect(await s.invites.create({ actor: null, role: "pc_incharge", territory: { level: "pc", code: "IN-UP:P99" } })).toEqual({
      ok: false,
      reason: "unknown_territory",
    });
    expect(await s.invites.create({ actor: null, role: "state_team", territory: { level: "state", code: "IN-UP" }, days: 0 })).toEqual({
      ok: false,
      reason: "bad_days",
    });
  });

  it("createMany checks and audits each link as create does, answering in the order asked", async () => {
    const state = { telegramId: 7_100_000_001, scopes: [{ role: "state_team" as const, level: "state" as const, code: "IN-BR" }] };
    const before = await db.models.Audit.countDocuments({ actorId: state.telegramId });
    const results = await s.invites.createMany({
      actor: state,
      role: "pc_incharge",
      territories: [
        { level: "pc", code: "IN-BR:P1" },
        { level: "pc", code: "IN-UP:P77" }, // another state
        { level: "pc", code: "IN-BR:P99" }, // no such seat
        { level: "ac", code: "IN-BR:A1" }, // not a PC
        { level: "pc", code: "IN-BR:P2" },
      ],
    });
    expect(results.map((r) => (r.ok ? "ok" : r.reason))).toEqual(["ok", "outside_scope", "unknown_territory", "bad_territory", "ok"]);
    const made = results.filter((r) => r.ok);
    const stored = await db.models.Invite.find({ tokenHash: trusted({ $in: made.map((r) => hashToken(r.token)) }) }).lean();
    expect(stored.map((i) => i.code).sort()).toEqual(["IN-BR:P1", "IN-BR:P2"]);
    expect(stored.every((i) => i.createdBy === state.telegramId && i.usedBy === null)).toBe(true);
    const audits = await db.models.Audit.find({ actorId: state.telegramId, action: "invite.create" }).lean();
    expect(audits).toHaveLength(before + 5);
    expect(audits.filter((a) => a.outcome === "ok").map((a) => (a.details as { inviteId: string }).inviteId).sort()).toEqual(
      made.map((r) => r.inviteId).sort(),
    );
    // Findable by record in /audit, like a link made one at a time.
    const page = await s.audit.page({ kind: "record", ref: made[1]!.inviteId }, 0, 10);
    expect(page.entries.map((e) => e.action)).toEqual(["invite.create"]);
    // A link made in bulk works like any other, once.
    const first = made[0]!;
    expect((await s.invites.redeem(first.token, { id: 7_100_000_002, first_name: "Bulk" })).ok).toBe(true);
    expect(await s.invites.redeem(first.token, { id: 7_100_000_003, first_name: "Late" })).toMatchObject({ ok: false, reason: "used" });
  });

  it("lets exactly one of ten concurrent redeemers win", async () => {
    const r = await s.invites.create({ actor: null, role: "ac_incharge", territory: { level: "ac", code: "IN-UP:A390" } });
    if (!r.ok) throw new Error(r.reason);
    const users = Array.from({ length: 10 }, (_, i) => ({ id: 8_000_000_000 + i, first_name: `U${i}` }));
    const results = await Promise.all(users.map((u) => s.invites.redeem(r.token, u)));
    expect(results.filter((x) => x.ok)).toHaveLength(1);
    expect(results.filter((x) => !x.ok && x.reason === "used")).toHaveLength(9);
    const holders = await db.models.Person.find({ "roles.code": "IN-UP:A390" }).lean();
    expect(holders).toHaveLength(1);
    expect(holders[0]!.roles).toHaveLength(1);
  });

  it("claimOnce: one winner among twenty concurrent claims", async () => {
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => s.claims.claimOnce("race:1", `o${i}`)));
    expect(outcomes.filter((o) => o.won)).toHaveLength(1);
    expect(new Set(outcomes.filter((o) => !o.won).map((o) => (o.won ? "" : o.existing.owner))).size).toBe(1);
    expect(await db.models.Claim.countDocuments({ key: "race:1" })).toBe(1);
  });

  it("revokes a role and can grant it again", async () => {
    await s.people.touch({ id: 8_100_000_001, first_name: "R" });
    expect(await s.people.grantRole(8_100_000_001, { role: "state_team", code: "IN-GA", grantedBy: null })).toBe(true);
    expect(await s.people.grantRole(8_100_000_001, { role: "state_team", code: "IN-GA", grantedBy: null })).toBe(false);
    expect(await s.people.revokeRole(8_100_000_001, "IN-GA")).toBe(true);
    expect(await s.people.revokeRole(8_100_000_001, "IN-GA")).toBe(false);
    expect((await s.people.get(8_100_000_001))?.roles).toEqual([]);
    now = new Date(now.getTime() + 1000);
  });
});

const DAY = 24 * 60 * 60 * 1000;
const ADMIN = { telegramId: 8_200_000_000, scopes: [{ role: "national_admin" as const, level: "country" as const, code: "IN" }] };

describe("a used invite link after the role it granted was revoked", () => {
  let db: TestDatabase;
  let s: Services;
  let now = new Date("2026-11-26T10:00:00Z");
  beforeAll(async () => {
    db = await openSeededTestDatabase("invrevoke");
    s = createServices({ models: db.models, now: () => now });
    await s.people.ensureNationalAdmins([ADMIN.telegramId]);
  });
  afterAll(async () => {
    await db.drop();
  });

  async function invite(code: string): Promise<string> {
    const r = await s.invites.create({ actor: null, role: "ac_incharge", territory: { level: "ac", code } });
    if (!r.ok) throw new Error(r.reason);
    return r.token;
  }
  const redeemAudit = (actorId: number) =>
    db.models.Audit.find({ actorId, action: "invite.redeem" }).sort({ at: 1, _id: 1 }).lean();

  it("never grants again once /team revoked the role, before or after the link's expiry, and audits each refusal", async () => {
    const token = await invite("IN-UP:A391");
    const user = { id: 8_200_000_001, first_name: "Revoked" };
    expect(await s.invites.redeem(token, user)).toMatchObject({ ok: true, repeated: false });
    expect(await s.team.revoke(ADMIN.telegramId, ADMIN.scopes, user.id, "IN-UP:A391")).toEqual({ ok: true });
    const stored = await db.models.Invite.findOne({ tokenHash: hashToken(token) }).lean();
    expect(stored?.grantRevokedAt).toBeInstanceOf(Date);

    expect(await s.invites.redeem(token, user)).toEqual({ ok: false, reason: "revoked" });
    now = new Date(now.getTime() + 8 * DAY);
    expect(await s.invites.redeem(token, user)).toEqual({ ok: false, reason: "revoked" });
    expect((await s.people.get(user.id))?.roles).toEqual([]);
    const lines = await redeemAudit(user.id);
    expect(lines.map((l) => [l.outcome, l.reason ?? null])).toEqual([
      ["ok", null],
      ["denied", "revoked"],
      ["denied", "revoked"],
    ]);
    expect(lines[1]!.details).toMatchObject({ inviteId: String(stored!._id) });
  });

  it("never grants again after a revocation that bypassed /team (the claim says the redemption was finished)", async () => {
    const token = await invite("IN-UP:A392");
    const user = { id: 8_200_000_002, first_name: "Pulled" };
    expect(await s.invites.redeem(token, user)).toMatchObject({ ok: true });
    expect(await s.people.revokeRole(user.id, "IN-UP:A392")).toBe(true);
    expect(await s.invites.redeem(token, user)).toEqual({ ok: false, reason: "revoked" });
    expect((await s.people.get(user.id))?.roles).toEqual([]);
  });

  it("finishes a redemption interrupted between the claim and the grant, once, and audits it as repeated", async () => {
    const token = await invite("IN-UP:A393");
    const user = { id: 8_200_000_003, first_name: "Crashed" };
    // What a copy of the bot that crashed right after winning the claim leaves behind.
    expect(await s.claims.claimOnce(`invite:${hashToken(token)}`, String(user.id))).toEqual({ won: true });
    await db.models.Invite.updateOne({ tokenHash: hashToken(token) }, { $set: { usedBy: user.id, usedAt: now } });

    expect(await s.invites.redeem(token, user)).toMatchObject({ ok: true, repeated: true });
    expect((await s.people.get(user.id))?.roles.map((r) => r.code)).toEqual(["IN-UP:A393"]);
    // Redelivered again: nothing more is granted, and the attempt is still audited.
    expect(await s.invites.redeem(token, user)).toMatchObject({ ok: true, repeated: true });
    expect((await s.people.get(user.id))?.roles).toHaveLength(1);
    const lines = await redeemAudit(user.id);
    expect(lines.map((l) => [l.outcome, l.reason])).toEqual([
      ["ok", "repeated"],
      ["ok", "repeated"],
    ]);
  });

  it("does not finish an interrupted redemption once the link has expired", async () => {
    const token = await invite("IN-UP:A394");
    const user = { id: 8_200_000_004, first_name: "Late" };
    expect(await s.claims.claimOnce(`invite:${hashToken(token)}`, String(user.id))).toEqual({ won: true });
    await db.models.Invite.updateOne({ tokenHash: hashToken(token) }, { $set: { usedBy: user.id, usedAt: now } });
    now = new Date(now.getTime() + 8 * DAY);
    expect(await s.invites.redeem(token, user)).toEqual({ ok: false, reason: "expired" });
    expect((await s.people.get(user.id))?.roles ?? []).toEqual([]);
    expect((await redeemAudit(user.id)).map((l) => [l.outcome, l.reason])).toEqual([["denied", "expired"]]);
  });

  it("audits a second /start of a held role as repeated, and a stranger's use of the link as denied", async () => {
    const token = await invite("IN-UP:A395");
    const user = { id: 8_200_000_005, first_name: "Twice" };
    expect(await s.invites.redeem(token, user)).toMatchObject({ ok: true, repeated: false, alreadyHeld: false });
    expect(await s.invites.redeem(token, user)).toMatchObject({ ok: true, repeated: true });
    expect(await s.invites.redeem(token, { id: 8_200_000_006, first_name: "Other" })).toEqual({ ok: false, reason: "used" });
    expect((await redeemAudit(user.id)).map((l) => [l.outcome, l.reason ?? null])).toEqual([
      ["ok", null],
      ["ok", "repeated"],
    ]);
    expect((await redeemAudit(8_200_000_006)).map((l) => l.reason)).toEqual(["used"]);
  });
});

describe("limits on /start token attempts", () => {
  let db: TestDatabase;
  let s: Services;
  let now = new Date("2026-12-01T10:00:00Z");
  const guess = (i: number) => `guess${String(i).padStart(19, "0")}`;
  beforeAll(async () => {
    db = await openSeededTestDatabase("invlimit");
    s = createServices({ models: db.models, now: () => now });
  });
  afterAll(async () => {
    await db.drop();
  });

  async function validToken(code: string): Promise<string> {
    const r = await s.invites.create({ actor: null, role: "ac_incharge", territory: { level: "ac", code } });
    if (!r.ok) throw new Error(r.reason);
    return r.token;
  }

  it("lets 5 of 300 guesses from one person reach the lookup, refuses the rest, and audits a bounded summary", async () => {
    now = new Date("2026-12-01T10:00:00Z");
    const attacker = { id: 8_300_000_001, first_name: "Guesser" };
    const lookups = vi.spyOn(db.models.Invite, "findOne");
    const results = [];
    try {
      for (let i = 0; i < 300; i++) {
        results.push(await s.invites.redeem(guess(i), attacker, 1000 + i));
        now = new Date(now.getTime() + 25); // 25 ms apart, as in the attack: 7.5 s in all
      }
      expect(lookups).toHaveBeenCalledTimes(START_LIMITS.perPerson.max);
    } finally {
      lookups.mockRestore();
    }
    expect(results.slice(0, 5).map((r) => !r.ok && r.reason)).toEqual(Array(5).fill("unknown"));
    const limited = results.slice(5);
    expect(limited.every((r) => !r.ok && r.reason === "rate_limited")).toBe(true);
    expect(limited[0]).toEqual({ ok: false, reason: "rate_limited", retryAt: new Date("2026-12-01T10:10:00Z") });

    // Five refusals in full, then the first rate-limited attempt in full.
    const lines = () => db.models.Audit.find({ actorId: attacker.id, action: "invite.redeem" }).sort({ at: 1, _id: 1 }).lean();
    expect((await lines()).map((l) => l.reason)).toEqual(["unknown", "unknown", "unknown", "unknown", "unknown", "rate_limited"]);
    expect((await lines())[5]).toMatchObject({ updateId: 1005, details: { limit: "p", max: 5 } });

    // Nothing happens to a window still open; once it has ended: one summary line with the count, and it is gone.
    expect(await s.startLimiter.closeWindows()).toEqual({ summarised: 0, deleted: 0 });
    now = new Date("2026-12-01T10:10:00Z");
    const closed = await s.startLimiter.closeWindows();
    expect(closed.summarised).toBe(1);
    const all = await lines();
    expect(all).toHaveLength(7);
    expect(all[6]).toMatchObject({ reason: "rate_limited", details: { summary: true, limit: "p", refused: 295 } });
    expect(await db.models.AttemptLimit.countDocuments({ subject: attacker.id })).toBe(0);
    expect(await db.models.AttemptLimit.countDocuments({ windowEnd: trusted({ $lte: now }) as never })).toBe(0);
    // Run again (another copy of the bot, or the next trigger): nothing more.
    expect(await s.startLimiter.closeWindows()).toEqual({ summarised: 0, deleted: 0 });
    expect(await lines()).toHaveLength(7);
  });

  it("lets exactly 5 of 20 simultaneous guesses from one person through, as several bot copies would", async () => {
    now = new Date("2026-12-01T11:00:00Z");
    const attacker = { id: 8_300_000_002, first_name: "Parallel" };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => s.invites.redeem(guess(i), attacker)));
    expect(results.filter((r) => !r.ok && r.reason === "unknown")).toHaveLength(5);
    expect(results.filter((r) => !r.ok && r.reason === "rate_limited")).toHaveLength(15);
    expect(await db.models.Audit.countDocuments({ actorId: attacker.id, reason: "unknown" })).toBe(5);
    expect(await db.models.Audit.countDocuments({ actorId: attacker.id, reason: "rate_limited" })).toBe(1);
  });

  it("leaves other people alone until the global limit is reached, then refuses everyone until the next minute", async () => {
    now = new Date("2026-12-01T12:00:00Z");
    const one = { id: 8_300_000_010, first_name: "One" };
    for (let i = 0; i < 6; i++) await s.invites.redeem(guess(i), one);
    expect(await s.invites.redeem(guess(99), one)).toMatchObject({ reason: "rate_limited", retryAt: new Date("2026-12-01T12:10:00Z") });

    // Someone else with a real link is not held up by that person's limit, and gives the slot back.
    const newcomer = { id: 8_300_000_011, first_name: "Real" };
    expect(await s.invites.redeem(await validToken("IN-UP:A1"), newcomer)).toMatchObject({ ok: true, repeated: false });

    // Failed attempts from everyone: 5 so far in this minute; 25 more from five people fill the global limit.
    for (let p = 0; p < 5; p++) {
      for (let i = 0; i < 5; i++) {
        expect(await s.invites.redeem(guess(i), { id: 8_300_000_020 + p, first_name: `G${p}` })).toMatchObject({ reason: "unknown" });
      }
    }
    const waiting = { id: 8_300_000_030, first_name: "Waiting" };
    const token = await validToken("IN-UP:A2");
    expect(await s.invites.redeem(token, waiting)).toEqual({
      ok: false,
      reason: "rate_limited",
      retryAt: new Date("2026-12-01T12:01:00Z"),
    });
    expect(await db.models.Audit.findOne({ actorId: waiting.id }).lean()).toMatchObject({ reason: "rate_limited", details: { limit: "g" } });
    expect((await s.people.get(waiting.id))?.roles ?? []).toEqual([]);

    // The next minute, the same link works.
    now = new Date("2026-12-01T12:01:00Z");
    expect(await s.invites.redeem(token, waiting)).toMatchObject({ ok: true, repeated: false });
    expect((await s.people.get(waiting.id))?.roles.map((r) => r.code)).toEqual(["IN-UP:A2"]);
  });

  it("accepts a valid link from a limited person once their window has passed", async () => {
    now = new Date("2026-12-01T13:00:00Z");
    const person = { id: 8_300_000_040, first_name: "Fumbled" };
    for (let i = 0; i < 5; i++) await s.invites.redeem(guess(i), person);
    const token = await validToken("IN-UP:A3");
    expect(await s.invites.redeem(token, person)).toMatchObject({ reason: "rate_limited", retryAt: new Date("2026-12-01T13:10:00Z") });
    now = new Date("2026-12-01T13:10:00Z");
    expect(await s.invites.redeem(token, person)).toMatchObject({ ok: true, repeated: false });
    expect((await s.people.get(person.id))?.roles.map((r) => r.code)).toEqual(["IN-UP:A3"]);
  });
});
