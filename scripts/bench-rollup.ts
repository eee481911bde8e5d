// How long one national rollup takes to compute over a large campaign, on the test database server.
//   npx tsx scripts/bench-rollup.ts [events=100000] [--backend sqlite|postgresql] [--gin] [--no-records] [--no-check]
//     [--per-day N]
// The campaign spans 120 days before the rollup's day and 10 after it, so more events are more per day; with
// --per-day N it runs at N events a day instead (10 days of them ahead), so more events are a longer campaign with
// a longer backlog of unreported ones, as a real one grows (the number a day is bounded by the seats).
// Uses TEST_MONGODB_URI when set, else starts FerretDB 1.24.2 on SQLite (the default) or on a throwaway PostgreSQL
// cluster, with --gin adding GIN indexes there (scripts/lib/benchServer.ts). Inserts a generated campaign (insertMany
// in batches), then times the national rollup from the running totals (the first fold that builds them, rollups
// with nothing and with 100 seats to fold, the check) and from the records, and drops the database.
import os from "node:os";
import { connectDatabase, ensureIndexes } from "../src/db/connection.js";
import { parseBackend, startBenchServer, type BenchServer } from "./lib/benchServer.js";
import { createMapService } from "../src/services/mapService.js";
import { createRollupDataSource } from "../src/services/rollupData.js";
import { createRollupTotals } from "../src/services/rollupTotals.js";
import { markRollupEvents, markRollupSeats } from "../src/db/rollupMarks.js";
import { computeRollup } from "../src/domain/rollup/compute.js";
import { addDays } from "../src/domain/rollup/day.js";
import { generateCampaign, insertCampaign } from "../test/helpers/campaign.js";

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const count = Number(args.find((a) => /^\d+$/.test(a)) ?? 100_000);
const backend = parseBackend(flag("backend") ?? "sqlite");
const gin = args.includes("--gin");
/** --no-records: leave out the rollup from the records (minutes at 300,000 events on FerretDB). */
const skipRecords = args.includes("--no-records");
/** --no-check: leave out the check of every seat (about as long as the first fold). */
const skipCheck = args.includes("--no-check");
const perDay = flag("per-day") ? Number(flag("per-day")) : undefined;
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

  // 120 days of campaign before the day, and 10 after it; or as many days as --per-day makes, 10 of them after it.
  const to = new Date(AS_OF.getTime() + 10 * 86400_000);
  const from = new Date(perDay ? to.getTime() - (count / perDay) * 86400_000 : AS_OF.getTime() - 120 * 86400_000);
  console.log(`campaign of ${((to.getTime() - from.getTime()) / 86400_000).toFixed(0)} days, ${Math.round(count / ((to.getTime() - from.getTime()) / 86400_000))} events a day`);
  let t = Date.now();
  const data = generateCampaign(rollupMap, { events: count, from, to, now: AS_OF, seed: 42 });
  console.log(`generated ${data.events.length} events, ${data.reports.length} reports in ${Date.now() - t} ms`);
  t = Date.now();
  await insertCampaign(db.models, data);
  console.log(`inserted in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  // The in-charges: the rollup's vacancies line reads who holds a seat. One per seat, 4,666 as in the programme.
  const holders = [...rollupMap.pcs.map((p) => ({ role: "pc_incharge", level: "pc", code: p.code })), ...rollupMap.acs.map((a) => ({ role: "ac_incharge", level: "ac", code: a.code }))];
  await db.models.Person.collection.insertMany(
    holders.map((g, i) => ({ _id: 8_000_000_000 + i, telegramId: 8_000_000_000 + i, firstName: `In-charge ${i}`, language: "hi", roles: [g] })) as never[],
  );
  console.log(`inserted ${holders.length} in-charges`);
  if (gin) await server?.indexIds();

  const country = { level: "country", code: "IN" } as const;
  const describe = (input: Awaited<ReturnType<typeof source.load>>, rollup: ReturnType<typeof computeRollup>) =>
    `(events ${input.events.length}, day reports ${input.reports.length}, coverage rows ${input.reportedPlaces.length}); ` +
    `held today ${rollup.today.held}, pending ${rollup.pending.count} (${rollup.pending.listed.length} listed), PCs covered ${rollup.coverage.pcsCovered}/${rollup.coverage.pcsTotal}`;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

  // From the running totals (services/rollupTotals.ts), as the bot does for a day not yet over. The first fold builds
  // every seat's totals (what a migration or bulk import costs once); then a rollup with nothing to fold, and one
  // that folds 100 seats changed since the last fold (about a minute of a busy evening: the fold job runs each minute).
  // Folded on the rollup's day, as the bot folds on the day it sums up.
  const totals = createRollupTotals(db.models, { zone: ZONE, now: () => AS_OF });
  const fromTotals = createRollupDataSource(db.models, totals);
  t = Date.now();
  const seats = await totals.fold();
  console.log(`first fold (every seat): ${seats} seats in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  // The totals' tables were empty when analysed: PostgreSQL would plan their lookups as scans until autovacuum
  // analyses them again (a minute or so on a running system). Analysed now, as a deployment's would be by then.
  if (gin) await server?.indexIds();
  const totalsRuns: number[] = [];
  for (let run = 1; run <= 3; run++) {
    const started = Date.now();
    const input = await fromTotals.load({ day: DAY, zone: ZONE, asOf: AS_OF });
    const rollup = computeRollup({ ...input, scope: country });
    totalsRuns.push(Date.now() - started);
    console.log(`totals run ${run}: ${totalsRuns.at(-1)} ms ${describe(input, rollup)}`);
  }
  // A minute of a busy evening: 100 reports saved or corrected in 100 seats, each marked as the services mark it
  // (the event), then the same 100 seats marked as a whole (a bulk import, a write around the services), which a
  // fold reads from all of each seat's records.
  const reportedSeats = new Map<string, (typeof data.reports)[number]>();
  for (const r of data.reports) if (!reportedSeats.has(r.code) && reportedSeats.size < 100) reportedSeats.set(r.code, r);
  const changedReports = [...reportedSeats.values()];
  for (const r of changedReports) await db.models.Report.updateOne({ _id: r.eventId }, { $inc: { total: 1 } });
  await markRollupEvents(db.models, changedReports.map((r) => ({ code: r.code, eventId: r.eventId.toHexString() })));
  t = Date.now();
  const folded = computeRollup({ ...(await fromTotals.load({ day: DAY, zone: ZONE, asOf: AS_OF })), scope: country });
  const withFold = Date.now() - t;
  console.log(`totals run with ${changedReports.length} changed reports (100 seats) to fold first: ${withFold} ms (held today ${folded.today.held})`);
  await markRollupSeats(db.models, [...reportedSeats.keys()]);
  t = Date.now();
  await fromTotals.load({ day: DAY, zone: ZONE, asOf: AS_OF });
  const withWholeFold = Date.now() - t;
  console.log(`totals run with 100 seats marked as a whole to fold first: ${withWholeFold} ms`);
  // Where a rollup's time goes: the totals' documents, the people holding a seat (vacancies), the maths.
  {
    const days = [0, 1, 2, 3].map((i) => addDays(DAY, i, ZONE));
    let at = Date.now();
    const read = await totals.read(days, DAY);
    const readMs = Date.now() - at;
    at = Date.now();
    const input = await fromTotals.load({ day: DAY, zone: ZONE, asOf: AS_OF });
    const loadMs = Date.now() - at;
    at = Date.now();
    computeRollup({ ...input, scope: country });
    console.log(
      `breakdown: read totals ${readMs} ms (${read.seats.length} seats, ${read.seats.reduce((n, s) => n + s.open.length, 0)} open events as rows, ${read.seats.reduce((n, s) => n + Object.values(s.openDays).reduce((a, b) => a + b, 0), 0)} counted, ${read.days.length} seat days); ` +
        `whole load ${loadMs} ms; maths ${Date.now() - at} ms`,
    );
  }
  if (!skipCheck) {
    t = Date.now();
    const drift = await totals.check();
    console.log(`check of every seat: ${drift.seats} seats, ${drift.drifted.length} drifted, in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }

  // From the records, as before (and as a rollup of a day that has ended still is).
  const recordRuns: number[] = [];
  for (let run = 1; run <= (skipRecords ? 0 : 3); run++) {
    const started = Date.now();
    const input = await source.load({ day: DAY, zone: ZONE, asOf: AS_OF });
    const rollup = computeRollup({ ...input, scope: country });
    recordRuns.push(Date.now() - started);
    console.log(`records run ${run}: ${recordRuns.at(-1)} ms ${describe(input, rollup)}`);
  }
  console.log(
    `national rollup over ${count} events: from totals median ${median(totalsRuns)} ms, ${withFold} ms with 100 changed reports to fold, ${withWholeFold} ms with 100 whole seats; ` +
      (recordRuns.length ? `from records median ${median(recordRuns)} ms` : "from records not run (--no-records)"),
  );
  console.log(
    `BENCH_JSON ${JSON.stringify({ events: count, perDay: perDay ?? null, backend, gin, firstFoldSeats: seats, totalsMs: totalsRuns, withFoldMs: withFold, withWholeFoldMs: withWholeFold, recordsMs: recordRuns })}`,
  );
  console.log(`load average while measuring: ${os.loadavg().map((l) => l.toFixed(1)).join(", ")} on ${os.cpus().length} cores`);
} finally {
  await db.connection.dropDatabase().catch(() => {});
  await db.close();
  await server?.stop();
}
