// Opens the configured database for a script: MONGODB_URI, or the same local server `npm start` would use.
import path from "node:path";
import type { Config } from "../../src/config.js";
import { connectDatabase, ensureIndexes, type Database } from "../../src/db/connection.js";
import { LOCAL_DB_NAME, startLocalServer } from "../../src/db/localServer.js";

export async function openScriptDatabase(config: Config): Promise<Database> {
  if (config.mongodbUri) {
    const db = await connectDatabase({ uri: config.mongodbUri });
    await ensureIndexes(db.models);
    return db;
  }
  const server = await startLocalServer({ dataDir: path.join(config.dataDir, "db"), log: (m) => console.error(m) });
  const db = await connectDatabase({ uri: `${server.uri}${LOCAL_DB_NAME}` });
  await ensureIndexes(db.models);
  return {
    ...db,
    close: async () => {
      await db.close();
      await server.stop();
    },
  };
}
