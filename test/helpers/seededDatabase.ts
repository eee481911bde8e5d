// A test database with the real map seeded (36 states, 543 PCs, 4,123 ACs), reused by the files one worker runs.
//
// Seeding the map is the slowest part of building a harness on FerretDB (1.5-2 s). vitest runs with
// isolate off (vitest.config.ts), so this module, and its pool, lives as long as the worker: a file that is done
// with its database hands it back with every collection but the map's emptied, and the next file takes it. Nothing
// a test stored can reach another one: only the read-only map survives (checked against the data files when it was
// seeded), and a reused database gets its default clusters back.
import { createMapService, DEFAULT_DATA_DIR, readMapData } from "../../src/services/mapService.js";
import { createTestDatabase, type TestDatabase } from "./db.js";
import { ensureIndexes } from "../../src/db/connection.js";
import { emptyForReuse } from "../../src/db/emptyForReuse.js";

/** The collections kept between users: the map's constituencies. Clusters are editable, so they go with the rest. */
const KEPT = new Set(["states", "pcs", "acs"]);

const pool: TestDatabase[] = [];

export async function openSeededTestDatabase(label: string): Promise<TestDatabase> {
  const reused = pool.pop();
  const db = reused ?? (await createTestDatabase(label));
  if (reused) {
    // Its other collections were emptied, indexes as declared (see drop below). Seeding again would only re-read
    // 4,700 unchanged documents (no test writes to the map's collections but test/services/map.test.ts, which seeds
    // databases of its own), so only the editable clusters are put back.
    await db.models.Cluster.insertMany((await readMapData(DEFAULT_DATA_DIR)).clusters);
  } else {
    await createMapService(db.models).seedMap();
  }
  return {
    ...db,
    drop: async () => {
      // A database we could not empty, or whose map a test changed the shape of, is not handed on: dropped as before.
      const emptied = await emptyForReuse(db, KEPT).catch(() => null);
      if (!emptied || emptied.some((name) => KEPT.has(name))) {
        await db.drop();
        return;
      }
      // What a test dropped or changed the indexes of is made again now.
      if (emptied.length > 0) await ensureIndexes(db.models);
      pool.push(db);
    },
  };
}
