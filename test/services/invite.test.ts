import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../helpers/db.js";
import { createServices, type Services } from "../../src/services/index.js";
import { hashToken, TOKEN_RE } from "../../src/services/inviteService.js";

describe("invite service and claims", () => {
  let db: TestDatabase;
  let s: Services;
  let now = new Date("2026-11-26T10:00:00Z");
  beforeAll(async () => {
    db = await openTestDatabase("invite");
    s = createServices({ models: db.models, now: () => now });
    await s.map.seedMap();
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
