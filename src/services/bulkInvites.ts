// Invites for every vacant seat of a state or a cluster at once (day one: about 4,700 seats to fill), as one
// spreadsheet with a single-use link per seat. The area must lie wholly within the actor's (checked before any link
// is made, so a request larger than one's area makes nothing). A seat is vacant when nobody holds that role there
// and no open link is waiting for it (so running it twice does not hand out two links for one seat). The links are
// made by inviteService.createMany, checked and audited like any other link, in batches; the tokens exist only in
// the file returned (the database keeps their hashes).
import { trusted } from "mongoose";
import type { Models } from "../db/models/index.js";
import { canAppointThroughout } from "../domain/permissions.js";
import type { Role, RoleScope } from "../domain/roles.js";
import type { TerritoryRef } from "../domain/territory.js";
import type { InviteService } from "./inviteService.js";
import type { MapService } from "./mapService.js";
import { tableToCsv, tableToXlsx, type Table } from "./spreadsheet.js";

export type SeatRole = Extract<Role, "pc_incharge" | "ac_incharge">;

export interface SeatLink {
  stateCode: string;
  stateName: string;
  stateNameHi: string;
  code: string;
  no: number;
  name: string;
  /** For an AC, its Lok Sabha seat's name. */
  pcName: string | null;
  link: string;
  expiresAt: Date;
}

export type BulkResult = { ok: true; links: SeatLink[]; skippedWithOpenLink: number; refused: number } | { ok: false; reason: "no_seats" | "outside_scope" | "unknown_territory" };

/** The area of a bulk request: one state, or every state of one cluster. */
export type BulkArea = { stateCode: string; clusterKey?: undefined } | { clusterKey: string; stateCode?: undefined };

export interface BulkInviteService {
  /**
   * Links for the vacant `role` seats of a state or a cluster; `actor` null from the shell (trusted, like npm run
   * invite). An area not wholly within the actor's is refused ("outside_scope") before anything is made.
   */
  forVacantSeats(args: { actor: { telegramId: number; scopes: RoleScope[] } | null; role: SeatRole; days?: number; botUsername: string } & BulkArea): Promise<BulkResult>;
}

export function createBulkInviteService(deps: {
  models: Models;
  now: () => Date;
  invites: Pick<InviteService, "createMany">;
  map: Pick<MapService, "getState" | "getCluster" | "listStates" | "loadMapView">;
}): BulkInviteService {
  const { models } = deps;
  return {
    async forVacantSeats({ actor, role, stateCode, clusterKey, days, botUsername }) {
      const area: TerritoryRef = clusterKey !== undefined ? { level: "cluster", code: clusterKey } : { level: "state", code: stateCode };
      const cluster = clusterKey !== undefined ? await deps.map.getCluster(clusterKey) : null;
      if (clusterKey !== undefined && !cluster) return { ok: false, reason: "unknown_territory" };
      // Map order (by name) for the rows, so a cluster's sheet reads state by state.
      const states = (await deps.map.listStates()).filter((s) => (cluster ? cluster.stateCodes.includes(s.code) : s.code === stateCode));
      if (!cluster && states.length === 0) return { ok: false, reason: "unknown_territory" };
      if (actor && !canAppointThroughout(actor.scopes, role, area, await deps.map.loadMapView()).allowed) return { ok: false, reason: "outside_scope" };
      const stateOf = new Map(states.map((s, i) => [s.code, { ...s, order: i }]));
      const inStates = { stateCode: trusted({ $in: [...stateOf.keys()] }) };
      const bySeat = (a: { stateCode: string; no: number }, b: { stateCode: string; no: number }) => stateOf.get(a.stateCode)!.order - stateOf.get(b.stateCode)!.order || a.no - b.no;
      const seats = (
        role === "pc_incharge"
          ? (await models.Pc.find(inStates).lean()).map((p) => ({ stateCode: p.stateCode, code: p.code, no: p.no, name: p.name, pcCode: null as string | null }))
          : (await models.Ac.find(inStates).lean()).map((a) => ({ stateCode: a.stateCode, code: a.code, no: a.no, name: a.name, pcCode: a.pcCode as string | null }))
      ).sort(bySeat);
      if (seats.length === 0) return { ok: false, reason: "no_seats" };
      const codes = seats.map((s) => s.code);
      const [holders, open, pcs] = await Promise.all([
        models.Person.find({ "roles.code": trusted({ $in: codes }) }, { _id: 0, roles: 1 }).lean<{ roles: { role: string; code: string }[] }[]>(),
        models.Invite.find({ code: trusted({ $in: codes }), role, usedBy: null, revokedAt: null, expiresAt: trusted({ $gt: deps.now() }) }, { _id: 0, code: 1 }).lean<{ code: string }[]>(),
        role === "ac_incharge" ? models.Pc.find(inStates, { _id: 0, code: 1, name: 1 }).lean<{ code: string; name: string }[]>() : Promise.resolve([]),
      ]);
      const held = new Set(holders.flatMap((p) => p.roles.filter((g) => g.role === role).map((g) => g.code)));
      const waiting = new Set(open.map((i) => i.code));
      const pcName = new Map(pcs.map((p) => [p.code, p.name]));
      const vacant = seats.filter((seat) => !held.has(seat.code) && !waiting.has(seat.code));
      const level = role === "pc_incharge" ? "pc" : "ac";
      const made = await deps.invites.createMany({ actor, role, territories: vacant.map((seat) => ({ level, code: seat.code })), days });
      const links: SeatLink[] = [];
      let refused = 0;
      vacant.forEach((seat, i) => {
        const result = made[i]!;
        if (!result.ok) {
          // The area was checked above; a refusal here (a role taken away meanwhile, a bad --days) is counted.
          refused++;
          return;
        }
        const state = stateOf.get(seat.stateCode)!;
        links.push({
          stateCode: seat.stateCode,
          stateName: state.name,
          stateNameHi: state.nameHi,
          code: seat.code,
          no: seat.no,
          name: seat.name,
          pcName: seat.pcCode ? (pcName.get(seat.pcCode) ?? null) : null,
          link: `https://t.me/${botUsername}?start=${result.token}`,
          expiresAt: result.expiresAt,
        });
      });
      return { ok: true, links, skippedWithOpenLink: seats.filter((s) => waiting.has(s.code) && !held.has(s.code)).length, refused };
    },
  };
}

/** Column headings in both languages: the sheet goes to state teams who read either. */
const HEADINGS = {
  state: "State / राज्य",
  no: "No. / क्रमांक",
  seat: "Seat / सीट",
  pc: "Lok Sabha seat / लोकसभा सीट",
  link: "Invite link (single use) / आमंत्रण लिंक (एक बार)",
  expires: "Expires / समाप्ति",
};

/** One row per seat, the state's name in both languages; an AC's row names its Lok Sabha seat. */
function linksTable(links: readonly SeatLink[], role: SeatRole): Table {
  const ac = role === "ac_incharge";
  return {
    columns: [HEADINGS.state, HEADINGS.no, HEADINGS.seat, ...(ac ? [HEADINGS.pc] : []), HEADINGS.link, HEADINGS.expires],
    widths: [28, 10, 28, ...(ac ? [28] : []), 60, 22],
    rows: links.map((l) => [`${l.stateName} / ${l.stateNameHi}`, l.no, l.name, ...(ac ? [l.pcName ?? ""] : []), l.link, l.expiresAt]),
  };
}

export function linksToXlsx(links: readonly SeatLink[], role: SeatRole): Promise<Buffer> {
  return tableToXlsx(linksTable(links, role), role === "pc_incharge" ? "Lok Sabha" : "Vidhan Sabha");
}

export function linksToCsv(links: readonly SeatLink[], role: SeatRole): Buffer {
  return tableToCsv(linksTable(links, role));
}
