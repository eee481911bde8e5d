// One database per test file (and per call), on the server started by test/globalSetup.ts. Never a mock.
import { randomBytes } from "node:crypto";
import { inject, test } from "vitest";
import { connectDatabase, ensureIndexes, type Database } from "../../src/db/connection.js";
import { emptyForReuse } from "../../src/db/emptyForReuse.js";

export interface TestDatabase extends Database {
  dbName: string;
  uri: string;
  /** Drops the database and closes the connection. */
  drop(): Promise<void>;
}

/** The test server for this worker (test/globalSetup.ts starts one per worker). */
export function testMongoUri(): string {
  const uris = inject("mongoUris");
  const pool = Number(process.env.VITEST_POOL_ID ?? 1);
  return uris[(pool - 1) % uris.length] ?? inject("mongoUri");
}

/** Emptied databases of this worker's earlier users; vitest runs with isolate off. */
const emptied: TestDatabase[] = [];

/**
 * A database of the caller's own, with every collection and index made and nothing in it: one an earlier test file
 * or test of this worker handed back, or a new one. Its drop() empties it and hands it on (making one is some forty
 * collections and their indexes: 0.5-0.9 s on an idle FerretDB, seconds on a busy one).
 */
export async function openTestDatabase(label = "t"): Promise<TestDatabase> {
  const db = emptied.pop() ?? (await createTestDatabase(label));
  return {
    ...db,
    drop: async () => {
      const missing = await emptyForReuse(db).catch(() => null);
      if (!missing) {
        await db.drop(); // one that cannot be emptied (its connection closed, say) is not handed on
        return;
      }
      // What a test dropped or changed the indexes of is made again now.
      if (missing.length > 0) await ensureIndexes(db.models);
      emptied.push(db);
    },
  };
}

/** A new database with every collection and index made; its drop() drops it. */
export async function createTestDatabase(label = "t"): Promise<TestDatabase> {
  const uri = testMongoUri();
  const dbName = `test_${label.replace(/[^a-z0-9]/gi, "").slice(0, 20)}_${randomBytes(4).toString("hex")}`;
  const db = await connectDatabase({ uri, dbName });
  await ensureIndexes(db.models);
  return {
    ...db,
    dbName,
    uri,
    drop: async () => {
      await db.connection.dropDatabase().catch(() => {});
      await db.close();
    },
  };
}

/** A second connection to the same database, as a restarted or second copy of the bot would have. */
export async function reopenTestDatabase(db: TestDatabase): Promise<Database> {
  return connectDatabase({ uri: db.uri, dbName: db.dbName });
}

export function testDbKind(): string {
  return inject("mongoKind");
}

/**
 * `test` with a `db` fixture: a database of the test's own, opened before it and dropped after, so that what one test
 * stores can never be what another finds. Cheap (no map is seeded): use it for tests that count what they stored.
 */
// eslint-disable-next-line no-empty-pattern -- vitest reads a fixture's dependencies from this pattern: none
export const testWithDatabase = test.extend("db", async ({}, { onCleanup }) => {
  const db = await openTestDatabase("t");
  onCleanup(() => db.drop());
  return db;
});

/**
 * `test` with a `db` fixture shared by the file's tests (opened for the first that asks, dropped after the last):
 * for files whose tests each build their own data under their own keys.
 */
// eslint-disable-next-line no-empty-pattern -- vitest reads a fixture's dependencies from this pattern: none
export const testWithFileDatabase = test.extend("db", { scope: "file" }, async ({}, { onCleanup }) => {
  const db = await openTestDatabase("file");
  onCleanup(() => db.drop());
  return db;
});
