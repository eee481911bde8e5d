import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { contains } from "../../src/domain/territory.js";
import {
  DEFAULT_DATA_DIR,
  MapError,
  createMapService,
  readMapData,
  type ClusterInfo,
  type MapErrorCode,
  type MapService,
} from "../../src/services/mapService.js";
import { openTestDatabase, type TestDatabase } from "../helpers/db.js";

const EXPECTED = { states: 36, pcs: 543, acs: 4123, clusters: 8 };
const DEVANAGARI = /^[\u0900-\u097F]+( [\u0900-\u097F]+)*$/;

function csvRows(file: string): string[][] {
  const lines = readFileSync(path.join(DEFAULT_DATA_DIR, file), "utf8").trim().split("\n");
  return lines.slice(1).map((l) => l.split(","));
}

const pcStateCodes = [...new Set(csvRows("lok-sabha-constituencies.csv").map((r) => r[0]!))].sort();

interface ClusterJson {
  key: string;
  name: { hi: string; en: string };
  stateCodes: string[];
}

async function expectMapError(promise: Promise<unknown>, code: MapErrorCode): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MapError);
  expect((err as MapError).code).toBe(code);
}

/** Every state code held by a cluster, with repeats (a state in two clusters shows up twice). */
async function allClusteredStates(map: MapService): Promise<string[]> {
  return (await map.listClusters()).flatMap((c) => c.stateCodes).sort();
}

describe("map data files", () => {
  it("states.csv lists the 36 states/UTs of the PC file once each, with English and Devanagari names", () => {
    const rows = csvRows("states.csv");
    expect(rows).toHaveLength(36);
    expect(rows.map((r) => r[0]).sort()).toEqual(pcStateCodes);
    for (const [code, name, nameHi] of rows) {
      expect(name, code).toMatch(/^[A-Za-z ]+$/);
      expect(nameHi, code).toMatch(DEVANAGARI);
    }
    const byCode = new Map(rows.map((r) => [r[0], r[2]]));
    expect(byCode.get("IN-UP")).toBe("उत्तर प्रदेश");
    expect(byCode.get("IN-DH")).toBe("दादरा और नगर हवेली और दमन और दीव");
  });

  it("clusters.json puts each of the 36 states in exactly one cluster, with valid keys and Hindi names", () => {
    const clusters = JSON.parse(readFileSync(path.join(DEFAULT_DATA_DIR, "clusters.json"), "utf8")) as ClusterJson[];
    expect(clusters.flatMap((c) => c.stateCodes).sort()).toEqual(pcStateCodes);
    expect(new Set(clusters.map((c) => c.key)).size).toBe(clusters.length);
    for (const c of clusters) {
      expect(c.key).toMatch(/^[a-z0-9-]{1,20}$/);
      expect(c.name.hi).toMatch(/^[\u0900-\u097F -]+$/);
      expect(c.name.en.length).toBeGreaterThan(0);
    }
  });

  describe("inconsistent data is refused before anything is written", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), "sanyojak-map-data-"));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    function copyData(): string {
      const target = mkdtempSync(path.join(dir, "d-"));
      cpSync(DEFAULT_DATA_DIR, target, { recursive: true });
      return target;
    }

    it("reads the shipped files", async () => {
      const data = await readMapData(DEFAULT_DATA_DIR);
      expect([data.states.length, data.pcs.length, data.acs.length, data.clusters.length]).toEqual([36, 543, 4123, 8]);
    });

    it("an AC whose PC does not exist", async () => {
      const d = copyData();
      appendFileSync(path.join(d, "vidhan-sabha-constituencies.csv"), "IN-UP,404,Nowhere,81,GEN\n");
      await expect(readMapData(d)).rejects.toThrow(/Nowhere belongs to IN-UP:P81/);
      await expectMapError(readMapData(d), "bad_data");
    });

    it("a state in two default clusters", async () => {
      const d = copyData();
      const file = path.join(d, "clusters.json");
      const clusters = JSON.parse(readFileSync(file, "utf8")) as ClusterJson[];
      clusters[1]!.stateCodes.push("IN-UP");
      writeFileSync(file, JSON.stringify(clusters));
      await expect(readMapData(d)).rejects.toThrow(/IN-UP is already in cluster/);
    });

    it("a row with a stray comma", async () => {
      const d = copyData();
      appendFileSync(path.join(d, "lok-sabha-constituencies.csv"), "IN-UP,Uttar Pradesh,81,Somewhere, East,GEN\n");
      await expect(readMapData(d)).rejects.toThrow(/line 545: 6 fields, expected 5/);
    });
  });
});

describe("map service", () => {
  let db: TestDatabase;
  let map: MapService;
  let seededBefore: boolean;
  let firstSeed: Awaited<ReturnType<MapService["seedMap"]>>;

  beforeAll(async () => {
    db = await openTestDatabase("map");
    map = createMapService(db.models);
    seededBefore = await map.isSeeded();
    firstSeed = await map.seedMap();
  });
  // Some tests edit the clusters: each test starts from the default layout, whatever ran before it.
  let defaultClusters: ClusterInfo[];
  beforeEach(async () => {
    defaultClusters ??= (await readMapData(DEFAULT_DATA_DIR)).clusters;
    await db.models.Cluster.deleteMany({});
    await db.models.Cluster.insertMany(defaultClusters);
  });
  afterAll(async () => {
    await db.drop();
  });

  /** A new cluster "central-2" holding Madhya Pradesh. */
  async function centralTwo(): Promise<void> {
    await map.createCluster({ key: "central-2", name: { hi: "मध्य-2", en: "Central 2" } });
    await map.setClusterStates("central-2", ["IN-MP"]);
  }

  describe("seeding", () => {
    it("loads 36 states, 543 PCs, 4,123 ACs and the 8 default clusters; a second run duplicates nothing", async () => {
      expect(seededBefore).toBe(false);
      expect(firstSeed).toEqual(EXPECTED);
      const second = await map.seedMap();
      expect(second).toEqual(EXPECTED);
      const { State, Pc, Ac, Cluster } = db.models;
      expect(await State.countDocuments({})).toBe(36);
      expect(await Pc.countDocuments({})).toBe(543);
      expect(await Ac.countDocuments({})).toBe(4123);
      expect(await Cluster.countDocuments({})).toBe(8);
      expect(await map.isSeeded()).toBe(true);
    });

    it("two seeds racing on an empty database both succeed and leave one copy of everything", async () => {
      const other = await openTestDatabase("maprace");
      try {
        const otherMap = createMapService(other.models);
        const results = await Promise.all([otherMap.seedMap(), otherMap.seedMap()]);
        expect(results).toEqual([EXPECTED, EXPECTED]);
        expect(await other.models.Cluster.countDocuments({})).toBe(8);
        expect(await other.models.Ac.countDocuments({})).toBe(4123);
      } finally {
        await other.drop();
      }
    });

    it("computes each state's PC and AC counts", async () => {
      expect(await map.getState("IN-UP")).toEqual({
        code: "IN-UP",
        name: "Uttar Pradesh",
        nameHi: "उत्तर प्रदेश",
        pcCount: 80,
        acCount: 403,
      });
      // A UT without a legislature has a PC but no ACs.
      expect(await map.getState("IN-CH")).toMatchObject({ pcCount: 1, acCount: 0 });
      const states = await map.listStates();
      expect(states.reduce((n, s) => n + s.pcCount, 0)).toBe(543);
      expect(states.reduce((n, s) => n + s.acCount, 0)).toBe(4123);
    });

    it("links each AC to its PC (Varanasi)", async () => {
      expect(await map.getPc("IN-UP:P77")).toEqual({
        code: "IN-UP:P77",
        stateCode: "IN-UP",
        no: 77,
        name: "Varanasi",
        reserved: "GEN",
      });
      const acs = await map.listAcs("IN-UP:P77");
      expect(acs.map((a) => `${a.no} ${a.name}`)).toEqual([
        "387 Rohaniya",
        "388 Varanasi North",
        "389 Varanasi South",
        "390 Varanasi Cantt",
        "391 Sevapuri",
      ]);
      expect(await map.getAc("IN-UP:A390")).toMatchObject({ name: "Varanasi Cantt", pcCode: "IN-UP:P77" });
    });

    it("reads the constituencies once per service: later lookups do not reach the database, and a seed reads them again", async () => {
      const first = (await map.getPc("IN-DL:P4"))!;
      first.name = "Changed by a caller";
      expect((await map.getPc("IN-DL:P4"))?.name).toBe("New Delhi"); // each caller gets its own copy
      await db.models.Pc.updateOne({ code: "IN-DL:P4" }, { $set: { name: "Renamed behind its back" } });
      expect((await map.getPc("IN-DL:P4"))?.name).toBe("New Delhi"); // read once: the map never changes while running
      expect((await map.listPcs("IN-DL")).map((p) => p.no)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect((await map.listAcs("IN-DL:P4")).every((a) => a.pcCode === "IN-DL:P4")).toBe(true);
      await map.seedMap(); // puts the data files' name back, and drops what was read
      expect((await map.getPc("IN-DL:P4"))?.name).toBe("New Delhi");
    });

    it("re-seeding after a name change updates in place", async () => {
      await db.models.Pc.updateOne({ code: "IN-DL:P4" }, { $set: { name: "Renamed" } });
      await map.seedMap();
      expect((await map.getPc("IN-DL:P4"))?.name).toBe("New Delhi");
      expect(await db.models.Pc.countDocuments({ stateCode: "IN-DL" })).toBe(7);
    });

    it("refuses to call a database with extra constituencies seeded", async () => {
      await db.models.Ac.create({
        code: "IN-UP:A999",
        stateCode: "IN-UP",
        no: 999,
        name: "Stray",
        pcCode: "IN-UP:P77",
        reserved: "GEN",
      });
      try {
        await expect(map.seedMap()).rejects.toThrow(/acs: database 4124, data files 4123/);
        expect(await map.isSeeded()).toBe(false);
      } finally {
        await db.models.Ac.deleteOne({ code: "IN-UP:A999" });
      }
      expect(await map.isSeeded()).toBe(true);
    });
  });

  describe("reading", () => {
    it("lists states by English name, PCs and ACs by number", async () => {
      const states = await map.listStates();
      expect(states).toHaveLength(36);
      expect(states.map((s) => s.name)).toEqual([...states.map((s) => s.name)].sort((a, b) => a.localeCompare(b)));
      expect(states[0]?.code).toBe("IN-AN");
      const pcs = await map.listPcs("IN-UP");
      expect(pcs.map((p) => p.no)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
      expect(await map.listPcs("IN-XX")).toEqual([]);
      const acs = await map.listAcs("IN-DL:P4");
      expect(acs.map((a) => a.no)).toEqual([...acs.map((a) => a.no)].sort((a, b) => a - b));
      expect(acs).toHaveLength(10);
    });

    it("returns null for unknown codes", async () => {
      expect(await map.getState("IN-XX")).toBeNull();
      expect(await map.getPc("IN-UP:P81")).toBeNull();
      expect(await map.getAc("IN-UP:A404")).toBeNull();
      expect(await map.getCluster("nowhere")).toBeNull();
    });

    it("builds a map view the permission rules can use", async () => {
      const view = await map.loadMapView();
      expect(view.pcOfAc("IN-UP:A390")).toBe("IN-UP:P77");
      expect(view.pcOfAc("IN-UP:A404")).toBeUndefined();
      expect(view.clusters.size).toBe(8);
      expect(contains(view, { level: "pc", code: "IN-UP:P77" }, { level: "ac", code: "IN-UP:A390" })).toBe(true);
      expect(contains(view, { level: "pc", code: "IN-UP:P78" }, { level: "ac", code: "IN-UP:A390" })).toBe(false);
      const key = (await map.clusterOfState("IN-UP"))!.key;
      expect(contains(view, { level: "cluster", code: key }, { level: "ac", code: "IN-UP:A390" })).toBe(true);
    });

    it("names territories in Hindi and English", async () => {
      const name = (level: "country" | "cluster" | "state" | "pc" | "ac", code: string, lang: "hi" | "en") =>
        map.territoryName({ level, code }, lang);
      expect(await name("country", "IN", "hi")).toBe("");
      expect(await name("state", "IN-UP", "hi")).toBe("उत्तर प्रदेश");
      expect(await name("state", "IN-UP", "en")).toBe("Uttar Pradesh");
      expect(await name("pc", "IN-UP:P77", "en")).toBe("Varanasi (77)");
      expect(await name("pc", "IN-UP:P77", "hi")).toBe("Varanasi (77)");
      expect(await name("ac", "IN-UP:A390", "en")).toBe("Varanasi Cantt (390), Varanasi (77)");
      const cluster = (await map.clusterOfState("IN-KL"))!;
      expect(await name("cluster", cluster.key, "hi")).toBe(cluster.name.hi);
      expect(await name("cluster", cluster.key, "en")).toBe(cluster.name.en);
      expect(await name("cluster", "gone", "en")).toBe("gone");
      expect(await name("ac", "IN-UP:A999", "hi")).toBe("IN-UP:A999");
    });
  });

  describe("default clusters", () => {
    it("puts every state in exactly one cluster", async () => {
      expect(await allClusteredStates(map)).toEqual(pcStateCodes);
      const clusters = await map.listClusters();
      expect(clusters.map((c) => c.key)).toEqual([...clusters.map((c) => c.key)].sort());
    });
  });

  describe("editing clusters", () => {
    it("an edited cluster survives a re-seed", async () => {
      const home = (await map.clusterOfState("IN-GA"))!.key;
      await map.renameCluster(home, { hi: "कोंकण क्लस्टर", en: "Konkan cluster" });
      await map.setClusterStates(home, ["IN-GA"]);
      const dropped = (await map.clusterOfState("IN-AP"))!.key;
      await map.setClusterStates(dropped, []);
      await map.deleteCluster(dropped);
      const counts = await map.seedMap();
      // A default cluster the admins deleted does not come back either.
      expect(counts.clusters).toBe(7);
      expect(await map.getCluster(dropped)).toBeNull();
      expect(await map.getCluster(home)).toEqual({
        key: home,
        name: { hi: "कोंकण क्लस्टर", en: "Konkan cluster" },
        stateCodes: ["IN-GA"],
      });
      // The states it gave up stay unclustered rather than coming back from the defaults.
      expect(await map.clusterOfState("IN-MH")).toBeNull();
    });

    it("moving a state leaves it in exactly one cluster", async () => {
      const from = (await map.clusterOfState("IN-UP"))!.key;
      const to = (await map.clusterOfState("IN-KL"))!.key;
      expect(from).not.toBe(to);
      const moved = await map.moveState("IN-UP", to);
      expect(moved.stateCodes).toContain("IN-UP");
      expect((await map.clusterOfState("IN-UP"))?.key).toBe(to);
      expect((await map.getCluster(from))!.stateCodes).not.toContain("IN-UP");
      // Moving it again to where it is changes nothing.
      await map.moveState("IN-UP", to);
      const all = await allClusteredStates(map);
      expect(all.filter((c) => c === "IN-UP")).toHaveLength(1);
    });

    it("setting a cluster's states takes them from wherever they were", async () => {
      const created = await map.createCluster({ key: "central-2", name: { hi: " मध्य-2 ", en: "Central 2" } });
      expect(created).toEqual({ key: "central-2", name: { hi: "मध्य-2", en: "Central 2" }, stateCodes: [] });
      const taken = ["IN-UP", "IN-MH", "IN-MP", "IN-MP"];
      const result = await map.setClusterStates("central-2", taken);
      expect(result.stateCodes).toEqual(["IN-UP", "IN-MH", "IN-MP"]);
      for (const code of ["IN-UP", "IN-MH", "IN-MP"]) {
        expect((await map.clusterOfState(code))?.key).toBe("central-2");
      }
      const all = await allClusteredStates(map);
      expect(all.length).toBe(new Set(all).size);
      const view = await map.loadMapView();
      expect(view.clusters.get("central-2")).toEqual(["IN-UP", "IN-MH", "IN-MP"]);
      // Setting fewer releases the rest (they are then in no cluster).
      await map.setClusterStates("central-2", ["IN-MP"]);
      expect(await map.clusterOfState("IN-UP")).toBeNull();
    });

    it("refuses bad edits with typed errors", async () => {
      await centralTwo();
      await expectMapError(map.setClusterStates("central-2", ["IN-MP", "IN-XX"]), "unknown_state");
      expect((await map.getCluster("central-2"))!.stateCodes).toEqual(["IN-MP"]);
      await expectMapError(map.setClusterStates("nowhere", ["IN-MP"]), "unknown_cluster");
      await expectMapError(map.moveState("IN-MP", "nowhere"), "unknown_cluster");
      await expectMapError(map.moveState("IN-XX", "central-2"), "unknown_state");
      await expectMapError(map.createCluster({ key: "Bad Key", name: { hi: "क", en: "K" } }), "bad_key");
      await expectMapError(map.createCluster({ key: "x".repeat(21), name: { hi: "क", en: "K" } }), "bad_key");
      await expectMapError(map.createCluster({ key: "central-2", name: { hi: "क", en: "K" } }), "duplicate_key");
      await expectMapError(map.createCluster({ key: "blank", name: { hi: "  ", en: "K" } }), "bad_name");
      await expectMapError(map.renameCluster("nowhere", { hi: "क", en: "K" }), "unknown_cluster");
      await expectMapError(map.deleteCluster("central-2"), "cluster_not_empty");
      await expectMapError(map.deleteCluster("nowhere"), "unknown_cluster");
      expect(await map.getCluster("central-2")).not.toBeNull();
      expect(await map.getCluster("blank")).toBeNull();
    });

    it("deletes a cluster once it is empty", async () => {
      await centralTwo();
      await map.setClusterStates("central-2", []);
      await map.deleteCluster("central-2");
      expect(await map.getCluster("central-2")).toBeNull();
    });
  });
});
