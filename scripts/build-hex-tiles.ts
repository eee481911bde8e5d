// npx tsx scripts/build-hex-tiles.ts: lays out data/pc-hex-tiles.csv, the coverage map's tiles (one hexagon per Lok
// Sabha seat, grouped by state in India's rough geography), from two kinds of facts only: each state's approximate
// geographic centre (written below as numbers, rounded to a tenth of a degree) and its number of seats (counted in
// data/lok-sabha-constituencies.csv). No map is copied or traced.
//
// How: each centre is projected onto a hexagon grid (equirectangular, scaled so that 543 tiles cover about India's
// area). Seeds first: smallest states first, each at the free cell nearest its centre, so that Delhi or Chandigarh
// are where they are and the large states grow around them. Then the states grow together, one cell at a time: the
// state furthest from its count (by share done) takes the free cell next to its own tiles that is nearest its
// centre. A state's tiles are therefore always one connected blob, no cell is taken twice, and a blob is displaced
// from its centre only as much as its neighbours' seat counts force. Within a state, seats are numbered along the
// rows (top to bottom, left to right) by PC number: the tile order says nothing about where a seat lies.
//
// Deterministic: the same inputs give the same file. `--check` verifies the file matches instead of writing it.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SQRT3, hexAt, hexCentre, hexKey, neighbours, type Hex } from "../src/charts/hex.js";

/** Approximate geographic centre of each state/UT (latitude °N, longitude °E), rounded; islands at their main group. */
export const STATE_CENTRES: Readonly<Record<string, readonly [lat: number, lon: number]>> = {
  "IN-AN": [11.7, 92.7], // Andaman and Nicobar Islands (Port Blair's group)
  "IN-AP": [15.9, 79.7],
  "IN-AR": [28.1, 94.6],
  "IN-AS": [26.2, 92.6],
  "IN-BR": [25.8, 85.6],
  "IN-CG": [21.3, 81.9],
  "IN-CH": [30.7, 76.8],
  "IN-DH": [20.4, 72.9], // Dadra and Nagar Haveli and Daman and Diu
  "IN-DL": [28.6, 77.2],
  "IN-GA": [15.4, 74.0],
  "IN-GJ": [22.7, 71.6],
  "IN-HP": [31.9, 77.2],
  "IN-HR": [29.1, 76.2],
  "IN-JH": [23.6, 85.4],
  "IN-JK": [33.6, 75.0],
  "IN-KA": [14.8, 76.2],
  "IN-KL": [10.4, 76.4],
  "IN-LA": [34.4, 77.4],
  "IN-LD": [10.6, 72.6],
  "IN-MH": [19.5, 76.0],
  "IN-ML": [25.5, 91.3],
  "IN-MN": [24.7, 93.9],
  "IN-MP": [23.6, 78.0],
  "IN-MZ": [23.3, 92.8],
  "IN-NL": [26.1, 94.5],
  "IN-OD": [20.5, 84.4],
  "IN-PB": [30.9, 75.4],
  "IN-PY": [11.9, 79.8],
  "IN-RJ": [26.6, 73.8],
  "IN-SK": [27.6, 88.5],
  "IN-TN": [11.0, 78.4],
  "IN-TR": [23.8, 91.7],
  "IN-TS": [17.9, 79.0],
  "IN-UK": [30.5, 79.0],
  "IN-UP": [26.9, 80.8],
  "IN-WB": [23.4, 87.9],
};

/** Kilometres between neighbouring tile centres: 543 tiles of this size cover about 1.3 × India's 3.29 million km². */
export const TILE_KM = 88;
const REF_LAT = 23; // the projection's standard parallel
const KM_PER_DEG_LAT = 110.6;
const KM_PER_DEG_LON = 111.3 * Math.cos((REF_LAT * Math.PI) / 180);
const SIZE = TILE_KM / SQRT3; // circumradius in km
/** How much a neighbour of the state's own is worth, in tiles of distance: enough to keep blobs round. */
const OWN_WEIGHT = 1;

export interface Tile {
  pcCode: string;
  stateCode: string;
  q: number;
  r: number;
}

interface Cell extends Hex {
  x: number;
  y: number;
}

/** Seat counts per state from the Lok Sabha file, and the PC numbers of each state. */
export function readSeats(csv: string): Map<string, number[]> {
  const seats = new Map<string, number[]>();
  for (const line of csv.split(/\r?\n/).slice(1)) {
    if (!line.trim()) continue;
    const [state, , no] = line.split(",");
    seats.set(state!, [...(seats.get(state!) ?? []), Number(no)]);
  }
  return seats;
}

/**
 * The layout, retried with any state that got enclosed put first among those grown to completion before the others
 * compete (states of at most SMALL seats are grown first from the start): deterministic, and it ends, since each
 * retry adds a state to that list.
 */
export function layoutTiles(seats: ReadonlyMap<string, readonly number[]>): Tile[] {
  const first = [...seats.keys()].filter((s) => seats.get(s)!.length <= SMALL).sort((a, b) => seats.get(a)!.length - seats.get(b)!.length || a.localeCompare(b));
  for (;;) {
    const result = tryLayout(seats, first);
    if (Array.isArray(result)) return result;
    if (first.includes(result.enclosed)) throw new Error(`${result.enclosed} is enclosed by other states even when grown first`);
    first.unshift(result.enclosed);
  }
}

/** States grown to completion before the rest, whatever their size: the small ones, which are easily enclosed. */
const SMALL = 10;

function tryLayout(seats: ReadonlyMap<string, readonly number[]>, first: readonly string[]): Tile[] | { enclosed: string } {
  const taken = new Map<string, string>(); // cell → state
  const centre = (code: string) => {
    const c = STATE_CENTRES[code];
    if (!c) throw new Error(`No centre written down for ${code}`);
    return { x: (c[1] - 80) * KM_PER_DEG_LON, y: (REF_LAT - c[0]) * KM_PER_DEG_LAT };
  };
  const cell = (h: Hex): Cell => ({ ...h, ...hexCentre(h, SIZE) });
  const distance = (a: { x: number; y: number }, b: { x: number; y: number }) => Math.hypot(a.x - b.x, a.y - b.y);
  // Nearer first; ties by row, then column, so the layout never depends on iteration order.
  const closer = (to: { x: number; y: number }) => (a: Cell, b: Cell) => distance(a, to) - distance(b, to) || a.r - b.r || a.q - b.q;

  // Growth prefers, besides nearness to the centre, cells already touching the state: round blobs, no tendrils.
  const own = (c: Hex, code: string) => neighbours(c).filter((n) => taken.get(hexKey(n)) === code).length;
  const score = (c: Cell, code: string, at: { x: number; y: number }) => distance(c, at) / TILE_KM - OWN_WEIGHT * own(c, code);
  const preferred = (code: string, at: { x: number; y: number }) => (a: Cell, b: Cell) => score(a, code, at) - score(b, code, at) || a.r - b.r || a.q - b.q;

  const states = [...seats.keys()].sort((a, b) => seats.get(a)!.length - seats.get(b)!.length || a.localeCompare(b));
  const blobs = new Map<string, Cell[]>();
  for (const code of states) {
    const at = centre(code);
    const start = cell(hexAt(at.x, at.y, SIZE));
    // The free cell nearest the centre: rings outwards from the centre's own cell.
    let ring: Cell[] = [start];
    const seen = new Set([hexKey(start)]);
    let seed: Cell | undefined;
    while (!seed) {
      seed = ring.filter((c) => !taken.has(hexKey(c))).sort(closer(at))[0];
      const next: Cell[] = [];
      for (const c of ring) {
        for (const n of neighbours(c)) {
          if (seen.has(hexKey(n))) continue;
          seen.add(hexKey(n));
          next.push(cell(n));
        }
      }
      ring = next;
    }
    taken.set(hexKey(seed), code);
    blobs.set(code, [seed]);
  }

  for (;;) {
    const unfinished = (s: string) => blobs.get(s)!.length < seats.get(s)!.length;
    const share = (s: string) => blobs.get(s)!.length / seats.get(s)!.length;
    const code =
      first.find(unfinished) ?? states.filter(unfinished).sort((a, b) => share(a) - share(b) || a.localeCompare(b))[0];
    if (!code) break;
    const blob = blobs.get(code)!;
    const frontier = new Map<string, Cell>();
    for (const c of blob) for (const n of neighbours(c)) if (!taken.has(hexKey(n))) frontier.set(hexKey(n), cell(n));
    const next = [...frontier.values()].sort(preferred(code, centre(code)))[0];
    if (!next) return { enclosed: code };
    taken.set(hexKey(next), code);
    blob.push(next);
  }
  fillHoles(blobs, taken, (code) => centre(code), cell);

  const tiles: Tile[] = [];
  for (const code of [...states].sort()) {
    const numbers = [...seats.get(code)!].sort((a, b) => a - b);
    const cells = [...blobs.get(code)!].sort((a, b) => a.r - b.r || a.q - b.q);
    cells.forEach((c, i) => tiles.push({ pcCode: `${code}:P${numbers[i]}`, stateCode: code, q: c.q, r: c.r }));
  }
  // Shifted so that every coordinate is ≥ 0 (the renderer fits whatever it is given).
  const minQ = Math.min(...tiles.map((t) => t.q));
  const minR = Math.min(...tiles.map((t) => t.r));
  return tiles.map((t) => ({ ...t, q: t.q - minQ, r: t.r - minR }));
}

/**
 * An empty cell enclosed by tiles would read as a seat. Each hole is filled by moving into it a tile of a state
 * beside it, taken from that state's outer edge (a cell touching the outside, so no new hole opens), the one
 * furthest from the state's centre whose removal leaves the state in one piece.
 */
function fillHoles(
  blobs: Map<string, Cell[]>,
  taken: Map<string, string>,
  centre: (code: string) => { x: number; y: number },
  cell: (h: Hex) => Cell,
): void {
  for (let round = 0; round < 100; round++) {
    const hole = findHoles(taken)[0];
    if (!hole) return;
    const outside = outsideCells(taken);
    let moved = false;
    const around = [...new Set(neighbours(hole).map((n) => taken.get(hexKey(n))).filter((s): s is string => s !== undefined))].sort();
    for (const code of around) {
      const blob = blobs.get(code)!;
      const at = centre(code);
      const edge = blob
        .filter((c) => neighbours(c).some((n) => outside.has(hexKey(n))))
        .sort((a, b) => Math.hypot(b.x - at.x, b.y - at.y) - Math.hypot(a.x - at.x, a.y - at.y) || a.r - b.r || a.q - b.q);
      const out = edge.find((c) => connected([...blob.filter((b) => b !== c), cell(hole)]));
      if (!out) continue;
      taken.delete(hexKey(out));
      taken.set(hexKey(hole), code);
      blobs.set(code, [...blob.filter((b) => b !== out), cell(hole)]);
      moved = true;
      break;
    }
    if (!moved) throw new Error(`Could not fill the hole at ${hexKey(hole)}`);
  }
  throw new Error("Holes keep appearing");
}

/** Empty cells reached from beyond the tiles' bounding box, walking through empty cells only. */
function outsideCells(taken: ReadonlyMap<string, string>): Set<string> {
  const cells = [...taken.keys()].map((k) => k.split(",").map(Number) as [number, number]);
  const [minQ, maxQ] = [Math.min(...cells.map((c) => c[0])) - 2, Math.max(...cells.map((c) => c[0])) + 2];
  const [minR, maxR] = [Math.min(...cells.map((c) => c[1])) - 2, Math.max(...cells.map((c) => c[1])) + 2];
  // Axial coordinates shear: the box in q is widened by the rows' offset so it encloses every tile.
  const inBox = (h: Hex) => h.r >= minR && h.r <= maxR && h.q >= minQ - (maxR - minR) && h.q <= maxQ + (maxR - minR);
  const seen = new Set<string>();
  const stack: Hex[] = [{ q: minQ - (maxR - minR), r: minR }];
  while (stack.length) {
    const h = stack.pop()!;
    const key = hexKey(h);
    if (seen.has(key) || taken.has(key) || !inBox(h)) continue;
    seen.add(key);
    stack.push(...neighbours(h));
  }
  return seen;
}

export function findHoles(taken: ReadonlyMap<string, string>): Hex[] {
  const outside = outsideCells(taken);
  const holes = new Map<string, Hex>();
  for (const key of taken.keys()) {
    const [q, r] = key.split(",").map(Number) as [number, number];
    for (const n of neighbours({ q, r })) if (!taken.has(hexKey(n)) && !outside.has(hexKey(n))) holes.set(hexKey(n), n);
  }
  return [...holes.values()].sort((a, b) => a.r - b.r || a.q - b.q);
}

export function connected(cells: readonly Hex[]): boolean {
  if (cells.length === 0) return true;
  const keys = new Set(cells.map(hexKey));
  const seen = new Set<string>([hexKey(cells[0]!)]);
  const stack = [cells[0]!];
  while (stack.length) {
    for (const n of neighbours(stack.pop()!)) {
      if (!keys.has(hexKey(n)) || seen.has(hexKey(n))) continue;
      seen.add(hexKey(n));
      stack.push(n);
    }
  }
  return seen.size === keys.size;
}

export function tilesCsv(tiles: readonly Tile[]): string {
  return ["pc_code,q,r", ...tiles.map((t) => `${t.pcCode},${t.q},${t.r}`)].join("\n") + "\n";
}

function main(): void {
  const dataDir = fileURLToPath(new URL("../data/", import.meta.url));
  const seats = readSeats(readFileSync(`${dataDir}lok-sabha-constituencies.csv`, "utf8"));
  const csv = tilesCsv(layoutTiles(seats));
  const file = `${dataDir}pc-hex-tiles.csv`;
  if (process.argv.includes("--check")) {
    const same = readFileSync(file, "utf8") === csv;
    console.log(same ? `${file} is up to date` : `${file} differs from what the script builds`);
    process.exit(same ? 0 : 1);
  }
  writeFileSync(file, csv);
  console.log(`Wrote ${file}: ${csv.trim().split("\n").length - 1} tiles, ${seats.size} states/UTs`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
