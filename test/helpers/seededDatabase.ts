// A test database with the real map seeded (36 states, 543 PCs, 4,123 ACs), reused by the files one worker runs.
//
// Seeding the map is the slowest part of building a harness on FerretDB (1.5-2 s). vitest runs with
// isolate off (vitest.config.ts), so this module, and its pool, lives as long as the worker: a file that is done
// with its database hands it back with every collection but the map's dropped, and the next file takes it. Nothing
// a test stored can reach another one: only the read-only map survives (checked against the data files when it was
// seeded), and a reused database gets its default clusters back.
import { createMapService, DEFAULT_DATA_DIR, readMapData } from "../../src/services/mapService.js";
import { ensureIndexes } from "../../src/db/connection.js";
import type { Model } from "mongoose";
import { openTestDatabase, type TestDatabase } from "./db.js";

/** The collections kept between users: the map's constituencies. Clusters are editable, so they go with the rest. */
const KEPT = new Set(["states", "pcs", "acs"]);

const pool: TestDatabase[] = [];

export async function openSeededTestDatabase(label: string): Promise<TestDatabase> {
  const reused = pool.pop();
  const db = reused ?? (await openTestDatabase(label));
  if (reused) {
    // Its other collections were emptied, indexes kept (checked here: a test that dropped a collection or changed an
    // index gets them made again). Seeding again would only re-read 4,700 unchanged documents (no test writes to the
    // map's collections but test/services/map.test.ts, which seeds databases of its own), so only the editable
    // clusters are put back.
    if (!(await indexesAsDeclared(db))) {
      await dropAllButTheMap(db);
      await ensureIndexes(db.models);
    }
    await db.models.Cluster.insertMany((await readMapData(DEFAULT_DATA_DIR)).clusters);
  } else {
    await createMapService(db.models).seedMap();
  }
  return {
    ...db,
    drop: async () => {
      try {
        await emptyAllButTheMap(db);
      } catch {
        // A database we could not empty is not handed on: drop it as before.
        await db.drop();
        return;
      }
      pool.push(db);
    },
  };
}

/**
 * Empties the models' collections (deleting documents is about a fifth of the cost of dropping the collections and
 * making them and their indexes again on FerretDB) and drops any other collection a test made.
 */
async function emptyAllButTheMap(db: TestDatabase): Promise<void> {
  const ours = new Set(Object.values(db.models).map((m: Model<unknown>) => m.collection.name));
  const collections = await db.connection.db!.listCollections({}, { nameOnly: true }).toArray();
  for (const { name } of collections) {
    if (KEPT.has(name)) continue;
    if (ours.has(name)) await db.connection.db!.collection(name).deleteMany({});
    else await db.connection.db!.dropCollection(name);
  }
}

async function dropAllButTheMap(db: TestDatabase): Promise<void> {
  const collections = await db.connection.db!.listCollections({}, { nameOnly: true }).toArray();
  for (const { name } of collections) if (!KEPT.has(name)) await db.connection.db!.dropCollection(name);
}

/** Every model's collection exists with exactly the indexes its schema declares (plus _id's), unique where declared. */
async function indexesAsDeclared(db: TestDatabase): Promise<boolean> {
  for (const model of Object.values(db.models) as Model<unknown>[]) {
    let existing: { key: Record<string, number>; unique?: boolean }[];
    try {
      existing = (await model.listIndexes()) as typeof existing;
    } catch {
      return false; // the collection is gone
    }
    const declared = model.schema.indexes();
    if (existing.filter((ix) => JSON.stringify(ix.key) !== '{"_id":1}').length !== declared.length) return false;
    for (const [fields, opts] of declared) {
      const found = existing.find((ix) => JSON.stringify(ix.key) === JSON.stringify(fields));
      if (!found || Boolean((opts as { unique?: boolean }).unique) !== Boolean(found.unique)) return false;
    }
  }
  return true;
}
