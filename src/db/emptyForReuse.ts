// Empties a database for its next use instead of dropping it: making some forty collections and their indexes again
// is most of a sandbox start on FerretDB (each creation takes a lock every other one waits for). Used by the sandbox
// at every start and by the tests' database pool.
import type mongoose from "mongoose";
import type { Database } from "./connection.js";

/**
 * Empties every collection of the models but those in `keep`. A collection that is not one of ours, or whose indexes
 * are not exactly those its schema declares (an older version's, a unique one say, would otherwise outlive it), is
 * dropped instead. Returns the models' collections that are now missing, dropped here or never made: ensureIndexes
 * makes them. Throws when the database cannot be reached (a closed connection): it must not be reused then.
 */
export async function emptyForReuse(db: Database, keep: ReadonlySet<string> = new Set()): Promise<string[]> {
  const ours = new Map((Object.values(db.models) as mongoose.Model<unknown>[]).map((m) => [m.collection.name, m]));
  const present = new Set<string>();
  for (const { name } of await db.connection.db!.listCollections({}, { nameOnly: true }).toArray()) {
    const model = ours.get(name);
    if (!model || !(await hasDeclaredIndexes(model))) {
      await db.connection.db!.dropCollection(name);
      continue;
    }
    present.add(name);
    if (!keep.has(name)) await db.connection.db!.collection(name).deleteMany({});
  }
  return [...ours.keys()].filter((name) => !present.has(name));
}

/** True when the model's collection has exactly the indexes its schema declares (besides _id's), unique as declared. */
async function hasDeclaredIndexes(model: mongoose.Model<unknown>): Promise<boolean> {
  const existing = (await model.listIndexes()) as { key: Record<string, number>; unique?: boolean }[];
  const declared = model.schema.indexes();
  if (existing.filter((ix) => JSON.stringify(ix.key) !== '{"_id":1}').length !== declared.length) return false;
  return declared.every(([fields, opts]) => {
    const found = existing.find((ix) => JSON.stringify(ix.key) === JSON.stringify(fields));
    return found !== undefined && Boolean((opts as { unique?: boolean }).unique) === Boolean(found.unique);
  });
}
