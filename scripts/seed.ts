// npm run seed: loads the map (states, PCs, ACs and, into an empty database, the default clusters) from data/.
// Safe to run again: it updates in place and never overwrites clusters the national office has edited.
// Without MONGODB_URI it uses the same local database the bot would (under DATA_DIR/db).
import { loadConfig } from "../src/config.js";
import { createMapService } from "../src/services/mapService.js";
import { openScriptDatabase } from "./lib/database.js";

async function main(): Promise<void> {
  const db = await openScriptDatabase(loadConfig());
  try {
    const started = Date.now();
    const counts = await createMapService(db.models).seedMap();
    const n = (x: number) => x.toLocaleString("en-IN");
    console.log(
      `Map seeded in ${((Date.now() - started) / 1000).toFixed(1)} s: ${n(counts.states)} states/UTs, ` +
        `${n(counts.pcs)} Lok Sabha constituencies, ${n(counts.acs)} Vidhan Sabha constituencies, ` +
        `${n(counts.clusters)} clusters`,
    );
  } finally {
    await db.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`Seed failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
