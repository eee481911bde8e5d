// Wires configuration, database, services and bot into a running application, and takes it down again.
// main.ts calls this; the end-to-end test starts the real process that runs it.
import path from "node:path";
import { Api, type Bot } from "grammy";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import { connectDatabase, ensureIndexes, type Database } from "./db/connection.js";
import { rekeyLegacyDocuments } from "./db/migrations/rekey.js";
import { LOCAL_DB_NAME, startLocalServer, type LocalServer } from "./db/localServer.js";
import { createI18n } from "./i18n.js";
import { createServices } from "./services/index.js";
import { createBot } from "./bot/index.js";
import { setCommandMenus } from "./bot/commands.js";
import type { BotContext } from "./bot/context.js";
import { startBackground, type Background } from "./background.js";

export interface App {
  bot: Bot<BotContext>;
  db: Database;
  background: Background;
  stop(): Promise<void>;
}

export async function startApp(config: Config, logger: Logger): Promise<App> {
  if (!config.botToken) throw new Error("BOT_TOKEN is not set: get one from @BotFather (see README.md)");
  const now = () => new Date();

  let localServer: LocalServer | undefined;
  let uri = config.mongodbUri;
  if (!uri) {
    localServer = await startLocalServer({
      dataDir: path.join(config.dataDir, "db"),
      log: (m) => logger.info(m),
    });
    uri = `${localServer.uri}${LOCAL_DB_NAME}`;
    logger.info({ dataDir: path.resolve(config.dataDir, "db") }, "MONGODB_URI not set: using a local database kept on disk");
  }
  const db = await connectDatabase({ uri });
  await ensureIndexes(db.models);
  const migrated = await rekeyLegacyDocuments(db.models);
  if (migrated > 0) logger.info({ migrated }, "re-keyed people and conversation states by their ids");

  const services = createServices({ models: db.models, now });
  if (!(await services.map.isSeeded())) {
    const counts = await services.map.seedMap();
    logger.info(counts, "seeded the constituency map");
  }
  const admins = await services.people.ensureNationalAdmins(config.bootstrapAdminIds);
  if (admins > 0) logger.info({ admins }, "granted national office admin from BOOTSTRAP_ADMIN_IDS");

  const i18n = await createI18n();
  const bot = createBot({
    token: config.botToken,
    deps: { services, i18n, logger, now, timeZone: config.timeZone, models: db.models },
    client: { apiRoot: config.botApiRoot },
  });
  await bot.init();
  await setCommandMenus(bot.api, i18n).catch((err: unknown) => logger.warn({ err }, "could not set command menus"));

  // Sending (outbox worker) and scheduled jobs, on the same Bot API root and token, but not through the bot's
  // retrying client: the worker's sends are exactly-once and decide for themselves what a failure means.
  const workerApi = new Api(config.botToken, { apiRoot: config.botApiRoot });
  const background = await startBackground({ config, models: db.models, services, i18n, logger, api: workerApi, now });

  // Long polling: at-least-once delivery; handlers are idempotent. bot.start resolves only when polling stops.
  const polling = bot.start({
    allowed_updates: ["message", "callback_query", "my_chat_member"],
    onStart: (me) => logger.info({ username: me.username, apiRoot: config.botApiRoot }, "bot is polling"),
  });
  polling.catch((err: unknown) => logger.fatal({ err }, "polling stopped with an error"));

  let stopping: Promise<void> | undefined;
  return {
    bot,
    db,
    background,
    stop: () =>
      (stopping ??= (async () => {
        await bot.stop().catch((err: unknown) => logger.warn({ err }, "bot.stop failed"));
        await background.stop().catch((err: unknown) => logger.warn({ err }, "stopping the background work failed"));
        await db.close();
        await localServer?.stop();
      })()),
  };
}
