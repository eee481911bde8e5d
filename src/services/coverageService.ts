// The coverage map's data: where the tiles go (data/pc-hex-tiles.csv, laid out by scripts/build-hex-tiles.ts; see
// data/README.md) and the status of every Lok Sabha seat (domain/coverage.ts decides). National on every call: a
// cluster's or a state's map shows the rest of the country faded, so it needs the whole picture too. Three projected
// finds (reports, open events, PC in-charges), grouped in TypeScript as the rollup's data layer does (FerretDB).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { trusted } from "mongoose";
import type { Models } from "../db/models/index.js";
import { seatStatuses, type SeatStatus } from "../domain/coverage.js";
import type { RollupMap } from "../domain/rollup/types.js";
import { DEFAULT_DATA_DIR } from "./mapService.js";

export interface SeatTile {
  pcCode: string;
  stateCode: string;
  q: number;
  r: number;
}

export interface Coverage {
  /** One tile per PC of the map that has one in the layout file, in the file's order. */
  tiles: SeatTile[];
  /** Every PC of the map, with its status. */
  statuses: Map<string, SeatStatus>;
  /** Every PC of the map with its state. */
  pcs: readonly { code: string; stateCode: string }[];
  clusters: RollupMap["clusters"];
}

export interface CoverageService {
  /** Every seat's status as of a moment: reports of events held by then, events planned and not reported. */
  load(asOf: Date): Promise<Coverage>;
}

export function createCoverageService(deps: { models: Models; loadMap: () => Promise<RollupMap>; dataDir?: string }): CoverageService {
  const { models } = deps;
  let layout: Promise<Map<string, { q: number; r: number }>> | undefined;
  const loadLayout = () =>
    (layout ??= readTileLayout(deps.dataDir ?? DEFAULT_DATA_DIR).catch((err: unknown) => {
      layout = undefined;
      throw err;
    }));

  return {
    async load(asOf) {
      const [map, cells, reports, events, holders] = await Promise.all([
        deps.loadMap(),
        loadLayout(),
        models.Report.find({ eventStartsAt: trusted({ $lte: asOf }) }, { _id: 0, pcCode: 1, acCode: 1, reviewStatus: 1 }).lean<
          { pcCode: string; acCode?: string | null; reviewStatus?: string }[]
        >(),
        models.Event.find({ status: "planned", reportedAt: null }, { _id: 0, pcCode: 1, acCode: 1 }).lean<{ pcCode: string; acCode?: string | null }[]>(),
        models.Person.find({ "roles.role": "pc_incharge" }, { _id: 0, roles: 1 }).lean<{ roles?: { role: string; code: string }[] }[]>(),
      ]);
      const heldPcs = new Set(holders.flatMap((p) => (p.roles ?? []).filter((g) => g.role === "pc_incharge").map((g) => g.code)));
      const statuses = seatStatuses({
        pcs: map.pcs,
        pcOfAc: new Map(map.acs.map((a) => [a.code, a.pcCode])),
        // A void report is kept but counts nowhere.
        reported: reports.filter((r) => r.reviewStatus !== "void").map((r) => ({ pcCode: r.pcCode, acCode: r.acCode ?? null })),
        planned: events.map((e) => ({ pcCode: e.pcCode, acCode: e.acCode ?? null })),
        heldPcs,
      });
      const tiles: SeatTile[] = [];
      for (const p of map.pcs) {
        const cell = cells.get(p.code);
        if (cell) tiles.push({ pcCode: p.code, stateCode: p.stateCode, ...cell });
      }
      return { tiles, statuses, pcs: map.pcs, clusters: map.clusters };
    },
  };
}

/** data/pc-hex-tiles.csv: pc_code,q,r. Checked: one tile per PC code, one PC per cell. */
export async function readTileLayout(dataDir: string): Promise<Map<string, { q: number; r: number }>> {
  const file = path.join(dataDir, "pc-hex-tiles.csv");
  const lines = (await readFile(file, "utf8")).replace(/^\uFEFF/, "").split(/\r?\n/);
  if (lines[0]?.trim() !== "pc_code,q,r") throw new Error(`${file}: header is "${lines[0]}", expected "pc_code,q,r"`);
  const tiles = new Map<string, { q: number; r: number }>();
  const cells = new Set<string>();
  lines.slice(1).forEach((line, i) => {
    if (!line.trim()) return;
    const [code, q, r] = line.split(",").map((c) => c.trim());
    if (!code || !/^-?\d+$/.test(q ?? "") || !/^-?\d+$/.test(r ?? "")) throw new Error(`${file} line ${i + 2}: "${line}" is not pc_code,q,r`);
    if (tiles.has(code)) throw new Error(`${file} line ${i + 2}: ${code} has a second tile`);
    if (cells.has(`${q},${r}`)) throw new Error(`${file} line ${i + 2}: cell ${q},${r} is taken twice`);
    cells.add(`${q},${r}`);
    tiles.set(code, { q: Number(q), r: Number(r) });
  });
  return tiles;
}
