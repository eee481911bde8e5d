// Entry point (npm start): read the environment, start the app, stop cleanly on SIGINT/SIGTERM.
// Without BOT_TOKEN (or with --sandbox: npm run sandbox) it starts the sandbox instead: see src/sandbox/.
import { ConfigError, loadConfig } from "./config.js";
import { createLogger, resolveLogFormat } from "./logger.js";
import { startApp } from "./app.js";

async function main(): Promise<void> {
  // A .env file in the working directory, if there is one (the environment still wins).
  try {
    process.loadEnvFile(".env");
  } catch {
    // no .env: fine
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({
    level: config.logLevel,
    botToken: config.botToken,
    format: resolveLogFormat(config.logFormat, { isTTY: !!process.stdout.isTTY, production: config.production }),
  });
  const sandbox = !config.botToken || process.argv.includes("--sandbox");
  // The sandbox (its web page, demo people and photos) is loaded only when asked for: a production process never needs it.
  const app = sandbox ? await (await import("./sandbox/run.js")).runSandbox(config, logger, process.env) : await startApp(config, logger);

  let signalled = false;
  const shutdown = (signal: string) => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal }, "shutting down");
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  // Polling cannot go on (the token was revoked or is wrong): stop and exit non-zero, never sit deaf. (A 409 is not
  // fatal: the copy gives up the poller lease and stands by, telegram/poller.ts.)
  if ("fatal" in app) {
    void app.fatal.then(() => {
      if (signalled) return;
      signalled = true;
      void app.stop().finally(() => process.exit(1));
    });
  }
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
