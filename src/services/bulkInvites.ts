// Invites for every vacant seat of a state at once (day one: about 4,700 seats to fill), as one spreadsheet with a
// single-use link per seat. A seat is vacant when nobody holds that role there and no open link is waiting for it (so
// running it twice does not hand out two links for one seat). Each link is made by inviteService.create, so it is
// audited and checked like any other; the tokens exist only in the file returned (the database keeps their hashes).
import { trusted } from "mongoose";
import type { Models } from "../db/models/index.js";
import type { Role, RoleScope } from "../domain/roles.js";
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

export interface BulkInviteService {
  /** Links for the vacant `role` seats of `stateCode`; `actor` null from the shell (trusted, like npm run invite). */
  forVacantSeats(args: { actor: { telegramId: number; scopes: RoleScope[] } | null; role: SeatRole; stateCode: string; days?: number; botUsername: string }): Promise<BulkResult>;
}

export function createBulkInviteService(deps: { models: Models; now: () => Date; invites: Pick<InviteService, "create">; map: Pick<MapService, "getState"> }): BulkInviteService {
  const { models } = deps;
  return {
    async forVacantSeats({ actor, role, stateCode, days, botUsername }) {
      const state = await deps.map.getState(stateCode);
      if (!state) return { ok: false, reason: "unknown_territory" };
      const seats =
        role === "pc_incharge"
          ? (await models.Pc.find({ stateCode }).sort({ no: 1 }).lean()).map((p) => ({ code: p.code, no: p.no, name: p.name, pcCode: null as string | null }))
          : (await models.Ac.find({ stateCode }).sort({ no: 1 }).lean()).map((a) => ({ code: a.code, no: a.no, name: a.name, pcCode: a.pcCode as string | null }));
      if (seats.length === 0) return { ok: false, reason: "no_seats" };
      const codes = seats.map((s) => s.code);
      const [holders, open, pcs] = await Promise.all([
        models.Person.find({ "roles.code": trusted({ $in: codes }) }, { _id: 0, roles: 1 }).lean<{ roles: { role: string; code: string }[] }[]>(),
        models.Invite.find({ code: trusted({ $in: codes }), role, usedBy: null, revokedAt: null, expiresAt: trusted({ $gt: deps.now() }) }, { _id: 0, code: 1 }).lean<{ code: string }[]>(),
        role === "ac_incharge" ? models.Pc.find({ stateCode }, { _id: 0, code: 1, name: 1 }).lean<{ code: string; name: string }[]>() : Promise.resolve([]),
      ]);
      const held = new Set(holders.flatMap((p) => p.roles.filter((g) => g.role === role).map((g) => g.code)));
      const waiting = new Set(open.map((i) => i.code));
      const pcName = new Map(pcs.map((p) => [p.code, p.name]));
      const links: SeatLink[] = [];
      let refused = 0;
      for (const seat of seats) {
        if (held.has(seat.code) || waiting.has(seat.code)) continue;
        const made = await deps.invites.create({ actor, role, territory: { level: role === "pc_incharge" ? "pc" : "ac", code: seat.code }, days });
        if (!made.ok) {
          // Outside the actor's area: the first refusal says so; nothing is made for such a state.
          if (made.reason === "outside_scope" || made.reason === "no_role" || made.reason === "role_not_appointable") return { ok: false, reason: "outside_scope" };
          refused++;
          continue;
        }
        links.push({
          stateCode,
          stateName: state.name,
          stateNameHi: state.nameHi,
          code: seat.code,
          no: seat.no,
          name: seat.name,
          pcName: seat.pcCode ? (pcName.get(seat.pcCode) ?? null) : null,
          link: `https://t.me/${botUsername}?start=${made.token}`,
          expiresAt: made.expiresAt,
        });
      }
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
