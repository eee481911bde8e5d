// One database per test file (and per call), on the server started by test/globalSetup.ts. Never a mock.
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { connectDatabase, ensureIndexes, type Database } from "../../src/db/connection.js";

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

export async function openTestDatabase(label = "t"): Promise<TestDatabase> {
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
