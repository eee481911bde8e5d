// How long one national rollup takes to compute over a large campaign, on the test database server.
//   npx tsx scripts/bench-rollup.ts [events=100000] [--backend sqlite|postgresql] [--gin]
// Uses TEST_MONGODB_URI when set, else starts FerretDB 1.24.2 on SQLite (the default) or on a throwaway PostgreSQL
// cluster, with --gin adding GIN indexes on every table's _id there (scripts/lib/benchServer.ts). Inserts a generated campaign (insertMany in batches), then times loading and computing the national rollup
// (and the chart) a few times, and drops the database.
import os from "node:os";
import { connectDatabase, ensureIndexes } from "../src/db/connection.js";
import { parseBackend, startBenchServer, type BenchServer } from "./lib/benchServer.js";
import { createMapService } from "../src/services/mapService.js";
import { createRollupDataSource } from "../src/services/rollupData.js";
import { computeRollup } from "../src/domain/rollup/compute.js";
import { generateCampaign, insertCampaign } from "../test/helpers/campaign.js";

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const count = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000);
const backend = parseBackend(flag("backend") ?? "sqlite");
const gin = args.includes("--gin");
const ZONE = "Asia/Kolkata";
const DAY = "2026-11-26";
const AS_OF = new Date("2026-11-26T14:30:00Z"); // 20:00 IST

let server: BenchServer | undefined;
let uri = process.env.TEST_MONGODB_URI;
if (!uri) {
  server = await startBenchServer(backend, (m) => console.log(`[db] ${m}`));
  uri = server.uri;
}
const db = await connectDatabase({ uri, dbName: `bench_rollup_${Date.now()}` });
try {
  await ensureIndexes(db.models);
  const map = createMapService(db.models);
  await map.seedMap();
  const source = createRollupDataSource(db.models);
  const rollupMap = await source.loadMap();

  // 120 days of campaign before the day, and 10 after it.
  const from = new Date(AS_OF.getTime() - 120 * 86400_000);
  const to = new Date(AS_OF.getTime() + 10 * 86400_000);
  let t = Date.now();
  const data = generateCampaign(rollupMap, { events: count, from, to, now: AS_OF, seed: 42 });
  console.log(`generated ${data.events.length} events, ${data.reports.length} reports in ${Date.now() - t} ms`);
  t = Date.now();
  await insertCampaign(db.models, data);
  console.log(`inserted in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  if (gin) await server?.indexIds();

  const timings: number[] = [];
  for (let run = 1; run <= 3; run++) {
    const started = Date.now();
    const input = await source.load({ day: DAY, zone: ZONE, asOf: AS_OF });
    const loaded = Date.now();
    const rollup = computeRollup({ ...input, scope: { level: "country", code: "IN" } });
    const done = Date.now();
    timings.push(done - started);
    console.log(
      `run ${run}: load ${loaded - started} ms (events ${input.events.length}, day reports ${input.reports.length}, ` +
        `coverage rows ${input.reportedPlaces.length}), compute ${done - loaded} ms; ` +
        `held today ${rollup.today.held}, pending ${rollup.pending.length}, PCs covered ${rollup.coverage.pcsCovered}/${rollup.coverage.pcsTotal}`,
    );
  }
  timings.sort((a, b) => a - b);
  console.log(`national rollup over ${count} events: median ${timings[1]} ms (min ${timings[0]}, max ${timings[2]})`);
  // Where the time goes: each collection read alone (FerretDB decodes every document for any non-_id filter).
  let s = Date.now();
  await db.models.Event.countDocuments({});
  console.log(`a full scan of events (countDocuments): ${Date.now() - s} ms`);
  s = Date.now();
  await db.models.Report.countDocuments({});
  console.log(`a full scan of reports (countDocuments): ${Date.now() - s} ms`);
  console.log(`load average while measuring: ${os.loadavg().map((l) => l.toFixed(1)).join(", ")} on ${os.cpus().length} cores`);
} finally {
  await db.connection.dropDatabase().catch(() => {});
  await db.close();
  await server?.stop();
}
