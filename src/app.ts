// Wires configuration, database, services and bot into a running application, and takes it down again.
// main.ts calls this; the end-to-end test starts the real process that runs it.
import path from "node:path";
import { Api, type Bot } from "grammy";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import { connectDatabase, ensureIndexes, type Database } from "./db/connection.js";
import { backfillReviewStatusOnce } from "./db/migrations/reviewStatus.js";
import { fileCalendarsOnce } from "./db/migrations/calendars.js";
import { markRollupSeatsOnce } from "./db/rollupMarks.js";
import { rekeyLegacyDocumentsOnce } from "./db/migrations/rekey.js";
import { LOCAL_DB_NAME, startLocalServer, type LocalServer } from "./db/localServer.js";
import { createServices } from "./services/index.js";
import { pendingListDays } from "./domain/escalation.js";
import { CATCH_UP_MS } from "./jobs/periods.js";
import { createFileDownloader } from "./telegram/fileDownload.js";
import { createBot } from "./bot/index.js";
import { setCommandMenus } from "./bot/commands.js";
import type { BotContext } from "./bot/context.js";
import { startBackground, type Background } from "./background.js";
import { createPoller, type Poller } from "./telegram/poller.js";
import { createDispatcher } from "./telegram/dispatcher.js";
import { createWebhookIntake, type WebhookIntake } from "./telegram/webhook.js";
import { startHttpServer, type HttpServer } from "./http/server.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { createInbox } from "./db/inbox.js";
import { createLeases, newReplicaId } from "./db/leases.js";
import { hostname } from "node:os";
import type { Update } from "grammy/types";
import type { Services } from "./services/index.js";
import { createI18n, isLanguage, languageFromTelegram, type I18n } from "./i18n.js";

export interface App {
  bot: Bot<BotContext>;
  /** Resolves when polling cannot go on (the token is wrong): exit non-zero. A 409 is not fatal: the copy stands by. */
  fatal: Promise<unknown>;
  db: Database;
  background: Background;
  metrics: Metrics;
  /** The HTTP server (webhook, /healthz, /readyz, /metrics), when there is one: webhook mode, or HEALTH_PORT set. */
  http: HttpServer | undefined;
  stop(): Promise<void>;
}

/** The update kinds the bot handles: asked for by polling and by setWebhook alike. */
export const ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"] as const;
/** Update ids are remembered this long after receipt (a redelivery later than this would be handled again). */
const INBOX_MEMORY_MS = 48 * 60 * 60 * 1000;

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
  const filed = await fileCalendarsOnce(db.models, now);
  if (filed > 0) logger.info({ filed }, "filed the stored events and reports in the seats' and people's calendars");
  const marked = await markRollupSeatsOnce(db.models, now);
  if (marked > 0) logger.info({ marked }, "marked every seat for the rollups' running totals (folded in the background)");

  const i18n = await createI18n();
  // Report photos are downloaded by the photo job through the same Bot API root (getFile, then /file/bot<token>/...).
  const downloadPhoto = createFileDownloader({
    api: new Api(config.botToken, { apiRoot: config.botApiRoot }),
    token: config.botToken,
    apiRoot: config.botApiRoot,
  });
  const services = createServices({
    models: db.models,
    now,
    i18n,
    downloadPhoto,
    logger,
    timeZone: config.timeZone,
    paceGraceDays: config.paceGraceDays,
    // Long enough for the escalation ladder's last level and the daily job's catch-up window.
    pendingListDays: pendingListDays(config.scheduler.escalationDays, CATCH_UP_MS),
  });
  if (!(await services.map.isSeeded())) {
    const counts = await services.map.seedMap();
    logger.info(counts, "seeded the constituency map");
  }
  const admins = await services.people.ensureNationalAdmins(config.bootstrapAdminIds);
  if (admins > 0) logger.info({ admins }, "granted national office admin from BOOTSTRAP_ADMIN_IDS");

  // Depths and the worker's counts are read at scrape time, from whatever is running by then.
  const inbox = createInbox(db.models, now);
  const late: { background?: Background } = {};
  const metrics = createMetrics({
    inboxDepth: () => inbox.depth(),
    outboxDepth: () => db.models.OutboxItem.estimatedDocumentCount(),
    deliveryCounters: () =>
      late.background?.worker.stats() ?? { sent: 0, failed: 0, blocked: 0, retried: 0, rateLimited: 0, interrupted: 0, unknown: 0, inFlight: 0, buffered: 0 },
  });

  const bot = createBot({
    token: config.botToken,
    deps: { services, i18n, logger, now, timeZone: config.timeZone },
    client: { apiRoot: config.botApiRoot },
    replyRetry: { onRateLimited: () => metrics.replyRateLimited() },
  });
  await bot.init();
  await setCommandMenus(bot.api, i18n).catch((err: unknown) => logger.warn({ err }, "could not set command menus"));

  // Sending (outbox worker) and scheduled jobs, on the same Bot API root and token, but not through the bot's
  // retrying client: the worker's sends are exactly-once and decide for themselves what a failure means.
  const workerApi = new Api(config.botToken, { apiRoot: config.botApiRoot });
  const background = (late.background = await startBackground({
    config,
    models: db.models,
    services,
    i18n,
    logger,
    api: workerApi,
    now,
    onJobRun: (job, outcome) => metrics.jobRun(job, outcome),
  }));

  // Intake, by polling or webhook, into one dispatcher: different chats at once and each chat in order (across every
  // copy on this database: a chat's updates are handled under its lease); every update stored first, handled once
  // (handlers are idempotent besides).
  const replicaId = newReplicaId(hostname(), process.pid);
  const chatLeases = createLeases(db.models.InboxChat, { owner: replicaId, now, ttlMs: config.leases.inboxMs });
  const dispatcher = createDispatcher({
    inbox,
    chatLeases,
    onTakeover: () => metrics.leaseTakeover("chat"),
    handle: (update) => bot.handleUpdate(update),
    logger,
    onFlood: (update) => tellToSlowDown(bot, services, i18n, update),
    onHandled: (update, ms, outcome) => metrics.handled(update, ms, outcome),
  });
  let onFatal: (err: unknown) => void = () => {};
  const fatal = new Promise<unknown>((resolve) => (onFatal = resolve));
  let poller: Poller | undefined;
  let webhook: WebhookIntake | undefined;
  const readiness = [
    { name: "database", check: async () => db.connection.readyState === 1 && !!(await db.connection.db?.command({ ping: 1 })) },
    { name: "intake", check: async () => !!(poller?.running() ?? webhook?.running()) },
  ];
  let http: HttpServer | undefined;
  if (config.webhook) {
    const settings = config.webhook;
    webhook = createWebhookIntake({
      inbox,
      dispatcher,
      secret: settings.secret,
      logger,
      onReceived: (update, fresh) => metrics.received(update, "webhook", fresh),
    });
    http = await startHttpServer({ port: settings.port, host: config.http.host, logger, readiness, metrics, webhook: { path: settings.path, handle: webhook.handle } });
    await webhook.start(bot.api, { url: settings.url, allowedUpdates: ALLOWED_UPDATES });
    logger.info({ username: bot.botInfo.username, url: settings.url, port: http.port }, "bot receives updates by webhook");
  } else {
    poller = createPoller({
      api: bot.api,
      inbox,
      dispatcher,
      logger,
      allowedUpdates: ALLOWED_UPDATES,
      onFatal,
      chatLeases,
      election: {
        leases: createLeases(db.models.Lease, { owner: replicaId, now, ttlMs: config.leases.pollerMs }),
        onRole: (polling) => metrics.pollerRole(polling),
        onTakeover: () => metrics.leaseTakeover("poller"),
      },
      handle: (update) => bot.handleUpdate(update),
      onReceived: (updates, fresh) => {
        const isNew = new Set(fresh.map((u) => u.update_id));
        for (const u of updates) metrics.received(u, "polling", isNew.has(u.update_id));
      },
    });
    if (config.http.healthPort !== undefined) {
      http = await startHttpServer({ port: config.http.healthPort, host: config.http.host, logger, readiness, metrics });
      logger.info({ port: http.port }, "health and metrics served on HEALTH_PORT");
    }
    logger.info({ username: bot.botInfo.username, apiRoot: config.botApiRoot, replica: replicaId }, "bot is polling (or standing by while another copy polls)");
    metrics.pollerRole(false);
    void poller.start();
  }
  // Update ids are remembered for a while after receipt, then forgotten (FerretDB has no TTL indexes).
  const prune = () =>
    void inbox.prune(new Date(now().getTime() - INBOX_MEMORY_MS)).catch((err: unknown) => logger.warn({ err }, "could not prune the inbox"));
  const pruneTimer = setInterval(prune, 60 * 60 * 1000).unref();
  prune();

  let stopping: Promise<void> | undefined;
  return {
    bot,
    db,
    background,
    metrics,
    http,
    fatal,
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(pruneTimer);
        // Stop intake and let the updates in hand finish before anything they use is closed.
        await poller?.stop().catch((err: unknown) => logger.warn({ err }, "stopping polling failed"));
        const unfinished = await webhook?.stop(10_000);
        if (unfinished) logger.warn({ unfinished }, "stopped with updates in hand: they stay in the inbox for the next start");
        await http?.close();
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
