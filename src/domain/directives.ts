// Who may send a directive to whom, who receives it, and how its deliveries add up. Pure: decisions depend only on
// the roles and the map passed in.
//   national office admin → any roles, all India, a cluster or a state
//   cluster in-charge     → the roles below them (and co-heads), in their own cluster or one of its states
import type { Decision, DenyReason } from "./permissions.js";
import { ROLES, type Role, type RoleScope } from "./roles.js";
import { clusterOfState, contains, isWellFormed, stateOf, type MapView, type TerritoryRef } from "./territory.js";
import type { Language } from "./language.js";

/** A directive's one attachment, sent again by Telegram file id. */
export interface DirectiveMedia {
  kind: "photo" | "document";
  fileId: string;
  fileName?: string | null;
}

export const SENDER_ROLES: readonly Role[] = ["national_admin", "cluster_head"];
const CLUSTER_AUDIENCE: readonly Role[] = ["cluster_head", "state_team", "pc_incharge", "ac_incharge"];
const AREA_LEVELS = ["country", "cluster", "state", "pc", "ac"] as const;
/** People picked by name for one directive (a handful: a longer list is an audience by role). */
export const PICKED_PEOPLE_MAX = 50;

/** Plain text of a directive message (Telegram allows 4,096 characters; the header takes some). */
export const TEXT_MAX = 3500;
/** With a photo or document the text is the caption (Telegram allows 1,024 characters). */
export const CAPTION_TEXT_MAX = 850;

export interface Audience {
  roles: Role[];
  /** The whole country, one cluster, one state, one Lok Sabha or one Vidhan Sabha seat. */
  area: TerritoryRef;
  /**
   * People picked by name: only these, each still holding one of `roles` within `area` (the sender's own area), so
   * a pick can never reach beyond what the sender may address.
   */
  people?: number[];
}

export function senderScopes(scopes: readonly RoleScope[]): RoleScope[] {
  return scopes.filter((s) => SENDER_ROLES.includes(s.role));
}

export function mayDirect(scopes: readonly RoleScope[]): boolean {
  return senderScopes(scopes).length > 0;
}

export function isNationalSender(scopes: readonly RoleScope[]): boolean {
  return scopes.some((s) => s.role === "national_admin" && s.level === "country");
}

/** The roles the sender may address, in the chain's order. */
export function audienceRoles(scopes: readonly RoleScope[]): Role[] {
  if (isNationalSender(scopes)) return [...ROLES];
  if (scopes.some((s) => s.role === "cluster_head")) return [...CLUSTER_AUDIENCE];
  return [];
}

/** The clusters a cluster in-charge may address (empty for national admins, who may address all). */
export function senderClusters(scopes: readonly RoleScope[]): string[] {
  return scopes.filter((s) => s.role === "cluster_head" && s.level === "cluster").map((s) => s.code);
}

export function canDirect(scopes: readonly RoleScope[], audience: Audience, map: MapView): Decision {
  if (scopes.length === 0) return deny("no_role");
  if (!mayDirect(scopes)) return deny("role_not_appointable");
  const { area, roles } = audience;
  if (!(AREA_LEVELS as readonly string[]).includes(area.level) || !isWellFormed(area)) return deny("bad_territory");
  if (area.level === "cluster" && !map.clusters.has(area.code)) return deny("bad_territory");
  const allowedRoles = audienceRoles(scopes);
  if (roles.length === 0 || roles.some((r) => !allowedRoles.includes(r))) return deny("role_not_appointable");
  if (audience.people && (audience.people.length === 0 || audience.people.length > PICKED_PEOPLE_MAX)) return deny("bad_territory");
  if (isNationalSender(scopes)) return { allowed: true };
  const inOwnCluster = senderScopes(scopes).some((s) => s.level === "cluster" && contains(map, s, area));
  return inOwnCluster ? { allowed: true } : deny("outside_scope");
}

/** Whose directives someone may list and act on: national admins all; a cluster in-charge those aimed within their cluster. */
export function canSeeDirective(scopes: readonly RoleScope[], area: TerritoryRef, map: MapView): boolean {
  if (isNationalSender(scopes)) return true;
  return senderScopes(scopes).some((s) => s.level === "cluster" && contains(map, s, area));
}

/** Who the directive is from, as recipients should read it. */
export function senderOf(scopes: readonly RoleScope[], area: TerritoryRef, map: MapView): { kind: "national" } | { kind: "cluster"; code: string } {
  if (isNationalSender(scopes)) return { kind: "national" };
  const own = senderScopes(scopes).find((s) => s.level === "cluster" && contains(map, s, area));
  return own ? { kind: "cluster", code: own.code } : { kind: "national" };
}

export interface RecipientCandidate {
  telegramId: number;
  language?: string | null;
  roles?: readonly RoleScope[] | null;
}

export interface Recipient {
  telegramId: number;
  lang: Language;
  /** For the breakdown: the cluster of the grant that made them a recipient (null for national roles). */
  cluster: string | null;
}

export function clusterOfGrant(map: MapView, grant: TerritoryRef): string | null {
  if (grant.level === "country") return null;
  if (grant.level === "cluster") return grant.code;
  const st = stateOf(grant);
  return (st && clusterOfState(map, st)) ?? null;
}

/** Everyone holding one of the roles within the area, once each, except the sender; ordered by Telegram id. */
export function selectRecipients(
  people: readonly RecipientCandidate[],
  audience: Audience,
  map: MapView,
  excludeId?: number,
): Recipient[] {
  const seen = new Set<number>();
  const out: Recipient[] = [];
  const picked = audience.people ? new Set(audience.people) : null;
  for (const p of people) {
    if (p.telegramId === excludeId || seen.has(p.telegramId)) continue;
    if (picked && !picked.has(p.telegramId)) continue;
    const grant = (p.roles ?? []).find((g) => audience.roles.includes(g.role) && contains(map, audience.area, g));
    if (!grant) continue;
    seen.add(p.telegramId);
    out.push({ telegramId: p.telegramId, lang: p.language === "en" ? "en" : "hi", cluster: clusterOfGrant(map, grant) });
  }
  return out.sort((a, b) => a.telegramId - b.telegramId);
}

export type TextCheck = { ok: true; text: string } | { ok: false; reason: "empty" | "too_long"; max: number; length: number };

export function checkDirectiveText(raw: string, withMedia: boolean): TextCheck {
  const text = raw.normalize("NFC").trim();
  const max = withMedia ? CAPTION_TEXT_MAX : TEXT_MAX;
  if (text.length === 0) return { ok: false, reason: "empty", max, length: 0 };
  if (text.length > max) return { ok: false, reason: "too_long", max, length: text.length };
  return { ok: true, text };
}

// --- Adding up deliveries -----------------------------------------------------------------------------------------

export interface DeliveryLike {
  personId: number | null;
  group: string | null;
  status: "pending" | "sent" | "failed" | "blocked";
  reason: string | null;
}

export interface DeliveryCounts {
  total: number;
  pending: number;
  sent: number;
  failed: number;
  blocked: number;
  acknowledged: number;
}

export function emptyCounts(): DeliveryCounts {
  return { total: 0, pending: 0, sent: 0, failed: 0, blocked: 0, acknowledged: 0 };
}

export interface DeliverySummary {
  counts: DeliveryCounts;
  /** By cluster key ("" for national roles). */
  byCluster: Map<string, DeliveryCounts>;
  /** failed/blocked by reason ("blocked", "rejected", "gave_up", "interrupted", "unknown"). */
  reasons: Map<string, number>;
}

export function summarizeDeliveries(records: readonly DeliveryLike[], acknowledged: ReadonlySet<number>): DeliverySummary {
  const counts = emptyCounts();
  const byCluster = new Map<string, DeliveryCounts>();
  const reasons = new Map<string, number>();
  for (const r of records) {
    const bucket = byCluster.get(r.group ?? "") ?? emptyCounts();
    byCluster.set(r.group ?? "", bucket);
    const acked = r.personId !== null && acknowledged.has(r.personId);
    for (const c of [counts, bucket]) {
      c.total++;
      c[r.status]++;
      if (acked) c.acknowledged++;
    }
    if (r.status === "failed" || r.status === "blocked") {
      const reason = r.reason ?? r.status;
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
  }
  return { counts, byCluster, reasons };
}

/**
 * Who a reminder goes to: not acknowledged, and either sent or failed in a way a new message may cure (a crash
 * interrupted the send, the send got no answer, or transient errors made us give up). Blocked people and chats Telegram rejected would
 * only fail again; pending ones have not had the first message yet.
 */
export function remindTargets<T extends DeliveryLike>(records: readonly T[], acknowledged: ReadonlySet<number>): T[] {
  return records.filter(
    (r) =>
      r.personId !== null &&
      !acknowledged.has(r.personId) &&
      (r.status === "sent" || (r.status === "failed" && (r.reason === "interrupted" || r.reason === "unknown" || r.reason === "gave_up"))),
  );
}

function deny(reason: DenyReason): Decision {
  return { allowed: false, reason };
}
