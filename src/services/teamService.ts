// The people an appointer manages: list the role grants they could have made, revoke one, or replace its holder
// (a single-use link for the seat: when the new person uses it, they hold the seat, the old holder no longer does,
// and the seat's planned events pass to the new holder: inviteService.ts, seatHandover.ts).
import { canRevoke, type DenyReason } from "../domain/permissions.js";
import type { RoleScope } from "../domain/roles.js";
import type { MapView } from "../domain/territory.js";
import type { PersonDoc, RoleGrant } from "../db/models/index.js";
import type { AuditService } from "./auditService.js";
import type { PersonService } from "./personService.js";
import type { InviteService } from "./inviteService.js";

export interface TeamEntry {
  telegramId: number;
  firstName: string;
  lastName: string | null;
  username: string | null;
  grant: RoleScope;
  blocked: boolean;
}

export type RevokeResult = { ok: true } | { ok: false; reason: DenyReason | "not_held" | "self" };
export type ReplaceResult =
  | { ok: true; token: string; expiresAt: Date; grant: RoleScope }
  | { ok: false; reason: DenyReason | "not_held" | "self" | "unknown_territory" | "bad_days" };

export interface TeamService {
  list(actorId: number, actorScopes: readonly RoleScope[]): Promise<TeamEntry[]>;
  revoke(actorId: number, actorScopes: readonly RoleScope[], targetId: number, code: string, updateId?: number | null): Promise<RevokeResult>;
  /** A link that makes whoever uses it the seat's holder in place of `targetId` (who keeps it until then). Audited. */
  replace(actorId: number, actorScopes: readonly RoleScope[], targetId: number, code: string, updateId?: number | null): Promise<ReplaceResult>;
}

const LEVEL_ORDER = { country: 0, cluster: 1, state: 2, pc: 3, ac: 4 } as const;

export function createTeamService(deps: {
  people: PersonService;
  audit: AuditService;
  /** Told about revoked grants that came from an invite, so that the link cannot bring the role back. */
  invites?: Pick<InviteService, "grantRevoked" | "create">;
  loadMapView(): Promise<MapView>;
}): TeamService {
  const { people, audit } = deps;

  /** States (and, for national admins, cluster and country codes) whose role holders the actor might manage. */
  function searchSpace(scopes: readonly RoleScope[], map: MapView): { states: string[]; codes: string[] } {
    if (scopes.some((s) => s.level === "country")) {
      return { states: [...new Set([...map.clusters.values()].flat())], codes: ["IN", ...map.clusters.keys()] };
    }
    const states = new Set<string>();
    for (const s of scopes) {
      if (s.level === "cluster") for (const st of map.clusters.get(s.code) ?? []) states.add(st);
      if (s.level === "state") states.add(s.code);
    }
    return { states: [...states], codes: [] };
  }

  return {
    async list(actorId, actorScopes) {
      const map = await deps.loadMapView();
      const space = searchSpace(actorScopes, map);
      const found: PersonDoc[] = await people.listWithRolesIn(space.states, space.codes);
      const entries: TeamEntry[] = [];
      for (const p of found) {
        if (p.telegramId === actorId) continue;
        for (const g of p.roles as RoleGrant[]) {
          const grant = { role: g.role, level: g.level, code: g.code };
          if (!canRevoke(actorScopes, grant, map).allowed) continue;
          entries.push({
            telegramId: p.telegramId,
            firstName: p.firstName,
            lastName: p.lastName ?? null,
            username: p.username ?? null,
            grant,
            blocked: Boolean(p.blockedBotAt),
          });
        }
      }
      return entries.sort(
        (a, b) =>
          LEVEL_ORDER[a.grant.level] - LEVEL_ORDER[b.grant.level] ||
          a.grant.code.localeCompare(b.grant.code, "en", { numeric: true }) ||
          a.firstName.localeCompare(b.firstName),
      );
    },

    async revoke(actorId, actorScopes, targetId, code, updateId = null) {
      const target = await people.get(targetId);
      const grant = target?.roles.find((r) => r.code === code);
      const details = { targetId, code, role: grant?.role };
      const refuse = async (reason: Exclude<RevokeResult, { ok: true }>["reason"]) => {
        await audit.record({ actorId, action: "role.revoke", outcome: "denied", reason, details, updateId });
        return { ok: false as const, reason };
      };
      if (targetId === actorId) return refuse("self");
      if (!grant) return refuse("not_held");
      const decision = canRevoke(actorScopes, { role: grant.role, level: grant.level, code: grant.code }, await deps.loadMapView());
      if (!decision.allowed) return refuse(decision.reason);
      // The invite first: a crash between the two leaves the role held (revoke again) and never the link usable.
      if (grant.inviteId) await deps.invites?.grantRevoked(grant.inviteId);
      const removed = await people.revokeRole(targetId, code);
      if (!removed) return refuse("not_held");
      await audit.record({ actorId, action: "role.revoke", outcome: "ok", details, updateId });
      return { ok: true };
    },

    async replace(actorId, actorScopes, targetId, code, updateId = null) {
      const target = await people.get(targetId);
      const grant = target?.roles.find((r) => r.code === code);
      const details = { targetId, code, role: grant?.role };
      const refuse = async (reason: Exclude<ReplaceResult, { ok: true }>["reason"]) => {
        await audit.record({ actorId, action: "role.replace", outcome: "denied", reason, details, updateId });
        return { ok: false as const, reason };
      };
      if (targetId === actorId) return refuse("self");
      if (!grant || !deps.invites) return refuse("not_held");
      const seat = { role: grant.role, level: grant.level, code: grant.code };
      const decision = canRevoke(actorScopes, seat, await deps.loadMapView());
      if (!decision.allowed) return refuse(decision.reason);
      // The invite service checks the appointment itself and audits the link (with whom it replaces).
      const link = await deps.invites.create({
        actor: { telegramId: actorId, scopes: [...actorScopes] },
        role: grant.role,
        territory: { level: grant.level, code: grant.code },
        replaces: targetId,
        updateId,
      });
      if (!link.ok) return refuse(link.reason);
      await audit.record({ actorId, action: "role.replace", outcome: "ok", reason: "link", details: { ...details, inviteId: link.inviteId }, updateId });
      return { ok: true, token: link.token, expiresAt: link.expiresAt, grant: seat };
    },
  };
}
