// npm run invite -- --role pc_incharge --territory IN-UP:P77 [--days 7] [--bot-username my_bot]
// npm run invite -- --bulk --role pc_incharge|ac_incharge --state IN-UP|--cluster central [--format xlsx|csv] [--out file] [--days 7]
// Makes a single-use invite link from the shell (for the first national admins, or when the bot is not at hand), or
// with --bulk one link per vacant seat of a state or a cluster, written as a spreadsheet (services/bulkInvites.ts).
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Api } from "grammy";
import { loadConfig } from "../src/config.js";
import { isRole, ROLE_LEVEL, type Role } from "../src/domain/roles.js";
import { linksToCsv, linksToXlsx } from "../src/services/bulkInvites.js";
import { createServices } from "../src/services/index.js";
import { openScriptDatabase } from "./lib/database.js";

const USAGE = `usage: npm run invite -- --role <national_admin|cluster_head|state_team|pc_incharge|ac_incharge>
                          --territory <IN | cluster key | IN-UP | IN-UP:P77 | IN-UP:A390> [--days 7] [--bot-username name]
       npm run invite -- --bulk --role <pc_incharge|ac_incharge> (--state IN-UP | --cluster <key>) [--format xlsx|csv] [--out file] [--days 7]`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      role: { type: "string" },
      territory: { type: "string" },
      days: { type: "string", default: "7" },
      "bot-username": { type: "string" },
      bulk: { type: "boolean", default: false },
      state: { type: "string" },
      cluster: { type: "string" },
      format: { type: "string", default: "xlsx" },
      out: { type: "string" },
    },
  });
  const bulk = values.bulk === true;
  const seatRole = values.role === "pc_incharge" || values.role === "ac_incharge" ? values.role : undefined;
  // --bulk takes exactly one of --state and --cluster.
  const oneArea = (values.state === undefined) !== (values.cluster === undefined);
  if (bulk ? !seatRole || !oneArea || !["xlsx", "csv"].includes(values.format ?? "") : !values.role || !isRole(values.role) || !values.territory) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  let username = values["bot-username"];
  if (!username && config.botToken) {
    username = (await new Api(config.botToken, { apiRoot: config.botApiRoot }).getMe()).username;
  }
  if (!username) {
    console.error("Give --bot-username, or set BOT_TOKEN so the bot's username can be looked up.");
    return 2;
  }
  const db = await openScriptDatabase(config);
  try {
    const services = createServices({ models: db.models, now: () => new Date() });
    if (!(await services.map.isSeeded())) await services.map.seedMap();
    if (bulk) {
      const area = values.cluster !== undefined ? { clusterKey: values.cluster } : { stateCode: values.state! };
      const made = await services.bulkInvites.forVacantSeats({ actor: null, role: seatRole!, ...area, days: Number(values.days), botUsername: username });
      if (!made.ok) {
        console.error(`Refused: ${made.reason}`);
        return 1;
      }
      const file = values.format === "csv" ? linksToCsv(made.links, seatRole!) : await linksToXlsx(made.links, seatRole!);
      const out = values.out ?? `invites-${values.cluster ?? values.state}-${seatRole}.${values.format}`;
      writeFileSync(out, file);
      console.error(`${made.links.length} links written to ${out} (seats with an open link skipped: ${made.skippedWithOpenLink}; refused: ${made.refused})`);
      return 0;
    }
    const result = await services.invites.create({
      actor: null,
      role: values.role as Role,
      territory: { level: ROLE_LEVEL[values.role as Role], code: values.territory! },
      days: Number(values.days),
    });
    if (!result.ok) {
      console.error(`Refused: ${result.reason}`);
      return 1;
    }
    console.log(`https://t.me/${username}?start=${result.token}`);
    console.error(`single use; expires ${result.expiresAt.toISOString()}`);
    return 0;
  } finally {
    await db.close();
  }
}

process.exitCode = await main();
