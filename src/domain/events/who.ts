// Who may register an event where. Pure: the roles passed in and the map decide.
//   PC in-charge   → own PC, or one of its ACs
//   AC in-charge   → own AC
//   state team, cluster head, national office → any PC or AC within their scope, on behalf of its in-charge
import { canView, type Decision } from "../permissions.js";
import type { RoleScope } from "../roles.js";
import { isWellFormed, stateOf, type MapView, type TerritoryRef } from "../territory.js";

/** Events happen in a Lok Sabha (PC) or a Vidhan Sabha (AC) constituency. */
export type EventLevel = "pc" | "ac";

export function isEventLevel(level: string): level is EventLevel {
  return level === "pc" || level === "ac";
}

/** May the actor register (or change, or report) an event in `territory`? */
export function canActOnEventIn(actor: readonly RoleScope[], territory: TerritoryRef, map: MapView): Decision {
  if (!isEventLevel(territory.level) || !isWellFormed(territory)) return { allowed: false, reason: "bad_territory" };
  return canView(actor, territory, map);
}

/** Where an event lies, flat, as events and reports store it (and the rollups filter on). */
export interface EventPlace {
  level: EventLevel;
  code: string;
  stateCode: string;
  pcCode: string;
  acCode: string | null;
}

/** undefined when the territory is not a PC or AC, or an AC whose PC the map does not know. */
export function eventPlace(territory: TerritoryRef, map: Pick<MapView, "pcOfAc">): EventPlace | undefined {
  if (!isEventLevel(territory.level) || !isWellFormed(territory)) return undefined;
  const stateCode = stateOf(territory);
  if (!stateCode) return undefined;
  if (territory.level === "pc") return { level: "pc", code: territory.code, stateCode, pcCode: territory.code, acCode: null };
  const pcCode = map.pcOfAc(territory.code);
  if (!pcCode) return undefined;
  return { level: "ac", code: territory.code, stateCode, pcCode, acCode: territory.code };
}

/** What the /newevent territory step offers a person, from their roles. */
export interface RegistrationOptions {
  /** Their own PCs and ACs, offered first. */
  own: TerritoryRef[];
  /** PCs whose ACs they may pick (PC in-charges). */
  acsOf: string[];
  /** Wider roles: undefined = none; "all" = national; else the state codes and cluster keys in scope. */
  wide: undefined | "all" | { stateCodes: string[]; clusterKeys: string[] };
}

export function registrationOptions(scopes: readonly RoleScope[]): RegistrationOptions {
  const own: TerritoryRef[] = [];
  const acsOf: string[] = [];
  let national = false;
  const stateCodes: string[] = [];
  const clusterKeys: string[] = [];
  for (const s of scopes) {
    if (s.role === "pc_incharge" || s.role === "ac_incharge") {
      if (!own.some((o) => o.code === s.code)) own.push({ level: s.level, code: s.code });
      if (s.role === "pc_incharge" && !acsOf.includes(s.code)) acsOf.push(s.code);
    } else if (s.role === "national_admin") national = true;
    else if (s.role === "state_team") stateCodes.push(s.code);
    else if (s.role === "cluster_head") clusterKeys.push(s.code);
  }
  const wide = national ? "all" : stateCodes.length || clusterKeys.length ? { stateCodes, clusterKeys } : undefined;
  return { own, acsOf, wide };
}

export function mayRegisterAnywhere(options: RegistrationOptions): boolean {
  return options.own.length > 0 || options.acsOf.length > 0 || options.wide !== undefined;
}
