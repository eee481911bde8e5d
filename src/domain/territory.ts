// Territory codes and the containment tree: country ⊃ cluster ⊃ state ⊃ PC ⊃ AC.
// Codes are short ASCII so they fit in callback_data (64 bytes) with room to spare:
//   country "IN", cluster "<key>", state "IN-UP", PC "IN-UP:P77", AC "IN-UP:A390".
import type { TerritoryLevel } from "./roles.js";

export const COUNTRY_CODE = "IN";

export interface TerritoryRef {
  level: TerritoryLevel;
  code: string;
}

export const COUNTRY: TerritoryRef = { level: "country", code: COUNTRY_CODE };

export function pcCode(stateCode: string, pcNo: number): string {
  return `${stateCode}:P${pcNo}`;
}

export function acCode(stateCode: string, acNo: number): string {
  return `${stateCode}:A${acNo}`;
}

const STATE_RE = /^IN-[A-Z]{2}$/;
const PC_RE = /^(IN-[A-Z]{2}):P(\d{1,3})$/;
const AC_RE = /^(IN-[A-Z]{2}):A(\d{1,3})$/;
const CLUSTER_RE = /^[a-z0-9-]{1,20}$/;

/** Checks a code's shape for its level (not that it exists: that is the map's job). */
export function isWellFormed(ref: TerritoryRef): boolean {
  switch (ref.level) {
    case "country":
      return ref.code === COUNTRY_CODE;
    case "cluster":
      return CLUSTER_RE.test(ref.code);
    case "state":
      return STATE_RE.test(ref.code);
    case "pc":
      return PC_RE.test(ref.code);
    case "ac":
      return AC_RE.test(ref.code);
  }
}

/** The state a state, PC or AC code lies in; undefined for country and cluster. */
export function stateOf(ref: TerritoryRef): string | undefined {
  if (ref.level === "state") return ref.code;
  if (ref.level === "pc") return PC_RE.exec(ref.code)?.[1];
  if (ref.level === "ac") return AC_RE.exec(ref.code)?.[1];
  return undefined;
}

/** What the permission rules need to know about the map, as plain data (no database). */
export interface MapView {
  /** cluster key → its state codes */
  clusters: ReadonlyMap<string, readonly string[]>;
  /** AC code → PC code (an AC's PC cannot be derived from its code) */
  pcOfAc(acCode: string): string | undefined;
}

export function clusterOfState(map: MapView, stateCode: string): string | undefined {
  for (const [key, states] of map.clusters) if (states.includes(stateCode)) return key;
  return undefined;
}

/** True when `inner` lies within (or is) `outer`. */
export function contains(map: MapView, outer: TerritoryRef, inner: TerritoryRef): boolean {
  if (outer.level === "country") return true;
  if (outer.level === inner.level) return outer.code === inner.code;
  if (inner.level === "country") return false;
  if (outer.level === "cluster") {
    if (inner.level === "cluster") return false;
    const st = stateOf(inner);
    return st !== undefined && (map.clusters.get(outer.code) ?? []).includes(st);
  }
  if (outer.level === "state") {
    return inner.level !== "cluster" && stateOf(inner) === outer.code;
  }
  if (outer.level === "pc") {
    return inner.level === "ac" && map.pcOfAc(inner.code) === outer.code;
  }
  return false; // an AC contains nothing but itself
}
