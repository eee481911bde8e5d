// Test databases handed from one user to the next within a worker, instead of dropped and made again.
//
// Making a database means creating some forty collections and their indexes; on FerretDB that is 0.5-0.9 s on an
// idle server and several seconds on a busy one (collection creation takes a lock that every other creation waits
// for). Emptying the collections of a used one costs a fraction of that. A database is handed on only when every
// collection is there with exactly the indexes its schema declares; anything a test changed in its shape (a dropped
// collection, an extra index, a collection of its own) is put back first.
import type { Model } from "mongoose";
import { ensureIndexes, hasDeclaredIndexes, type Database } from "../../src/db/connection.js";

/**
 * Empties the models' collections but those in `keep` and drops any other collection a test made. Throws when the
 * database cannot be emptied (its connection closed by the test, say): such a database must not be handed on.
 */
export async function emptyCollections(db: Database, keep: ReadonlySet<string> = new Set()): Promise<void> {
  const ours = new Set(Object.values(db.models).map((m: Model<unknown>) => m.collection.name));
  const collections = await db.connection.db!.listCollections({}, { nameOnly: true }).toArray();
  for (const { name } of collections) {
    if (keep.has(name)) continue;
    if (ours.has(name)) await db.connection.db!.collection(name).deleteMany({});
    else await db.connection.db!.dropCollection(name);
  }
}

/** Makes sure every collection and index is as the schemas declare, dropping and remaking all but `keep` if not. */
export async function restoreShape(db: Database, keep: ReadonlySet<string> = new Set()): Promise<void> {
  if (await indexesAsDeclared(db)) return;
  const collections = await db.connection.db!.listCollections({}, { nameOnly: true }).toArray();
  for (const { name } of collections) if (!keep.has(name)) await db.connection.db!.dropCollection(name);
  await ensureIndexes(db.models);
}

/** Every model's collection exists with exactly the indexes its schema declares. */
async function indexesAsDeclared(db: Database): Promise<boolean> {
  for (const model of Object.values(db.models) as Model<unknown>[]) if (!(await hasDeclaredIndexes(model))) return false;
  return true;
}
