// The status of each Lok Sabha seat on the coverage map. One status per seat, the first that holds:
//   reported  a report (not voided) exists for an event of the PC or of one of its ACs;
//   planned   an event of the PC or its ACs is planned, upcoming or held and still unreported;
//   vacant    none of these, and no PC in-charge holds the seat (as /gaps counts vacancy);
//   nothing   none of these, and someone holds the seat.
// A seat with a holder missing but work under way shows the work: whoever planned it (a state team, an AC in-charge)
// is doing the seat's job, and /gaps still lists the vacancy. Pure: the service passes plain rows.

export const SEAT_STATUSES = ["reported", "planned", "nothing", "vacant"] as const;
export type SeatStatus = (typeof SEAT_STATUSES)[number];

export interface CoveragePlace {
  pcCode: string;
  acCode: string | null;
}

export interface CoverageInput {
  /** Every PC of the map. */
  pcs: readonly { code: string }[];
  /** AC code → its PC (an AC's PC cannot be derived from its code). */
  pcOfAc: ReadonlyMap<string, string>;
  /** Where a counted (not void) report was filed. */
  reported: readonly CoveragePlace[];
  /** Where a planned event has no report yet (upcoming, or held and unreported). */
  planned: readonly CoveragePlace[];
  /** PC codes some PC in-charge holds. */
  heldPcs: ReadonlySet<string>;
}

export function seatStatuses(input: CoverageInput): Map<string, SeatStatus> {
  const pcOf = (p: CoveragePlace) => (p.acCode && input.pcOfAc.get(p.acCode)) || p.pcCode;
  const reported = new Set(input.reported.map(pcOf));
  const planned = new Set(input.planned.map(pcOf));
  return new Map(
    input.pcs.map((p): [string, SeatStatus] => [
      p.code,
      reported.has(p.code) ? "reported" : planned.has(p.code) ? "planned" : input.heldPcs.has(p.code) ? "nothing" : "vacant",
    ]),
  );
}

/** How many of the given seats have each status. */
export function countStatuses(statuses: ReadonlyMap<string, SeatStatus>, pcCodes: Iterable<string>): Record<SeatStatus, number> {
  const counts: Record<SeatStatus, number> = { reported: 0, planned: 0, nothing: 0, vacant: 0 };
  for (const code of pcCodes) {
    const s = statuses.get(code);
    if (s) counts[s]++;
  }
  return counts;
}
