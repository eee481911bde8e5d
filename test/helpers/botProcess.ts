// The real process (`npm start`'s entry point) against a local Bot API over HTTP and the test database, for the
// end-to-end tests. Waits check the process's output until it shows what is awaited: the process is real.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { waitUntil } from "./waitUntil.js";

export interface BotProcess {
  child: ChildProcess;
  dbName: string;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts src/main.ts with this token against `apiRoot` and a fresh database; resolves once it polls. */
export async function startBotProcess(options: { token: string; apiRoot: string; label: string; env?: Record<string, string> }): Promise<BotProcess> {
  const dbName = `e2e_${options.label}_${randomBytes(4).toString("hex")}`;
  const uri = inject("mongoUri").replace(/\/?$/, `/${dbName}`);
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
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
  await waitUntil("the bot to start polling (or set its webhook)", () => output.includes("bot is polling") || output.includes("bot receives updates by webhook"), { timeoutMs: 90_000 });
  return { child, dbName, output: () => output, exited };
}
