// Who may send a directive to whom, who receives it, and how deliveries add up: pure rules, no database.
import { describe, expect, it } from "vitest";
import {
  audienceRoles,
  canDirect,
  canSeeDirective,
  checkDirectiveText,
  mayDirect,
  remindTargets,
  selectRecipients,
  senderOf,
  summarizeDeliveries,
  type DeliveryLike,
} from "../../src/domain/directives.js";
import type { RoleScope } from "../../src/domain/roles.js";
import type { MapView } from "../../src/domain/territory.js";

const map: MapView = {
  clusters: new Map([
    ["north", ["IN-UP", "IN-BR"]],
    ["south", ["IN-KA"]],
  ]),
  pcOfAc: (ac) => ({ "IN-UP:A1": "IN-UP:P1", "IN-KA:A9": "IN-KA:P3" })[ac],
};
const national: RoleScope[] = [{ role: "national_admin", level: "country", code: "IN" }];
const northHead: RoleScope[] = [{ role: "cluster_head", level: "cluster", code: "north" }];
const stateTeam: RoleScope[] = [{ role: "state_team", level: "state", code: "IN-UP" }];

describe("who may send a directive", () => {
  it("national office admins and cluster in-charges only", () => {
    expect(mayDirect(national)).toBe(true);
    expect(mayDirect(northHead)).toBe(true);
    expect(mayDirect(stateTeam)).toBe(false);
    expect(mayDirect([])).toBe(false);
    expect(audienceRoles(national)).toContain("national_admin");
    expect(audienceRoles(northHead)).toEqual(["cluster_head", "state_team", "pc_incharge", "ac_incharge"]);
    expect(audienceRoles(stateTeam)).toEqual([]);
  });

  it("a national admin anywhere; a cluster in-charge in their own cluster only", () => {
    const pcs = { roles: ["pc_incharge" as const] };
    expect(canDirect(national, { ...pcs, area: { level: "country", code: "IN" } }, map)).toEqual({ allowed: true });
    expect(canDirect(national, { ...pcs, area: { level: "state", code: "IN-KA" } }, map)).toEqual({ allowed: true });
    expect(canDirect(northHead, { ...pcs, area: { level: "cluster", code: "north" } }, map)).toEqual({ allowed: true });
    expect(canDirect(northHead, { ...pcs, area: { level: "state", code: "IN-BR" } }, map)).toEqual({ allowed: true });
    expect(canDirect(northHead, { ...pcs, area: { level: "cluster", code: "south" } }, map)).toEqual({ allowed: false, reason: "outside_scope" });
    expect(canDirect(northHead, { ...pcs, area: { level: "state", code: "IN-KA" } }, map)).toEqual({ allowed: false, reason: "outside_scope" });
    expect(canDirect(northHead, { ...pcs, area: { level: "country", code: "IN" } }, map)).toEqual({ allowed: false, reason: "outside_scope" });
  });

  it("refuses roles above the sender, empty audiences, odd areas and people without a role", () => {
    const area = { level: "cluster" as const, code: "north" };
    expect(canDirect(northHead, { roles: ["national_admin"], area }, map)).toEqual({ allowed: false, reason: "role_not_appointable" });
    expect(canDirect(national, { roles: [], area }, map)).toEqual({ allowed: false, reason: "role_not_appointable" });
    // One seat is an area too (issue 11): its in-charge, or its ACs'; within the sender's cluster only.
    expect(canDirect(national, { roles: ["pc_incharge"], area: { level: "pc", code: "IN-UP:P1" } }, map)).toEqual({ allowed: true });
    expect(canDirect(northHead, { roles: ["ac_incharge"], area: { level: "ac", code: "IN-UP:A1" } }, map)).toEqual({ allowed: true });
    expect(canDirect(national, { roles: ["pc_incharge"], area: { level: "pc", code: "UP-1" } }, map)).toEqual({ allowed: false, reason: "bad_territory" });
    // People picked by name: at least one, at most 50.
    expect(canDirect(national, { roles: ["pc_incharge"], area: { level: "country", code: "IN" }, people: [] }, map)).toEqual({ allowed: false, reason: "bad_territory" });
    const many = Array.from({ length: 51 }, (_, i) => i + 1);
    expect(canDirect(national, { roles: ["pc_incharge"], area: { level: "country", code: "IN" }, people: many }, map)).toEqual({ allowed: false, reason: "bad_territory" });
    expect(canDirect(national, { roles: ["pc_incharge"], area: { level: "cluster", code: "west" } }, map)).toEqual({ allowed: false, reason: "bad_territory" });
    expect(canDirect(stateTeam, { roles: ["pc_incharge"], area }, map)).toEqual({ allowed: false, reason: "role_not_appointable" });
    expect(canDirect([], { roles: ["pc_incharge"], area }, map)).toEqual({ allowed: false, reason: "no_role" });
  });

  it("lets a cluster in-charge see only directives aimed within their cluster, and signs them as the cluster", () => {
    expect(canSeeDirective(northHead, { level: "state", code: "IN-UP" }, map)).toBe(true);
    expect(canSeeDirective(northHead, { level: "country", code: "IN" }, map)).toBe(false);
    expect(canSeeDirective(national, { level: "state", code: "IN-KA" }, map)).toBe(true);
    expect(senderOf(northHead, { level: "state", code: "IN-UP" }, map)).toEqual({ kind: "cluster", code: "north" });
    expect(senderOf(national, { level: "state", code: "IN-UP" }, map)).toEqual({ kind: "national" });
  });
});

describe("recipients", () => {
  const people = [
    { telegramId: 5, language: "en", roles: [{ role: "pc_incharge" as const, level: "pc" as const, code: "IN-UP:P1" }] },
    { telegramId: 3, language: null, roles: [{ role: "ac_incharge" as const, level: "ac" as const, code: "IN-UP:A1" }] },
    // Two qualifying roles: still one recipient.
    { telegramId: 4, language: "hi", roles: [{ role: "ac_incharge" as const, level: "ac" as const, code: "IN-UP:A1" }, { role: "pc_incharge" as const, level: "pc" as const, code: "IN-UP:P1" }] },
    { telegramId: 9, language: "hi", roles: [{ role: "pc_incharge" as const, level: "pc" as const, code: "IN-KA:P3" }] },
    { telegramId: 1, language: "hi", roles: [{ role: "cluster_head" as const, level: "cluster" as const, code: "north" }] },
    { telegramId: 2, language: "hi", roles: [] },
  ];

  it("everyone with a chosen role inside the area, once, in their language, with their cluster; never the sender", () => {
    const r = selectRecipients(people, { roles: ["pc_incharge", "ac_incharge"], area: { level: "state", code: "IN-UP" } }, map, 4);
    expect(r).toEqual([
      { telegramId: 3, lang: "hi", cluster: "north" },
      { telegramId: 5, lang: "en", cluster: "north" },
    ]);
    const all = selectRecipients(people, { roles: ["pc_incharge", "ac_incharge", "cluster_head"], area: { level: "country", code: "IN" } }, map);
    expect(all.map((x) => x.telegramId)).toEqual([1, 3, 4, 5, 9]);
    expect(all.find((x) => x.telegramId === 9)?.cluster).toBe("south");
    // A cluster in-charge is not "in" a state.
    expect(selectRecipients(people, { roles: ["cluster_head"], area: { level: "state", code: "IN-UP" } }, map)).toEqual([]);
  });

  it("one seat's in-charge, or only the people picked by name who hold a role in the area", () => {
    expect(selectRecipients(people, { roles: ["pc_incharge"], area: { level: "pc", code: "IN-UP:P1" } }, map).map((x) => x.telegramId)).toEqual([4, 5]);
    expect(selectRecipients(people, { roles: ["ac_incharge"], area: { level: "ac", code: "IN-UP:A1" } }, map).map((x) => x.telegramId)).toEqual([3, 4]);
    // 9 is picked but outside the area, 2 holds no role: neither receives it.
    const picked = { roles: ["pc_incharge" as const, "ac_incharge" as const], area: { level: "cluster" as const, code: "north" }, people: [3, 9, 2] };
    expect(selectRecipients(people, picked, map).map((x) => x.telegramId)).toEqual([3]);
  });
});

describe("directive text", () => {
  it("is trimmed, and limited to what one message (or one caption) can carry", () => {
    expect(checkDirectiveText("  Hello  ", false)).toEqual({ ok: true, text: "Hello" });
    expect(checkDirectiveText("   ", false)).toMatchObject({ ok: false, reason: "empty" });
    expect(checkDirectiveText("x".repeat(3501), false)).toMatchObject({ ok: false, reason: "too_long", max: 3500, length: 3501 });
    expect(checkDirectiveText("x".repeat(900), true)).toMatchObject({ ok: false, reason: "too_long", max: 850 });
    expect(checkDirectiveText("x".repeat(900), false)).toMatchObject({ ok: true });
  });
});

describe("adding up deliveries", () => {
  const records: DeliveryLike[] = [
    { personId: 1, group: "north", status: "sent", reason: null },
    { personId: 2, group: "north", status: "sent", reason: null },
    { personId: 3, group: "north", status: "blocked", reason: "blocked" },
    { personId: 4, group: "south", status: "failed", reason: "interrupted" },
    { personId: 5, group: "south", status: "failed", reason: "rejected" },
    { personId: 6, group: null, status: "pending", reason: null },
    { personId: 7, group: "south", status: "failed", reason: "gave_up" },
    { personId: 8, group: "south", status: "failed", reason: "unknown" },
  ];
  const acked = new Set([1, 4]);

  it("counts by status, acknowledgement and cluster, and failures by reason", () => {
    const s = summarizeDeliveries(records, acked);
    expect(s.counts).toEqual({ total: 8, pending: 1, sent: 2, failed: 4, blocked: 1, acknowledged: 2 });
    expect(s.byCluster.get("north")).toEqual({ total: 3, pending: 0, sent: 2, failed: 0, blocked: 1, acknowledged: 1 });
    expect(s.byCluster.get("")).toMatchObject({ total: 1, pending: 1 });
    expect(Object.fromEntries(s.reasons)).toEqual({ blocked: 1, interrupted: 1, rejected: 1, gave_up: 1, unknown: 1 });
  });

  it("reminds those not acknowledged whom a new message may reach", () => {
    // A send without an answer may not have arrived: a reminder (a new message, its own key) is worth it.
    expect(remindTargets(records, acked).map((r) => r.personId)).toEqual([2, 7, 8]);
  });
});
