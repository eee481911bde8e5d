// The coverage map: all 543 Lok Sabha seats as equal hexagons, grouped by state in India's rough geography (the
// layout is data: data/pc-hex-tiles.csv), each coloured by its seat's status. Drawn in-process with Skia
// (@napi-rs/canvas), like the rollup chart. Made for a phone: Telegram shows a photo full-width, about 360 px on a
// small phone, so the image is 1,080 px wide and every word on it is at least 28 px (about 9 px on that screen).
// Every word comes from the caller, already translated: the renderer has no language.
import { createCanvas, type SKRSContext2D } from "@napi-rs/canvas";
import { CHART_FONT, ensureChartFonts } from "./fonts.js";
import { drawText as text } from "./text.js";
import { SEAT_STATUSES, type SeatStatus } from "../domain/coverage.js";
import { HEX_DIRECTIONS, edgeCorners, hexCentre, hexCorner, hexKey, type Hex } from "./hex.js";

export interface MapTile extends Hex {
  pcCode: string;
  stateCode: string;
  status: SeatStatus;
  /** False: drawn faded (a cluster's map fades the seats outside the cluster). */
  highlighted: boolean;
}

export interface CoverageMapData {
  title: string;
  subtitle: string;
  tiles: readonly MapTile[];
  /** A short name per state code, written on its tiles (states too small to hold it go without). */
  stateLabels: Readonly<Record<string, string>>;
  /** One line per status, counts included ("Reported: 120"), in legend order. */
  legend: Readonly<Record<SeatStatus, string>>;
  footer: string;
}

export const MAP_WIDTH = 1080;
const PAD = 36;
const TOP = 150;
const LEGEND_H = 170;
const FOOTER_H = 56;

/** The fill at a tile's centre, by status; vacant seats are hollow (a white centre in a red ring: nobody sits). */
export const STATUS_COLOURS: Readonly<Record<SeatStatus, string>> = {
  reported: "#2a9d5c",
  planned: "#f2a93b",
  nothing: "#d3d9e0",
  vacant: "#ffffff",
};
const VACANT_RING = "#d1495b";
const BACKGROUND = "#ffffff";
const BORDER = "#2b3645";
const TEXT = "#1d2733";
const MUTED = "#5b6775";
/** How much of a faded tile's colour is background. */
const FADE = 0.75;

/** The colour drawn at a tile's centre (what the tests sample). */
export function tileColour(status: SeatStatus, highlighted: boolean): string {
  return highlighted ? STATUS_COLOURS[status] : fade(STATUS_COLOURS[status]);
}

export interface LabelPlacement {
  stateCode: string;
  text: string;
  /** Centre of the text. */
  x: number;
  y: number;
  /** The box the text (with its white outline) covers. */
  box: { left: number; top: number; right: number; bottom: number };
  fontSize: number;
  /** On the state's own tiles (large states), or beside them in empty space (small ones). */
  inside: boolean;
}

export interface MapLayout {
  width: number;
  height: number;
  /** Hexagon circumradius in pixels. */
  size: number;
  /** Pixel centre of each tile, by PC code. */
  centres: Map<string, { x: number; y: number }>;
  labels: LabelPlacement[];
}

/** Where everything is drawn: the tiles scaled to fill the width between the title and the legend, and the labels. */
/** A tile as the layout needs it: where it is and whose it is. */
type PlacedTile = Hex & { pcCode: string; stateCode: string };

export function layoutCoverageMap(data: { tiles: readonly PlacedTile[]; stateLabels: CoverageMapData["stateLabels"] }): MapLayout {
  ensureChartFonts();
  const { tiles } = data;
  const unit = tiles.map((t) => hexCentre(t, 1));
  const minX = Math.min(...unit.map((p) => p.x)) - Math.sqrt(3) / 2;
  const maxX = Math.max(...unit.map((p) => p.x)) + Math.sqrt(3) / 2;
  const minY = Math.min(...unit.map((p) => p.y)) - 1;
  const maxY = Math.max(...unit.map((p) => p.y)) + 1;
  const size = (MAP_WIDTH - 2 * PAD) / (maxX - minX);
  const centres = new Map<string, { x: number; y: number }>();
  tiles.forEach((t, i) => centres.set(t.pcCode, { x: PAD + (unit[i]!.x - minX) * size, y: TOP + (unit[i]!.y - minY) * size }));
  const mapBottom = TOP + (maxY - minY) * size;
  const height = Math.ceil(mapBottom + LEGEND_H + FOOTER_H);
  const labels = placeLabels(data, size, centres, { left: PAD / 2, top: TOP - 10, right: MAP_WIDTH - PAD / 2, bottom: mapBottom + 10 });
  return { width: MAP_WIDTH, height, size, centres, labels };
}

type Box = LabelPlacement["box"];
const overlaps = (a: Box, b: Box) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

/**
 * A state with many seats is named on its tiles, at the tile nearest their middle. A small one is named beside its
 * tiles, in empty space (a label on a one-seat state would hide its only tile); if there is none, on its tiles when
 * it has three or more, else not at all (the legend and the text say the rest).
 */
function placeLabels(
  data: { tiles: readonly PlacedTile[]; stateLabels: CoverageMapData["stateLabels"] },
  size: number,
  centres: ReadonlyMap<string, { x: number; y: number }>,
  area: Box,
): LabelPlacement[] {
  const g = createCanvas(8, 8).getContext("2d");
  const byState = new Map<string, { x: number; y: number }[]>();
  for (const t of data.tiles) byState.set(t.stateCode, [...(byState.get(t.stateCode) ?? []), centres.get(t.pcCode)!]);
  const tileBoxes: Box[] = [...centres.values()].map((c) => ({ left: c.x - size * 0.87, top: c.y - size, right: c.x + size * 0.87, bottom: c.y + size }));
  const placed: LabelPlacement[] = [];
  const boxAt = (x: number, y: number, w: number, h: number): Box => ({ left: x - w / 2, top: y - h / 2, right: x + w / 2, bottom: y + h / 2 });
  // Largest states first: their labels are the ones that must not move.
  const states = [...byState.keys()].sort((a, b) => byState.get(b)!.length - byState.get(a)!.length || a.localeCompare(b));
  for (const code of states) {
    const text = data.stateLabels[code];
    if (!text) continue;
    const points = byState.get(code)!;
    const big = points.length >= BIG_STATE;
    const fontSize = big ? 36 : 30;
    g.font = `bold ${fontSize}px "${CHART_FONT}"`;
    const w = g.measureText(text).width + 8;
    const h = fontSize * 1.05;
    const free = (b: Box) =>
      b.left >= area.left && b.right <= area.right && b.top >= area.top && b.bottom <= area.bottom && !placed.some((p) => overlaps(p.box, b));
    let choice: { x: number; y: number; inside: boolean } | undefined;
    if (!big) {
      const gap = size * 0.9 + 4;
      for (const p of [...points].sort((a, b) => a.y - b.y || a.x - b.x)) {
        const candidates = [
          { x: p.x + gap + w / 2, y: p.y },
          { x: p.x - gap - w / 2, y: p.y },
          { x: p.x, y: p.y - size - h / 2 - 2 },
          { x: p.x, y: p.y + size + h / 2 + 2 },
        ];
        choice = candidates.map((c) => ({ ...c, inside: false })).find((c) => {
          const b = boxAt(c.x, c.y, w, h);
          return free(b) && !tileBoxes.some((t) => overlaps(t, b));
        });
        if (choice) break;
      }
    }
    if (!choice && points.length >= 3) {
      const mx = points.reduce((s, p) => s + p.x, 0) / points.length;
      const my = points.reduce((s, p) => s + p.y, 0) / points.length;
      const at = [...points].sort((a, b) => Math.hypot(a.x - mx, a.y - my) - Math.hypot(b.x - mx, b.y - my))[0]!;
      if (free(boxAt(at.x, at.y, w, h))) choice = { x: at.x, y: at.y, inside: true };
    }
    if (choice) placed.push({ stateCode: code, text, x: choice.x, y: choice.y, box: boxAt(choice.x, choice.y, w, h), fontSize, inside: choice.inside });
  }
  return placed;
}

/** States with at least this many seats are named on their own tiles. */
const BIG_STATE = 8;

export function renderCoverageMap(data: CoverageMapData): Buffer {
  ensureChartFonts();
  const geo = layoutCoverageMap(data);
  const canvas = createCanvas(geo.width, geo.height);
  const g = canvas.getContext("2d");
  g.fillStyle = BACKGROUND;
  g.fillRect(0, 0, geo.width, geo.height);
  g.textBaseline = "middle";

  text(g, data.title, PAD, 52, { size: 44, bold: true, maxWidth: geo.width - 2 * PAD });
  text(g, data.subtitle, PAD, 106, { size: 30, color: MUTED, maxWidth: geo.width - 2 * PAD });

  const stateAt = new Map(data.tiles.map((t) => [hexKey(t), t.stateCode]));
  // A little space between seats; state borders drawn on the cells' true edges.
  const inner = geo.size * 0.9;
  // Tiles of one colour are filled as one path, and borders of one style stroked as one: a few calls into Skia
  // instead of one per tile and edge (the tiles never overlap and every colour is opaque, so the picture is the same).
  const byColour = new Map<string, MapTile[]>();
  for (const t of data.tiles) {
    const colour = tileColour(t.status, t.highlighted);
    const same = byColour.get(colour);
    if (same) same.push(t);
    else byColour.set(colour, [t]);
  }
  for (const [colour, tiles] of byColour) {
    g.beginPath();
    for (const t of tiles) addHex(g, geo.centres.get(t.pcCode)!, inner);
    g.fillStyle = colour;
    g.fill();
  }
  for (const highlighted of [false, true]) {
    const vacant = data.tiles.filter((t) => t.status === "vacant" && t.highlighted === highlighted);
    if (!vacant.length) continue;
    g.beginPath();
    for (const t of vacant) addHex(g, geo.centres.get(t.pcCode)!, inner - geo.size * 0.12);
    g.lineWidth = geo.size * 0.24;
    g.strokeStyle = highlighted ? VACANT_RING : fade(VACANT_RING);
    g.stroke();
  }
  g.lineCap = "round";
  // Faded states' borders first, so that a highlighted area's outline is drawn over them where they meet.
  for (const highlighted of [false, true]) {
    g.beginPath();
    for (const t of data.tiles) {
      if (t.highlighted !== highlighted) continue;
      const c = geo.centres.get(t.pcCode)!;
      HEX_DIRECTIONS.forEach((d, i) => {
        if (stateAt.get(hexKey({ q: t.q + d.q, r: t.r + d.r })) === t.stateCode) return;
        const [a, b] = edgeCorners(i).map((k) => hexCorner(c.x, c.y, geo.size, k));
        g.moveTo(a!.x, a!.y);
        g.lineTo(b!.x, b!.y);
      });
    }
    g.lineWidth = highlighted ? 3.5 : 3;
    g.strokeStyle = highlighted ? BORDER : fade(BORDER, 0.6);
    g.stroke();
  }
  drawStateLabels(g, data, geo);
  drawLegend(g, data, geo);
  text(g, data.footer, PAD, geo.height - FOOTER_H / 2 - 6, { size: 28, color: MUTED, maxWidth: geo.width - 2 * PAD });
  return canvas.toBuffer("image/png");
}

function drawStateLabels(g: SKRSContext2D, data: CoverageMapData, geo: MapLayout): void {
  const highlighted = new Set(data.tiles.filter((t) => t.highlighted).map((t) => t.stateCode));
  g.textAlign = "center";
  g.lineJoin = "round";
  for (const label of geo.labels) {
    g.font = `bold ${label.fontSize}px "${CHART_FONT}"`;
    const on = highlighted.has(label.stateCode);
    if (label.inside) {
      // A white outline keeps the name readable over any tile colour.
      g.lineWidth = 6;
      g.strokeStyle = "rgba(255,255,255,0.9)";
      g.strokeText(label.text, label.x, label.y + 2);
    }
    g.fillStyle = on ? TEXT : fade(TEXT, 0.55);
    g.fillText(label.text, label.x, label.y + 2);
  }
  g.textAlign = "left";
}

/** Two columns of two: a swatch drawn as the tiles are, then the status and its count. */
function drawLegend(g: SKRSContext2D, data: CoverageMapData, geo: MapLayout): void {
  const top = geo.height - FOOTER_H - LEGEND_H + 20;
  const colW = (geo.width - 2 * PAD) / 2;
  SEAT_STATUSES.forEach((status, i) => {
    const x = PAD + (i % 2) * colW;
    const y = top + Math.floor(i / 2) * 64 + 28;
    const r = 24;
    hexPath(g, x + r, y, r);
    g.fillStyle = STATUS_COLOURS[status];
    g.fill();
    if (status === "vacant") {
      hexPath(g, x + r, y, r - 3.5);
      g.lineWidth = 7;
      g.strokeStyle = VACANT_RING;
      g.stroke();
    } else if (status === "nothing") {
      hexPath(g, x + r, y, r);
      g.lineWidth = 1;
      g.strokeStyle = "#b8c0ca";
      g.stroke();
    }
    text(g, data.legend[status], x + 2 * r + 16, y + 2, { size: 32, maxWidth: colW - 2 * r - 28 });
  });
}

function hexPath(g: SKRSContext2D, cx: number, cy: number, size: number): void {
  g.beginPath();
  addHex(g, { x: cx, y: cy }, size);
}

/** Adds one hexagon to the current path (a closed subpath). */
function addHex(g: SKRSContext2D, c: { x: number; y: number }, size: number): void {
  const { x: cx, y: cy } = c;
  for (let i = 0; i < 6; i++) {
    const p = hexCorner(cx, cy, size, i);
    if (i === 0) g.moveTo(p.x, p.y);
    else g.lineTo(p.x, p.y);
  }
  g.closePath();
}

/** A colour mixed with white: what a faded tile shows. */
function fade(hex: string, amount = FADE): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const mix = (c: number) => Math.round(c + (255 - c) * amount);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map(mix);
  return `#${((1 << 24) | (r! << 16) | (g! << 8) | b!).toString(16).slice(1)}`;
}
