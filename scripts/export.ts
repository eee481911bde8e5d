// npm run export -- --kind events|reports|seats|directives|audit [--format xlsx|csv] [--state IN-UP] [--out file]
// Writes an export from the shell, as the national office (or a state team's with --state) would get it from /export:
// streamed from the database to the file (services/exportService.ts), dates in TZ. The audit log is all-India only.
import { createWriteStream } from "node:fs";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config.js";
import type { RoleScope } from "../src/domain/roles.js";
import { EXPORT_KINDS, type ExportFormat, type ExportKind } from "../src/services/exportService.js";
import { createServices } from "../src/services/index.js";
import { openScriptDatabase } from "./lib/database.js";

const USAGE = "usage: npm run export -- --kind <events|reports|seats|directives|audit> [--format xlsx|csv] [--state IN-UP] [--out file]";
/** The shell is nobody in Telegram: its exports are recorded under this actor id (0). */
const SHELL_ACTOR = 0;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      kind: { type: "string" },
      format: { type: "string", default: "xlsx" },
      state: { type: "string" },
      out: { type: "string" },
    },
  });
  const kind = values.kind as ExportKind | undefined;
  const format = values.format as ExportFormat;
  if (!kind || !EXPORT_KINDS.includes(kind) || (format !== "xlsx" && format !== "csv") || (kind === "audit" && values.state)) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  const db = await openScriptDatabase(config);
  try {
    const services = createServices({ models: db.models, now: () => new Date(), timeZone: config.timeZone });
    if (values.state && !(await services.map.getState(values.state))) {
      console.error(`No state ${values.state}. States are coded like IN-UP.`);
      return 2;
    }
    const scopes: RoleScope[] = values.state
      ? [{ role: "state_team", level: "state", code: values.state }]
      : [{ role: "national_admin", level: "country", code: "IN" }];
    const file = values.out ?? `sanyojak-${kind}${values.state ? `-${values.state}` : ""}-${new Date().toISOString().slice(0, 10)}.${format}`;
    const started = Date.now();
    const res = await services.exports.write({ telegramId: SHELL_ACTOR, scopes }, kind, format, createWriteStream(file));
    if (!res.ok) {
      console.error(res.reason === "busy" ? "Another export from the shell is running; try again when it has finished." : `Refused: ${res.reason}`);
      return 1;
    }
    await services.audit.record({ actorId: null, action: `export.${kind}`, outcome: "ok", details: { rows: res.rows, format, source: "shell", state: values.state ?? null } });
    console.log(`${file}: ${res.rows} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } finally {
    await db.close();
  }
}

process.exitCode = await main();
