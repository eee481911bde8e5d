// The permission matrix: every role × action × territory level, with the expected answer written out by hand
// (not derived from the code under test).
import { describe, expect, it } from "vitest";
import { appointableRoles, canAppoint, canAppointThroughout, canRevoke, canView } from "../../src/domain/permissions.js";
import type { Role, RoleScope } from "../../src/domain/roles.js";
import type { MapView, TerritoryRef } from "../../src/domain/territory.js";

const map: MapView = {
  clusters: new Map([
    ["north", ["IN-UP", "IN-UK"]],
    ["south", ["IN-KA"]],
  ]),
  pcOfAc: (ac) => ({ "IN-UP:A390": "IN-UP:P77", "IN-UP:A1": "IN-UP:P1", "IN-KA:A5": "IN-KA:P1" })[ac],
};

const actors: Record<string, RoleScope[]> = {
  none: [],
  national: [{ role: "national_admin", level: "country", code: "IN" }],
  clusterNorth: [{ role: "cluster_head", level: "cluster", code: "north" }],
  stateUP: [{ role: "state_team", level: "state", code: "IN-UP" }],
  pc77: [{ role: "pc_incharge", level: "pc", code: "IN-UP:P77" }],
  ac390: [{ role: "ac_incharge", level: "ac", code: "IN-UP:A390" }],
};

const targets: { role: Role; t: TerritoryRef; label: string }[] = [
  { role: "national_admin", t: { level: "country", code: "IN" }, label: "national@IN" },
  { role: "cluster_head", t: { level: "cluster", code: "north" }, label: "cluster@north" },
  { role: "cluster_head", t: { level: "cluster", code: "south" }, label: "cluster@south" },
  { role: "state_team", t: { level: "state", code: "IN-UP" }, label: "state@UP" },
  { role: "state_team", t: { level: "state", code: "IN-KA" }, label: "state@KA" },
  { role: "pc_incharge", t: { level: "pc", code: "IN-UP:P77" }, label: "pc@UP77" },
  { role: "pc_incharge", t: { level: "pc", code: "IN-UP:P1" }, label: "pc@UP1" },
  { role: "pc_incharge", t: { level: "pc", code: "IN-KA:P1" }, label: "pc@KA1" },
  { role: "ac_incharge", t: { level: "ac", code: "IN-UP:A390" }, label: "ac@UP390" },
  { role: "ac_incharge", t: { level: "ac", code: "IN-UP:A1" }, label: "ac@UP1" },
  { role: "ac_incharge", t: { level: "ac", code: "IN-KA:A5" }, label: "ac@KA5" },
];

const Y = "allowed";
const NR = "no_role";
const NA = "role_not_appointable";
const OS = "outside_scope";

// rows: actor; columns: the targets above, in order
const appointExpected: Record<string, string[]> = {
  none: [NR, NR, NR, NR, NR, NR, NR, NR, NR, NR, NR],
  national: [Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y],
  clusterNorth: [NA, NA, NA, Y, OS, Y, Y, OS, Y, Y, OS],
  stateUP: [NA, NA, NA, NA, NA, Y, Y, OS, Y, Y, OS],
  pc77: [NA, NA, NA, NA, NA, NA, NA, NA, NA, NA, NA],
  ac390: [NA, NA, NA, NA, NA, NA, NA, NA, NA, NA, NA],
};

const viewExpected: Record<string, string[]> = {
  none: [NR, NR, NR, NR, NR, NR, NR, NR, NR, NR, NR],
  national: [Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y],
  clusterNorth: [OS, Y, OS, Y, OS, Y, Y, OS, Y, Y, OS],
  stateUP: [OS, OS, OS, Y, OS, Y, Y, OS, Y, Y, OS],
  pc77: [OS, OS, OS, OS, OS, Y, OS, OS, Y, OS, OS],
  ac390: [OS, OS, OS, OS, OS, OS, OS, OS, Y, OS, OS],
};

const outcome = (d: { allowed: boolean; reason?: string }) => (d.allowed ? Y : d.reason);

describe("canAppoint and canRevoke: every role × target role × territory", () => {
  for (const [actor, row] of Object.entries(appointExpected)) {
    targets.forEach((target, i) => {
      it(`${actor} → ${target.label}: ${row[i]}`, () => {
        expect(outcome(canAppoint(actors[actor]!, target.role, target.t, map))).toBe(row[i]);
        expect(outcome(canRevoke(actors[actor]!, { role: target.role, ...target.t }, map))).toBe(row[i]);
      });
    });
  }
});

describe("canView: every role × territory level", () => {
  for (const [actor, row] of Object.entries(viewExpected)) {
    targets.forEach((target, i) => {
      it(`${actor} sees ${target.label}: ${row[i]}`, () => {
        expect(outcome(canView(actors[actor]!, target.t, map))).toBe(row[i]);
      });
    });
  }
});

describe("malformed requests", () => {
  it("refuses a role at the wrong level", () => {
    expect(canAppoint(actors.national!, "pc_incharge", { level: "state", code: "IN-UP" }, map)).toEqual({
      allowed: false,
      reason: "bad_territory",
    });
  });
  it("refuses a malformed code", () => {
    expect(canAppoint(actors.national!, "ac_incharge", { level: "ac", code: "IN-UP:P77" }, map).allowed).toBe(false);
    expect(canAppoint(actors.national!, "state_team", { level: "state", code: "UP" }, map).allowed).toBe(false);
  });
  it("combines several roles: the widest applicable scope wins", () => {
    const both = [...actors.pc77!, ...actors.stateUP!];
    expect(canAppoint(both, "ac_incharge", { level: "ac", code: "IN-UP:A1" }, map).allowed).toBe(true);
    expect(appointableRoles(both)).toEqual(["pc_incharge", "ac_incharge"]);
  });
  it("lists appointable roles per role", () => {
    expect(appointableRoles(actors.national!)).toHaveLength(5);
    expect(appointableRoles(actors.clusterNorth!)).toEqual(["state_team", "pc_incharge", "ac_incharge"]);
    expect(appointableRoles(actors.ac390!)).toEqual([]);
  });
});

describe("canAppointThroughout (bulk invites for a whole state or cluster)", () => {
  const north: TerritoryRef = { level: "cluster", code: "north" };
  const up: TerritoryRef = { level: "state", code: "IN-UP" };
  it.each([
    ["national", north, "pc_incharge", "allowed"],
    ["clusterNorth", north, "ac_incharge", "allowed"],
    ["clusterNorth", { level: "cluster", code: "south" }, "pc_incharge", "outside_scope"],
    ["clusterNorth", up, "pc_incharge", "allowed"],
    ["stateUP", up, "ac_incharge", "allowed"],
    // A state team's cluster holds its state and more: larger than its area.
    ["stateUP", north, "pc_incharge", "outside_scope"],
    ["none", up, "pc_incharge", "no_role"],
    ["pc77", up, "ac_incharge", "role_not_appointable"],
  ] as const)("%s for %o as %s: %s", (actor, area, role, want) => {
    const d = canAppointThroughout(actors[actor]!, role as Role, area as TerritoryRef, map);
    expect(d.allowed ? "allowed" : d.reason).toBe(want);
  });
});
