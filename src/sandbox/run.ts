// Sandbox mode as `npm start` runs it: read the sandbox's settings, start it, and print where to open it.
import { performance } from "node:perf_hooks";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import { loadSandboxSettings } from "./config.js";
import { readyLine, startSandbox, type Sandbox } from "./index.js";

export async function runSandbox(config: Config, logger: Logger, env: NodeJS.ProcessEnv): Promise<Sandbox> {
  const settings = loadSandboxSettings(env);
  if (config.botToken) logger.info("sandbox mode (--sandbox): BOT_TOKEN is ignored, nothing goes to Telegram");
  else logger.info("BOT_TOKEN not set: starting the sandbox (a local Bot API and a web page; nothing goes to Telegram)");
  const sandbox = await startSandbox({ config, logger, port: settings.port, host: settings.host });
  // performance.now() counts from the process's start, so this includes loading the code.
  process.stdout.write(
    `\n${readyLine(sandbox, performance.now())}\n` +
      "Open it in a browser, choose a demo person at the top, and talk to the bot. Ctrl+C stops it.\n" +
      "The demo data starts afresh at every start; the real bot's database is never touched.\n\n",
  );
  return sandbox;
}
