// Hexagon geometry for the coverage map: pointy-top hexagons on axial coordinates (q, r), as in Red Blob Games'
// "Hexagonal Grids" guide. Used by the map's renderer and by scripts/build-hex-tiles.ts, which lays out the tiles.

export interface Hex {
  q: number;
  r: number;
}

/** The six neighbours' offsets, clockwise from east. */
export const HEX_DIRECTIONS: readonly Hex[] = [
  { q: 1, r: 0 },
  { q: 0, r: 1 },
  { q: -1, r: 1 },
  { q: -1, r: 0 },
  { q: 0, r: -1 },
  { q: 1, r: -1 },
];

export const SQRT3 = Math.sqrt(3);

export function hexKey(h: Hex): string {
  return `${h.q},${h.r}`;
}

export function neighbours(h: Hex): Hex[] {
  return HEX_DIRECTIONS.map((d) => ({ q: h.q + d.q, r: h.r + d.r }));
}

/** The centre of a hexagon of circumradius `size` (centre to corner), with (0, 0) at the origin. */
export function hexCentre(h: Hex, size: number): { x: number; y: number } {
  return { x: size * SQRT3 * (h.q + h.r / 2), y: size * 1.5 * h.r };
}

/** The hexagon containing a point (the inverse of hexCentre, rounded to the nearest cell). */
export function hexAt(x: number, y: number, size: number): Hex {
  const q = ((SQRT3 / 3) * x - y / 3) / size;
  const r = ((2 / 3) * y) / size;
  return roundHex(q, r);
}

function roundHex(q: number, r: number): Hex {
  const s = -q - r;
  let rq = Math.round(q);
  let rr = Math.round(r);
  const rs = Math.round(s);
  const dq = Math.abs(rq - q);
  const dr = Math.abs(rr - r);
  const ds = Math.abs(rs - s);
  if (dq > dr && dq > ds) rq = -rr - rs;
  else if (dr > ds) rr = -rq - rs;
  // Math.round(-0.4) is -0: normalise, so that keys and equality never see a negative zero.
  return { q: rq + 0, r: rr + 0 };
}

/** Corner i (0..5) of a pointy-top hexagon: corner 0 is the top one, then clockwise. */
export function hexCorner(cx: number, cy: number, size: number, i: number): { x: number; y: number } {
  const angle = (Math.PI / 180) * (60 * i - 90);
  return { x: cx + size * Math.cos(angle), y: cy + size * Math.sin(angle) };
}

/**
 * The edge shared with the neighbour in HEX_DIRECTIONS[d], as two corner indices: east (d 0) is the edge between
 * corners 1 and 2, and so on clockwise.
 */
export function edgeCorners(d: number): [number, number] {
  return [(d + 1) % 6, (d + 2) % 6];
}
