// npm run rollup-check [-- --repair]
// Recomputes the rollups' running totals of every seat from the events and reports (services/rollupTotals.ts) and
// lists the seats whose stored totals differ (drift). With --repair, writes what they should be. Exit code 1 when
// drift was found and not repaired, so that a cron or CI job can alert on it.
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config.js";
import { setTimeout as sleep } from "node:timers/promises";
import { createServices } from "../src/services/index.js";
import { FoldBusyError, FOLD_LEASE_MS } from "../src/services/rollupTotals.js";
import { openScriptDatabase } from "./lib/database.js";

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { repair: { type: "boolean", default: false } } });
  const config = loadConfig();
  const db = await openScriptDatabase(config);
  try {
    const services = createServices({ models: db.models, now: () => new Date(), timeZone: config.timeZone });
    const started = Date.now();
    // The check folds what writers marked first (a seat marked but not yet folded is not drift), under the fold's
    // lease: while a running bot's fold holds it (seconds), wait, up to the lease's length (a crashed holder's lapses).
    const check = async () => {
      for (let waited = 0; ; waited += 2000) {
        try {
          return await services.rollupTotals.check({ repair: values.repair });
        } catch (err) {
          if (!(err instanceof FoldBusyError) || waited > 2 * FOLD_LEASE_MS) throw err;
          if (waited === 0) console.log("A copy of the bot is folding the totals; waiting for it to finish.");
          await sleep(2000);
        }
      }
    };
    const { seats, drifted } = await check();
    const took = ((Date.now() - started) / 1000).toFixed(1);
    if (drifted.length === 0) {
      console.log(`${seats} seats checked in ${took} s: the running totals match the records.`);
      return 0;
    }
    console.log(`${seats} seats checked in ${took} s: ${drifted.length} differ from the records${values.repair ? " and were repaired" : ""}:`);
    for (const code of drifted) console.log(`  ${code}`);
    return values.repair ? 0 : 1;
  } finally {
    await db.close();
  }
}

process.exitCode = await main();
