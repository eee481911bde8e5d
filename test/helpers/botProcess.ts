// The real process (`npm start`'s entry point) against a local Bot API over HTTP and the test database, for the
// end-to-end tests. Waits check the process's output until it shows what is awaited: the process is real.
import { spawn, type ChildProcess } from "node:child_process";
import { openSeededTestDatabase } from "./seededDatabase.js";
import { waitUntil } from "./waitUntil.js";

export interface BotProcess {
  child: ChildProcess;
  dbName: string;
  output(): string;
  exited: Promise<number | null>;
  /** Kills it if it still runs, waits for it to exit, and hands its database on (emptied, the map kept). */
  close(): Promise<void>;
}

/**
 * Starts src/main.ts with this token against `apiRoot` and a database of its own, resolves once it polls. The
 * database comes from the worker's pool with the map already in it, as a restarted bot finds its database: the
 * start-up neither makes forty collections nor seeds the map (both are tested in-process, test/services/map.test.ts).
 */
export async function startBotProcess(options: {
  token: string;
  apiRoot: string;
  label: string;
  env?: Record<string, string>;
  /** Node's arguments (default: the sources through tsx, as `npm start` runs them). */
  nodeArgs?: string[];
}): Promise<BotProcess> {
  const db = await openSeededTestDatabase(`e2e_${options.label}`);
  const dbName = db.dbName;
  const uri = db.uri.replace(/\/?$/, `/${dbName}`);
  const child = spawn(process.execPath, options.nodeArgs ?? ["--import", "tsx", "src/main.ts"], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      BOT_TOKEN: options.token,
      MONGODB_URI: uri,
      BOT_API_ROOT: options.apiRoot,
      LOG_LEVEL: "info",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
    await db.drop();
  };
  try {
    await waitUntil("the bot to start polling (or set its webhook)", () => output.includes("bot is polling") || output.includes("bot receives updates by webhook"), { timeoutMs: 90_000 });
  } catch (err) {
    await close();
    throw err;
  }
  return { child, dbName, output: () => output, exited, close };
}
