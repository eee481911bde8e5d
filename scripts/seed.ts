// npm run seed: loads the map (states, PCs, ACs and, into an empty database, the default clusters) from data/.
// Safe to run again: it updates in place and never overwrites clusters the national office has edited.
// Without MONGODB_URI it starts the same local server the bot would (under DATA_DIR/db) and stops it at the end.
import path from "node:path";
import { loadConfig } from "../src/config.js";
import { connectDatabase, ensureIndexes, type Database } from "../src/db/connection.js";
import { startLocalServer, type LocalServer } from "../src/db/localServer.js";
import { createMapService } from "../src/services/mapService.js";

async function main(): Promise<void> {
  const config = loadConfig();
  let server: LocalServer | undefined;
  let db: Database | undefined;
  try {
    let uri = config.mongodbUri;
    if (!uri) {
      server = await startLocalServer({ dataDir: path.join(config.dataDir, "db"), log: (m) => console.log(m) });
      uri = server.uri;
    }
    db = await connectDatabase({ uri });
    await ensureIndexes(db.models);
    const started = Date.now();
    const counts = await createMapService(db.models).seedMap();
    const n = (x: number) => x.toLocaleString("en-IN");
    console.log(
      `Map seeded in ${((Date.now() - started) / 1000).toFixed(1)} s: ${n(counts.states)} states/UTs, ` +
        `${n(counts.pcs)} Lok Sabha constituencies, ${n(counts.acs)} Vidhan Sabha constituencies, ` +
        `${n(counts.clusters)} clusters`,
    );
  } finally {
    await db?.close();
    await server?.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`Seed failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
