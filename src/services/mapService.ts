// The organisation's map: seeding states, Lok Sabha (PC) and Vidhan Sabha (AC) constituencies and the default
// clusters from data/; the read helpers the button menus and permission checks need; and the national office's
// cluster edits. Everything here returns data (names come from the data files); wording belongs to the locales.
//
// sanitizeFilter is on (db/connection.ts): query operators written here are marked with mongoose.trusted().
// There are no transactions (FerretDB): seeding is idempotent through upserts keyed on the unique `code`, and cluster
// edits are ordered single-document updates.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { trusted, type Model } from "mongoose";
import { isDuplicateKey } from "../db/duplicateKey.js";
import type { AcDoc, ClusterDoc, Models, PcDoc, StateDoc } from "../db/models/index.js";
import { acCode, pcCode, type MapView, type TerritoryRef } from "../domain/territory.js";
import { groupBy } from "../domain/groupBy.js";
import type { Language } from "../domain/language.js";

/** The project's data/ folder, wherever the process was started from. */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL("../../data/", import.meta.url));

export const CLUSTER_KEY_RE = /^[a-z0-9-]{1,20}$/;
/** Cluster names are button labels: long enough for any real name, short enough for a phone screen. */
export const MAX_CLUSTER_NAME = 64;

export type MapErrorCode =
  | "unknown_state"
  | "unknown_cluster"
  | "cluster_not_empty"
  | "bad_key"
  | "bad_name"
  | "duplicate_key"
  | "bad_data";

/** A refused map operation. `code` is stable (callers map it to a locale key); `message` is for logs. */
export class MapError extends Error {
  constructor(
    readonly code: MapErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "MapError";
  }
}

export type ClusterName = ClusterDoc["name"];
export type ClusterInfo = Pick<ClusterDoc, "key" | "name" | "stateCodes">;

export interface SeedCounts {
  states: number;
  pcs: number;
  acs: number;
  clusters: number;
}

export interface MapService {
  /** Loads data/*.csv (and, into an empty clusters collection only, data/clusters.json). Safe to run again. */
  seedMap(options?: { dataDir?: string }): Promise<SeedCounts>;
  /** True when the database holds exactly as many states, PCs and ACs as the data files. */
  isSeeded(options?: { dataDir?: string }): Promise<boolean>;
  /** A snapshot for the permission rules (domain/territory.ts); load it once per use, it reads every AC. */
  loadMapView(): Promise<MapView>;

  listStates(): Promise<StateDoc[]>;
  listPcs(stateCode: string): Promise<PcDoc[]>;
  listAcs(pcCode: string): Promise<AcDoc[]>;
  getState(code: string): Promise<StateDoc | null>;
  getPc(code: string): Promise<PcDoc | null>;
  getAc(code: string): Promise<AcDoc | null>;
  listClusters(): Promise<ClusterInfo[]>;
  getCluster(key: string): Promise<ClusterInfo | null>;
  clusterOfState(stateCode: string): Promise<ClusterInfo | null>;
  /** A human label; "" for the country (the caller uses a locale string), the raw code for an unknown territory. */
  territoryName(ref: TerritoryRef, lang: Language): Promise<string>;

  /** Makes `stateCodes` the cluster's states, taking each out of whichever cluster held it. */
  setClusterStates(key: string, stateCodes: readonly string[]): Promise<ClusterInfo>;
  /** Moves one state into a cluster (out of its previous one). */
  moveState(stateCode: string, key: string): Promise<ClusterInfo>;
  createCluster(input: { key: string; name: ClusterName }): Promise<ClusterInfo>;
  renameCluster(key: string, name: ClusterName): Promise<ClusterInfo>;
  /** Only an empty cluster can go: its states would otherwise silently lose their cluster head. */
  deleteCluster(key: string): Promise<void>;
}

export function createMapService(models: Models): MapService {
  const { State, Pc, Ac, Cluster } = models;
  const noId = { _id: 0, __v: 0 } as const;
  const clusterFields = { _id: 0, key: 1, name: 1, stateCodes: 1 } as const;

  const getState = (code: string) => State.findOne({ code }, noId).lean<StateDoc>();
  const getCluster = (key: string) => Cluster.findOne({ key }, clusterFields).lean<ClusterInfo>();

  async function requireCluster(key: string): Promise<void> {
    if (!(await Cluster.exists({ key }))) throw unknownCluster(key);
  }

  async function requireStates(codes: readonly string[]): Promise<void> {
    const found = await State.find({ code: trusted({ $in: [...codes] }) }, { _id: 0, code: 1 }).lean<StateDoc[]>();
    const known = new Set(found.map((s) => s.code));
    const missing = codes.filter((c) => !known.has(c));
    if (missing.length) throw new MapError("unknown_state", `Unknown state code(s): ${missing.join(", ")}`);
  }

  async function pullFromOtherClusters(key: string, codes: readonly string[]): Promise<void> {
    await Cluster.updateMany(
      { key: trusted({ $ne: key }), stateCodes: trusted({ $in: [...codes] }) },
      { $pullAll: { stateCodes: [...codes] } },
    );
  }

  /**
   * A state belongs to one cluster. Without transactions the move is: take the states out of every other cluster,
   * write this one, then take them out of the others again. The second pass matters when two admins move the same
   * state at once: each could otherwise pull it before the other adds it, leaving it in both clusters. With it the
   * state ends in at most one (rarely none, which shows in the cluster list and is fixed by moving it again).
   */
  async function placeStates(key: string, codes: readonly string[], mode: "set" | "add"): Promise<ClusterInfo> {
    await pullFromOtherClusters(key, codes);
    const update =
      mode === "set" ? { $set: { stateCodes: [...codes] } } : { $addToSet: { stateCodes: { $each: [...codes] } } };
    const res = await Cluster.updateOne({ key }, update);
    if (res.matchedCount === 0) throw unknownCluster(key);
    await pullFromOtherClusters(key, codes);
    return clusterOrThrow(key);
  }

  // The constituencies are the seeded map and never change while the bot runs: read them once per service, not on
  // every permission check or name shown (FerretDB scans the 543 PCs or 4,123 ACs for each lookup by code).
  // Clusters are small and editable, so they are read every time. A seed drops what was read.
  interface Constituencies {
    pcs: Map<string, PcDoc>;
    acs: Map<string, AcDoc>;
    pcsOfState: Map<string, PcDoc[]>;
    acsOfPc: Map<string, AcDoc[]>;
    pcOfAc: Map<string, string>;
  }
  let constituenciesCache: Promise<Constituencies> | undefined;
  function constituencies(): Promise<Constituencies> {
    constituenciesCache ??= Promise.all([Pc.find({}, noId).lean<PcDoc[]>(), Ac.find({}, noId).lean<AcDoc[]>()]).then(([pcs, acs]) => {
      // Nothing there means "not seeded yet": do not keep it.
      if (pcs.length === 0 || acs.length === 0) constituenciesCache = undefined;
      const byNo = (a: { no: number }, b: { no: number }) => a.no - b.no;
      return {
        pcs: new Map(pcs.map((p) => [p.code, p])),
        acs: new Map(acs.map((a) => [a.code, a])),
        pcsOfState: groupBy([...pcs].sort(byNo), (p) => p.stateCode),
        acsOfPc: groupBy([...acs].sort(byNo), (a) => a.pcCode),
        pcOfAc: new Map(acs.map((a) => [a.code, a.pcCode])),
      };
    });
    constituenciesCache.catch(() => (constituenciesCache = undefined));
    return constituenciesCache;
  }
  // Copies: a caller that changes what it was given cannot change the next caller's.
  const getPc = async (code: string): Promise<PcDoc | null> => {
    const pc = (await constituencies()).pcs.get(code);
    return pc ? { ...pc } : null;
  };
  const getAc = async (code: string): Promise<AcDoc | null> => {
    const ac = (await constituencies()).acs.get(code);
    return ac ? { ...ac } : null;
  };
  async function acToPc(): Promise<Map<string, string>> {
    return (await constituencies()).pcOfAc;
  }

  /** Re-read after an update; the cluster can only be missing if another admin deleted it in between. */
  async function clusterOrThrow(key: string): Promise<ClusterInfo> {
    const cluster = await getCluster(key);
    if (!cluster) throw unknownCluster(key);
    return cluster;
  }

  return {
    async seedMap(options) {
      const data = await readMapData(options?.dataDir ?? DEFAULT_DATA_DIR);
      await syncByCode(State, data.states);
      await syncByCode(Pc, data.pcs);
      await syncByCode(Ac, data.acs);
      const counts = await countTerritories(models);
      assertCountsMatch(counts, data);
      await insertDefaultClusters(Cluster, data.clusters);
      constituenciesCache = undefined;
      return { ...counts, clusters: await Cluster.countDocuments({}) };
    },

    async isSeeded(options) {
      const data = await readMapData(options?.dataDir ?? DEFAULT_DATA_DIR);
      const counts = await countTerritories(models);
      return counts.states === data.states.length && counts.pcs === data.pcs.length && counts.acs === data.acs.length;
    },

    async loadMapView() {
      const [clusters, pcByAc] = await Promise.all([
        Cluster.find({}, { _id: 0, key: 1, stateCodes: 1 }).lean<Pick<ClusterDoc, "key" | "stateCodes">[]>(),
        acToPc(),
      ]);
      return {
        clusters: new Map(clusters.map((c) => [c.key, [...c.stateCodes]])),
        pcOfAc: (code: string) => pcByAc.get(code),
      };
    },

    listStates: () => State.find({}, noId).sort({ name: 1 }).lean<StateDoc[]>(),
    listPcs: async (stateCode) => ((await constituencies()).pcsOfState.get(stateCode) ?? []).map((p) => ({ ...p })),
    listAcs: async (pcCodeValue) => ((await constituencies()).acsOfPc.get(pcCodeValue) ?? []).map((a) => ({ ...a })),
    getState,
    getPc,
    getAc,
    // Keys are short English slugs, so key order is a stable, predictable menu order in either language.
    listClusters: () => Cluster.find({}, clusterFields).sort({ key: 1 }).lean<ClusterInfo[]>(),
    getCluster,
    clusterOfState: (stateCode) => Cluster.findOne({ stateCodes: stateCode }, clusterFields).lean<ClusterInfo>(),

    async territoryName(ref, lang) {
      // A role scope can outlive its territory (a deleted cluster); its code is still a usable label.
      switch (ref.level) {
        case "country":
          return "";
        case "cluster": {
          const cluster = await getCluster(ref.code);
          return cluster ? cluster.name[lang] : ref.code;
        }
        case "state": {
          const state = await getState(ref.code);
          if (!state) return ref.code;
          return lang === "hi" ? state.nameHi : state.name;
        }
        case "pc": {
          // Constituency names exist only in English in the data, so PC and AC labels are the same in both languages.
          const pc = await getPc(ref.code);
          return pc ? numbered(pc) : ref.code;
        }
        case "ac": {
          const ac = await getAc(ref.code);
          if (!ac) return ref.code;
          // AC names repeat across states and often echo their PC's; the PC makes the label unambiguous.
          const pc = await getPc(ac.pcCode);
          return pc ? `${numbered(ac)}, ${numbered(pc)}` : numbered(ac);
        }
      }
    },

    async setClusterStates(key, stateCodes) {
      const codes = [...new Set(stateCodes)];
      await requireCluster(key);
      await requireStates(codes);
      return placeStates(key, codes, "set");
    },

    async moveState(stateCode, key) {
      await requireCluster(key);
      await requireStates([stateCode]);
      return placeStates(key, [stateCode], "add");
    },

    async createCluster({ key, name }) {
      if (!CLUSTER_KEY_RE.test(key)) throw new MapError("bad_key", `Cluster key must match ${CLUSTER_KEY_RE}`);
      const cluster: ClusterInfo = { key, name: checkName(name), stateCodes: [] };
      try {
        await Cluster.create(cluster);
      } catch (err) {
        if (isDuplicateKey(err)) throw new MapError("duplicate_key", `A cluster with key "${key}" exists`);
        throw err;
      }
      return cluster;
    },

    async renameCluster(key, name) {
      const res = await Cluster.updateOne({ key }, { $set: { name: checkName(name) } });
      if (res.matchedCount === 0) throw unknownCluster(key);
      return clusterOrThrow(key);
    },

    async deleteCluster(key) {
      // One conditional delete, so a state added at the same moment cannot be deleted along with the cluster.
      const res = await Cluster.deleteOne({ key, stateCodes: trusted({ $size: 0 }) });
      if (res.deletedCount === 1) return;
      await requireCluster(key);
      throw new MapError("cluster_not_empty", `Cluster "${key}" still has states; move them first`);
    },
  };
}

/** "Varanasi (77)": constituency names repeat (and change), their numbers do not. */
function numbered(c: { name: string; no: number }): string {
  return `${c.name} (${c.no})`;
}

function unknownCluster(key: string): MapError {
  return new MapError("unknown_cluster", `No cluster with key "${key}"`);
}

function checkName(name: ClusterName): ClusterName {
  const hi = typeof name?.hi === "string" ? name.hi.trim() : "";
  const en = typeof name?.en === "string" ? name.en.trim() : "";
  const ok = (s: string) => s.length > 0 && s.length <= MAX_CLUSTER_NAME;
  if (!ok(hi) || !ok(en)) {
    throw new MapError("bad_name", `A cluster needs a Hindi and an English name of 1-${MAX_CLUSTER_NAME} characters`);
  }
  return { hi, en };
}

// ---- Seeding -----------------------------------------------------------------------------------------------------

interface MapData {
  states: StateDoc[];
  pcs: PcDoc[];
  acs: AcDoc[];
  clusters: ClusterInfo[];
}

type TerritoryCounts = Omit<SeedCounts, "clusters">;

async function countTerritories(models: Models): Promise<TerritoryCounts> {
  const [states, pcs, acs] = await Promise.all([
    models.State.countDocuments({}),
    models.Pc.countDocuments({}),
    models.Ac.countDocuments({}),
  ]);
  return { states, pcs, acs };
}

/**
 * Makes the collection hold `docs`, keyed on the unique code: inserts the missing, rewrites the changed, leaves the
 * rest alone, so a re-run is cheap and never duplicates. Why not one bulk upsert of everything: on FerretDB (SQLite)
 * each update scans the collection and a bulk batch costs quadratically in its length (4,123 upserts: minutes), while
 * one read of the collection plus insertMany takes about a second. Changed documents still go as upserts, in small
 * batches, which is as fast as FerretDB allows and costs MongoDB nothing.
 */
async function syncByCode<T extends { code: string }>(model: Model<T>, docs: readonly T[]): Promise<number> {
  const existing = await model.find({}, { _id: 0, __v: 0 }).lean<T[]>();
  const byCode = new Map(existing.map((d) => [d.code, d]));
  const missing = docs.filter((d) => !byCode.has(d.code));
  const changed = docs.filter((d) => byCode.has(d.code) && !sameFields(byCode.get(d.code)!, d));
  if (missing.length) {
    try {
      // lean: the documents come from readMapData, which has checked every field; mongoose's casting and
      // validation of 4,123 documents cost more CPU than the insert (about 0.45 s of a 0.8 s seed).
      await model.insertMany(missing, { ordered: false, lean: true });
    } catch (err) {
      // A second seed running at the same moment inserted some of them: the unique index kept one of each.
      if (!isDuplicateKey(err)) throw err;
    }
  }
  for (let i = 0; i < changed.length; i += UPSERT_BATCH) {
    const ops = changed.slice(i, i + UPSERT_BATCH).map((doc) => ({
      updateOne: { filter: { code: doc.code }, update: { $set: doc }, upsert: true },
    }));
    await model.bulkWrite(ops as Parameters<Model<T>["bulkWrite"]>[0], { ordered: false });
  }
  return missing.length + changed.length;
}

// Small: FerretDB 1.24 on PostgreSQL stops answering anyone on an update command of about 50 statements or more
// (db/migrations/calendars.ts).
const UPSERT_BATCH = 25;

/** The seeded documents hold only strings and numbers, so field-by-field equality is enough. */
function sameFields<T extends object>(stored: T, wanted: T): boolean {
  return (Object.keys(wanted) as (keyof T)[]).every((k) => stored[k] === wanted[k]);
}

/** Extra documents (a constituency dropped from the data) would otherwise go unnoticed: the map must match the data. */
function assertCountsMatch(counts: TerritoryCounts, data: MapData): void {
  const expected: TerritoryCounts = { states: data.states.length, pcs: data.pcs.length, acs: data.acs.length };
  const off = (Object.keys(expected) as (keyof TerritoryCounts)[]).filter((k) => counts[k] !== expected[k]);
  if (off.length) {
    const detail = off.map((k) => `${k}: database ${counts[k]}, data files ${expected[k]}`).join("; ");
    throw new MapError("bad_data", `Map in the database does not match the data files (${detail})`);
  }
}

/** Default clusters go only into an empty collection: once admins have edited clusters, a re-seed leaves them be. */
async function insertDefaultClusters(Cluster: Models["Cluster"], clusters: readonly ClusterInfo[]): Promise<void> {
  if ((await Cluster.countDocuments({})) > 0) return;
  try {
    await Cluster.insertMany(clusters, { ordered: false });
  } catch (err) {
    // Another seed run got there first: its clusters are the same defaults.
    if (!isDuplicateKey(err)) throw err;
  }
}

// data/states.csv is not from an official source: its English names are the PC file's, and its Hindi (Devanagari)
// names were written for this project. The constituency files are documented in data/README.md.
const STATE_COLUMNS = ["state_code", "name", "name_hi"] as const;
const PC_COLUMNS = ["state_code", "state_name", "pc_no", "pc_name", "reserved"] as const;
const AC_COLUMNS = ["state_code", "ac_no", "ac_name", "pc_no", "reserved"] as const;
const RESERVED = new Set(["GEN", "SC", "ST"]);
const MAX_PROBLEMS = 20;

/** Reads and cross-checks the data files; throws one MapError("bad_data") listing what is wrong. */
export async function readMapData(dataDir: string): Promise<MapData> {
  const read = (name: string) => readFile(path.join(dataDir, name), "utf8");
  const [statesCsv, pcsCsv, acsCsv, clustersJson] = await Promise.all([
    read("states.csv"),
    read("lok-sabha-constituencies.csv"),
    read("vidhan-sabha-constituencies.csv"),
    read("clusters.json"),
  ]);
  const problems: string[] = [];
  const stateRows = parseCsv(statesCsv, "states.csv", STATE_COLUMNS);
  const pcRows = parseCsv(pcsCsv, "lok-sabha-constituencies.csv", PC_COLUMNS);
  const acRows = parseCsv(acsCsv, "vidhan-sabha-constituencies.csv", AC_COLUMNS);

  const pcs = pcRows.map((r, i) => toPc(r, i + 2, problems));
  const pcCodes = new Set(pcs.map((p) => p.code));
  const acs = acRows.map((r, i) => toAc(r, i + 2, pcCodes, problems));
  const states = stateRows.map((r) => toState(r, pcs, acs));
  checkStates(states, pcs, problems);
  checkUnique("PC", pcs, problems);
  checkUnique("AC", acs, problems);
  const clusters = parseClusters(clustersJson, new Set(states.map((s) => s.code)), problems);

  if (problems.length) {
    const shown = problems.slice(0, MAX_PROBLEMS).map((p) => `  - ${p}`);
    if (problems.length > MAX_PROBLEMS) shown.push(`  - ... and ${problems.length - MAX_PROBLEMS} more`);
    throw new MapError("bad_data", `The map data in ${dataDir} is inconsistent:\n${shown.join("\n")}`);
  }
  return { states, pcs, acs, clusters };
}

/**
 * The data files are plain comma-separated text with no quoting (data/README.md), so a split is a full parser.
 * A row with the wrong number of fields (a stray comma in a name) is an error, never a silent shift of columns.
 */
function parseCsv<C extends string>(text: string, file: string, columns: readonly C[]): Record<C, string>[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const header = lines[0]?.trim();
  if (header !== columns.join(",")) {
    throw new MapError("bad_data", `${file}: header is "${header}", expected "${columns.join(",")}"`);
  }
  const rows: Record<C, string>[] = [];
  lines.slice(1).forEach((line, i) => {
    if (line.trim() === "") return;
    const cells = line.split(",").map((c) => c.trim());
    if (cells.length !== columns.length) {
      throw new MapError("bad_data", `${file} line ${i + 2}: ${cells.length} fields, expected ${columns.length}`);
    }
    rows.push(Object.fromEntries(columns.map((c, j) => [c, cells[j]])) as Record<C, string>);
  });
  return rows;
}

function parseNo(value: string, where: string, problems: string[]): number {
  const n = Number(value);
  if (!/^\d{1,3}$/.test(value) || n < 1) problems.push(`${where}: "${value}" is not a constituency number`);
  return n;
}

function parseReserved(value: string, where: string, problems: string[]): PcDoc["reserved"] {
  if (!RESERVED.has(value)) problems.push(`${where}: reserved must be GEN, SC or ST, not "${value}"`);
  return value as PcDoc["reserved"];
}

function toPc(r: Record<(typeof PC_COLUMNS)[number], string>, line: number, problems: string[]): PcDoc {
  const where = `lok-sabha-constituencies.csv line ${line}`;
  const no = parseNo(r.pc_no, where, problems);
  return {
    code: pcCode(r.state_code, no),
    stateCode: r.state_code,
    no,
    name: r.pc_name,
    reserved: parseReserved(r.reserved, where, problems),
  };
}

function toAc(
  r: Record<(typeof AC_COLUMNS)[number], string>,
  line: number,
  pcCodes: ReadonlySet<string>,
  problems: string[],
): AcDoc {
  const where = `vidhan-sabha-constituencies.csv line ${line}`;
  const no = parseNo(r.ac_no, where, problems);
  const pc = pcCode(r.state_code, parseNo(r.pc_no, where, problems));
  if (!pcCodes.has(pc)) problems.push(`${where}: AC ${r.ac_name} belongs to ${pc}, which is not in the PC file`);
  return {
    code: acCode(r.state_code, no),
    stateCode: r.state_code,
    no,
    name: r.ac_name,
    pcCode: pc,
    reserved: parseReserved(r.reserved, where, problems),
  };
}

function toState(r: Record<(typeof STATE_COLUMNS)[number], string>, pcs: PcDoc[], acs: AcDoc[]): StateDoc {
  return {
    code: r.state_code,
    name: r.name,
    nameHi: r.name_hi,
    pcCount: pcs.filter((p) => p.stateCode === r.state_code).length,
    acCount: acs.filter((a) => a.stateCode === r.state_code).length,
  };
}

/** states.csv must name exactly the states the PC file uses, each once, with both names. */
function checkStates(states: StateDoc[], pcs: PcDoc[], problems: string[]): void {
  checkUnique("state", states, problems);
  const listed = new Set(states.map((s) => s.code));
  for (const code of new Set(pcs.map((p) => p.stateCode))) {
    if (!listed.has(code)) problems.push(`states.csv: ${code} has PCs but is not listed`);
  }
  for (const s of states) {
    if (!/^IN-[A-Z]{2}$/.test(s.code)) problems.push(`states.csv: "${s.code}" is not a state code`);
    if (!s.name || !s.nameHi) problems.push(`states.csv: ${s.code} needs an English and a Hindi name`);
    if (s.pcCount === 0) problems.push(`states.csv: ${s.code} has no PCs in the PC file`);
  }
}

function checkUnique(what: string, docs: readonly { code: string }[], problems: string[]): void {
  const seen = new Set<string>();
  for (const { code } of docs) {
    if (seen.has(code)) problems.push(`${what} ${code} appears twice`);
    seen.add(code);
  }
}

/**
 * data/clusters.json: [{key, name: {hi, en}, stateCodes}]. Each state may be in at most one cluster; a state in none
 * is allowed (an organisation may not work everywhere) and simply has no cluster head.
 */
function parseClusters(json: string, stateCodes: ReadonlySet<string>, problems: string[]): ClusterInfo[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    problems.push(`clusters.json: not valid JSON (${(err as Error).message})`);
    return [];
  }
  if (!Array.isArray(raw)) {
    problems.push("clusters.json: must be an array of clusters");
    return [];
  }
  const clusters: ClusterInfo[] = [];
  const keys = new Set<string>();
  const placed = new Map<string, string>();
  for (const [i, item] of raw.entries()) {
    const c = item as Partial<ClusterInfo> | null;
    const where = `clusters.json entry ${i + 1}`;
    const key = typeof c?.key === "string" ? c.key : "";
    if (!CLUSTER_KEY_RE.test(key)) problems.push(`${where}: key "${key}" must match ${CLUSTER_KEY_RE}`);
    if (keys.has(key)) problems.push(`${where}: key "${key}" is used twice`);
    keys.add(key);
    let name: ClusterName = { hi: "", en: "" };
    try {
      name = checkName(c?.name as ClusterName);
    } catch (err) {
      problems.push(`${where}: ${(err as Error).message}`);
    }
    const codes = Array.isArray(c?.stateCodes) ? c.stateCodes.map(String) : [];
    if (!Array.isArray(c?.stateCodes)) problems.push(`${where}: stateCodes must be an array`);
    for (const code of codes) {
      if (!stateCodes.has(code)) problems.push(`${where}: unknown state ${code}`);
      const other = placed.get(code);
      if (other !== undefined) problems.push(`${where}: ${code} is already in cluster "${other}"`);
      placed.set(code, key);
    }
    clusters.push({ key, name, stateCodes: codes });
  }
  return clusters;
}
