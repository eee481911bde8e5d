// Who may appoint whom, and who may see what. Pure: decisions depend only on the roles passed in and the map.
//   national admin → anyone, anywhere
//   cluster head   → state team, PC and AC in-charges in the cluster's states
//   state team     → PC and AC in-charges in the state
//   PC / AC in-charge → nobody
import { ROLE_LEVEL, type Role, type RoleScope } from "./roles.js";
import { contains, isWellFormed, type MapView, type TerritoryRef } from "./territory.js";

/** The roles each role may hand out (within its own territory). */
export const APPOINTABLE: Record<Role, readonly Role[]> = {
  national_admin: ["national_admin", "cluster_head", "state_team", "pc_incharge", "ac_incharge"],
  cluster_head: ["state_team", "pc_incharge", "ac_incharge"],
  state_team: ["pc_incharge", "ac_incharge"],
  pc_incharge: [],
  ac_incharge: [],
};

export type Decision = { allowed: true } | { allowed: false; reason: DenyReason };
export type DenyReason = "no_role" | "role_not_appointable" | "outside_scope" | "bad_territory";

const ALLOW: Decision = { allowed: true };
const deny = (reason: DenyReason): Decision => ({ allowed: false, reason });

/** May a person holding `actor` roles appoint `target` role over `territory`? */
export function canAppoint(actor: readonly RoleScope[], target: Role, territory: TerritoryRef, map: MapView): Decision {
  if (ROLE_LEVEL[target] !== territory.level || !isWellFormed(territory)) return deny("bad_territory");
  if (actor.length === 0) return deny("no_role");
  const mayGiveRole = actor.filter((scope) => APPOINTABLE[scope.role].includes(target));
  if (mayGiveRole.length === 0) return deny("role_not_appointable");
  return mayGiveRole.some((scope) => contains(map, scope, territory)) ? ALLOW : deny("outside_scope");
}

/** May the actor revoke `grant` from someone? The same rule as granting it. */
export function canRevoke(actor: readonly RoleScope[], grant: RoleScope, map: MapView): Decision {
  return canAppoint(actor, grant.role, grant, map);
}

/** May the actor see records (events, reports, people, rollups) of `territory`? Any role whose scope contains it. */
export function canView(actor: readonly RoleScope[], territory: TerritoryRef, map: MapView): Decision {
  if (actor.length === 0) return deny("no_role");
  return actor.some((scope) => contains(map, scope, territory)) ? ALLOW : deny("outside_scope");
}

/** The roles the actor may hand out somewhere (for building the /invite menu). */
export function appointableRoles(actor: readonly RoleScope[]): Role[] {
  const set = new Set<Role>();
  for (const scope of actor) for (const r of APPOINTABLE[scope.role]) set.add(r);
  return [...APPOINTABLE.national_admin].filter((r) => set.has(r));
}

/**
 * May the actor appoint `target` to every seat of `area` at once (bulk invites for a state or a cluster)? Only when
 * one of their appointing scopes contains the whole area: a state team asking for its cluster asks for more than it
 * holds, even though some of the seats are its own.
 */
export function canAppointThroughout(actor: readonly RoleScope[], target: Role, area: TerritoryRef, map: MapView): Decision {
  if (actor.length === 0) return deny("no_role");
  const mayGiveRole = actor.filter((scope) => APPOINTABLE[scope.role].includes(target));
  if (mayGiveRole.length === 0) return deny("role_not_appointable");
  return mayGiveRole.some((scope) => contains(map, scope, area)) ? ALLOW : deny("outside_scope");
}
