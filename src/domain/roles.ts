// The chain of responsibility (see the programme brief): each role works at one territory level.
export const ROLES = ["national_admin", "cluster_head", "state_team", "pc_incharge", "ac_incharge"] as const;
export type Role = (typeof ROLES)[number];

export const TERRITORY_LEVELS = ["country", "cluster", "state", "pc", "ac"] as const;
export type TerritoryLevel = (typeof TERRITORY_LEVELS)[number];

export const ROLE_LEVEL: Record<Role, TerritoryLevel> = {
  national_admin: "country",
  cluster_head: "cluster",
  state_team: "state",
  pc_incharge: "pc",
  ac_incharge: "ac",
};

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** A role held over a territory. */
export interface RoleScope {
  role: Role;
  level: TerritoryLevel;
  code: string;
}
