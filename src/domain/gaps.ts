// Where the programme has gaps, per state: Lok Sabha and Vidhan Sabha seats nobody holds, seats whose holder blocked
// the bot or never started it, Lok Sabha seats with nothing planned ahead, and events held without a report. A seat is a post (role,
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
  /** Has written to the bot at least once (a person known only by id, e.g. appointed by id, has not). */
  started: boolean;
}

/** A link made for a seat and neither used nor withdrawn (open, or expired unused). */
export interface GapInvite {
  role: GapHolder["role"];
  code: string;
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
  /**
   * Seats put in someone's hands who never started the bot: every holder is known only by id (telegramIds), or
   * nobody holds it but an invite link went out and was never used (telegramIds empty; the seat also counts as
   * vacant). Someone must call them: the bot cannot write first.
   */
  neverStarted: { code: string; telegramIds: number[] }[];
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
  /** Unused, unwithdrawn invite links (GapInvite); empty when not asked. */
  invites?: readonly GapInvite[];
  events: readonly GapEvent[];
  now: Date;
}): StateGaps[] {
  const held = new Map<string, GapHolder[]>();
  for (const h of input.holders) {
    const key = `${h.role}|${h.code}`;
    held.set(key, [...(held.get(key) ?? []), h]);
  }
  const invited = new Set((input.invites ?? []).map((i) => `${i.role}|${i.code}`));
  const planned = new Set(input.events.filter((e) => e.status === "planned" && e.startsAt.getTime() >= input.now.getTime()).map((e) => e.pcCode));
  const out = new Map<string, StateGaps>(
    input.stateCodes.map((code) => [
      code,
      { stateCode: code, pcsTotal: 0, acsTotal: 0, vacantPcs: [], vacantAcs: [], blockedSeats: [], neverStarted: [], pcsWithNothingPlanned: [], unreported: 0 },
    ]),
  );
  const seat = (role: GapHolder["role"], s: GapSeat, row: StateGaps, vacant: string[]) => {
    const holders = held.get(`${role}|${s.code}`) ?? [];
    if (holders.length === 0) {
      vacant.push(s.code);
      if (invited.has(`${role}|${s.code}`)) row.neverStarted.push({ code: s.code, telegramIds: [] });
      return;
    }
    // Never started comes before blocked: the bot's first message to such a person fails as if blocked (403).
    const started = holders.filter((h) => h.started);
    if (started.length === 0) row.neverStarted.push({ code: s.code, telegramIds: holders.map((h) => h.telegramId) });
    else if (started.every((h) => h.blocked)) row.blockedSeats.push({ code: s.code, telegramIds: started.map((h) => h.telegramId) });
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
