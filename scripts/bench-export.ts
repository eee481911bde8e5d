// How long an all-India export of a large campaign takes, and how much memory it needs, on the test database server.
//   npx tsx scripts/bench-export.ts [events=100000]
//   node --expose-gc --max-old-space-size=256 --import tsx scripts/bench-export.ts   (proves the export fits a small heap)
// Uses TEST_MONGODB_URI when set, else starts the same local server the tests use (FerretDB 1.24 here) in a temporary
// folder. Inserts a generated campaign, then exports events and reports as XLSX and CSV to temporary files, printing
// time, rows, file size and the peak RSS and heap seen while each ran (sampled every 20 ms), and drops the database.
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { connectDatabase, ensureIndexes } from "../src/db/connection.js";
import { startLocalServer, type LocalServer } from "../src/db/localServer.js";
import { createServices } from "../src/services/index.js";
import { createRollupDataSource } from "../src/services/rollupData.js";
import { generateCampaign, insertCampaign } from "../test/helpers/campaign.js";
import { withMemoryPeak } from "../test/helpers/memoryPeak.js";

const count = Number(process.argv[2] ?? 100_000);
const NOW = new Date("2026-11-26T14:30:00Z");
const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;

let server: LocalServer | undefined;
const dataDir = mkdtempSync(path.join(os.tmpdir(), "sanyojak-bench-export-"));
let uri = process.env.TEST_MONGODB_URI;
if (!uri) {
  server = await startLocalServer({ dataDir: path.join(dataDir, "db"), log: (m) => console.log(`[db] ${m}`) });
  uri = server.uri;
}
const db = await connectDatabase({ uri, dbName: `bench_export_${Date.now()}` });
try {
  await ensureIndexes(db.models);
  const services = createServices({ models: db.models, now: () => NOW });
  await services.map.seedMap();
  await services.programmes.seedDefaults();
  const categories = (await services.programmes.list("category")).map((c) => c.key);
  const map = await createRollupDataSource(db.models).loadMap();
  let t = Date.now();
  {
    // Generated and inserted in its own block so that the campaign can be collected before measuring.
    const data = generateCampaign(map, { events: count, from: new Date(NOW.getTime() - 120 * 86400_000), to: new Date(NOW.getTime() + 10 * 86400_000), now: NOW, seed: 42, categories });
    await insertCampaign(db.models, data);
    console.log(`generated and inserted ${data.events.length} events, ${data.reports.length} reports in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  // With node --expose-gc, each export starts from a collected heap, so "before" is what is really held.
  const gc = (globalThis as { gc?: () => void }).gc;
  const actor = { telegramId: 1, scopes: [{ role: "national_admin" as const, level: "country" as const, code: "IN" }] };
  for (const [kind, format] of [["events", "xlsx"], ["reports", "xlsx"], ["events", "csv"], ["reports", "csv"]] as const) {
    const file = path.join(dataDir, `${kind}.${format}`);
    gc?.();
    t = Date.now();
    const { result: res, memory } = await withMemoryPeak(() => services.exports.write(actor, kind, format, createWriteStream(file)), 20);
    const { before, peakRss, peakHeap } = memory;
    console.log(
      `${kind}.${format}: ${res.ok ? res.rows : res.reason} rows in ${((Date.now() - t) / 1000).toFixed(1)} s, ${mb(statSync(file).size)} file; ` +
        `RSS ${mb(before.rss)} before, peak ${mb(peakRss)} (+${mb(peakRss - before.rss)}); heap ${mb(before.heapUsed)} before, peak ${mb(peakHeap)}`,
    );
  }
} finally {
  await db.connection.dropDatabase().catch(() => {});
  await db.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
