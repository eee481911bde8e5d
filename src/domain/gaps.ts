// Where the programme has gaps, per state: Lok Sabha and Vidhan Sabha seats nobody holds, seats whose holder blocked
// the bot, Lok Sabha seats with nothing planned ahead, and events held without a report. A seat is a post (role,
// territory): the PC in-charge of a PC, the AC in-charge of an AC. Pure: the service passes the map, the holders and
// the events of the states asked about.

export interface GapSeat {
  code: string;
  stateCode: string;
}

export interface GapHolder {
  role: "pc_incharge" | "ac_incharge";
  code: string;
  telegramId: number;
  blocked: boolean;
}

export interface GapEvent {
  stateCode: string;
  pcCode: string;
  startsAt: Date;
  status: "planned" | "cancelled";
  reported: boolean;
}

export interface StateGaps {
  stateCode: string;
  pcsTotal: number;
  acsTotal: number;
  /** PCs with no PC in-charge; ACs with no AC in-charge (map order). */
  vacantPcs: string[];
  vacantAcs: string[];
  /** Seats whose every holder has blocked the bot: as good as vacant, and someone must call them. */
  blockedSeats: { code: string; telegramIds: number[] }[];
  /** PCs (with their ACs) with no event planned from now on. */
  pcsWithNothingPlanned: string[];
  /** Events held (started, not cancelled) without a report. */
  unreported: number;
}

export function computeGaps(input: {
  stateCodes: readonly string[];
  pcs: readonly GapSeat[];
  acs: readonly GapSeat[];
  holders: readonly GapHolder[];
  events: readonly GapEvent[];
  now: Date;
}): StateGaps[] {
  const held = new Map<string, GapHolder[]>();
  for (const h of input.holders) {
    const key = `${h.role}|${h.code}`;
    held.set(key, [...(held.get(key) ?? []), h]);
  }
  const planned = new Set(input.events.filter((e) => e.status === "planned" && e.startsAt.getTime() >= input.now.getTime()).map((e) => e.pcCode));
  const out = new Map<string, StateGaps>(
    input.stateCodes.map((code) => [
      code,
      { stateCode: code, pcsTotal: 0, acsTotal: 0, vacantPcs: [], vacantAcs: [], blockedSeats: [], pcsWithNothingPlanned: [], unreported: 0 },
    ]),
  );
  const seat = (role: GapHolder["role"], s: GapSeat, row: StateGaps, vacant: string[]) => {
    const holders = held.get(`${role}|${s.code}`) ?? [];
    if (holders.length === 0) vacant.push(s.code);
    else if (holders.every((h) => h.blocked)) row.blockedSeats.push({ code: s.code, telegramIds: holders.map((h) => h.telegramId) });
  };
  for (const pc of input.pcs) {
    const row = out.get(pc.stateCode);
    if (!row) continue;
    row.pcsTotal++;
    seat("pc_incharge", pc, row, row.vacantPcs);
    if (!planned.has(pc.code)) row.pcsWithNothingPlanned.push(pc.code);
  }
  for (const ac of input.acs) {
    const row = out.get(ac.stateCode);
    if (!row) continue;
    row.acsTotal++;
    seat("ac_incharge", ac, row, row.vacantAcs);
  }
  for (const e of input.events) {
    const row = out.get(e.stateCode);
    if (row && e.status === "planned" && !e.reported && e.startsAt.getTime() <= input.now.getTime()) row.unreported++;
  }
  return [...out.values()];
}
