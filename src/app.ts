// Wires configuration, database, services and bot into a running application, and takes it down again.
// main.ts calls this; the end-to-end test starts the real process that runs it.
import path from "node:path";
import { Api, type Bot } from "grammy";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import { connectDatabase, ensureIndexes, type Database } from "./db/connection.js";
import { backfillReviewStatusOnce } from "./db/migrations/reviewStatus.js";
import { rekeyLegacyDocumentsOnce } from "./db/migrations/rekey.js";
import { LOCAL_DB_NAME, startLocalServer, type LocalServer } from "./db/localServer.js";
import { createServices } from "./services/index.js";
import { createFileDownloader } from "./telegram/fileDownload.js";
import { createBot } from "./bot/index.js";
import { setCommandMenus } from "./bot/commands.js";
import type { BotContext } from "./bot/context.js";
import { startBackground, type Background } from "./background.js";
import { createPoller } from "./telegram/poller.js";
import { createInbox } from "./db/inbox.js";
import type { Update } from "grammy/types";
import type { Services } from "./services/index.js";
import { createI18n, isLanguage, languageFromTelegram, type I18n } from "./i18n.js";

export interface App {
  bot: Bot<BotContext>;
  /** Resolves when polling cannot go on (409 Conflict: another copy polls with this token): exit non-zero. */
  fatal: Promise<unknown>;
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
  const migrated = await rekeyLegacyDocumentsOnce(db.models, now);
  if (migrated > 0) logger.info({ migrated }, "re-keyed people, conversation states, reports and versions by what they are read by");
  const backfilled = await backfillReviewStatusOnce(db.models, now);
  if (backfilled > 0) logger.info({ backfilled }, "reports from before review marked as awaiting review");

  const i18n = await createI18n();
  // Report photos are downloaded by the photo job through the same Bot API root (getFile, then /file/bot<token>/...).
  const downloadPhoto = createFileDownloader({
    api: new Api(config.botToken, { apiRoot: config.botApiRoot }),
    token: config.botToken,
    apiRoot: config.botApiRoot,
  });
  const services = createServices({ models: db.models, now, i18n, downloadPhoto, logger, timeZone: config.timeZone, paceGraceDays: config.paceGraceDays });
  if (!(await services.map.isSeeded())) {
    const counts = await services.map.seedMap();
    logger.info(counts, "seeded the constituency map");
  }
  const admins = await services.people.ensureNationalAdmins(config.bootstrapAdminIds);
  if (admins > 0) logger.info({ admins }, "granted national office admin from BOOTSTRAP_ADMIN_IDS");

  const bot = createBot({
    token: config.botToken,
    deps: { services, i18n, logger, now, timeZone: config.timeZone },
    client: { apiRoot: config.botApiRoot },
  });
  await bot.init();
  await setCommandMenus(bot.api, i18n).catch((err: unknown) => logger.warn({ err }, "could not set command menus"));

  // Sending (outbox worker) and scheduled jobs, on the same Bot API root and token, but not through the bot's
  // retrying client: the worker's sends are exactly-once and decide for themselves what a failure means.
  const workerApi = new Api(config.botToken, { apiRoot: config.botApiRoot });
  const background = await startBackground({ config, models: db.models, services, i18n, logger, api: workerApi, now });

  // Long polling, different chats at once and each chat in order; at-least-once (handlers are idempotent).
  let onFatal: (err: unknown) => void = () => {};
  const fatal = new Promise<unknown>((resolve) => (onFatal = resolve));
  const poller = createPoller({
    api: bot.api,
    inbox: createInbox(db.models, now),
    handle: (update) => bot.handleUpdate(update),
    logger,
    allowedUpdates: ["message", "callback_query", "my_chat_member"],
    onFlood: (update) => tellToSlowDown(bot, services, i18n, update),
    onFatal,
  });
  logger.info({ username: bot.botInfo.username, apiRoot: config.botApiRoot }, "bot is polling");
  void poller.start();

  let stopping: Promise<void> | undefined;
  return {
    bot,
    db,
    background,
    fatal,
    stop: () =>
      (stopping ??= (async () => {
        // Stop intake and let the updates in hand finish before anything they use is closed.
        await poller.stop().catch((err: unknown) => logger.warn({ err }, "stopping polling failed"));
        await background.stop().catch((err: unknown) => logger.warn({ err }, "stopping the background work failed"));
        await db.close();
        await localServer?.stop();
      })()),
  };
}

/** The one notice a flooding chat gets (see telegram/poller.ts), in the person's language. */
async function tellToSlowDown(bot: Bot<BotContext>, services: Services, i18n: I18n, update: Update): Promise<void> {
  const from = update.message?.from ?? update.callback_query?.from;
  const chatId = update.message?.chat.id ?? update.callback_query?.message?.chat.id ?? from?.id;
  if (chatId === undefined) return;
  const person = from ? await services.people.get(from.id) : null;
  const lang = isLanguage(person?.language) ? person.language : languageFromTelegram(from?.language_code);
  await bot.api.sendMessage(chatId, i18n.t(lang)("common:error.slowDown"));
}
