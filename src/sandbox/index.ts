// Sandbox mode: the real bot, against a local Bot API (src/localBotApi) instead of Telegram, with demo people
// and a web page that plays them. `npm start` without BOT_TOKEN lands here, and `npm run sandbox` always does.
//
//   browser ──fetch/SSE──▶ webServer ──sendUserMessage/clickButton──▶ LocalBotApi ◀──HTTP long polling── real app
//                                                                                          (startApp: db, services, bot)
import { randomBytes } from "node:crypto";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import { startApp, type App } from "../app.js";
import { createI18n } from "../i18n.js";
import { createServices } from "../services/index.js";
import { DEFAULT_BOT_INFO, LocalBotApi, type RunningServer } from "../localBotApi/index.js";
import { DEMO_PEOPLE, type DemoPerson } from "./demoPeople.js";
import { syncMenuOf } from "../bot/menus.js";
import { seedDemoPeople } from "./seedDemo.js";
import { startWebServer, type WebServer } from "./webServer.js";
import { createDirectory } from "./directory.js";
import { resetSandboxDatabase, withSandboxDatabase } from "./database.js";
import { seedDemoEvents } from "./seedEvents.js";
import { seedDemoPlan } from "./seedPlan.js";
import { demoPhoto } from "./demoPhotos.js";

export { loadSandboxSettings, DEFAULT_SANDBOX_PORT, type SandboxSettings } from "./config.js";
export { DEMO_PEOPLE, type DemoPerson } from "./demoPeople.js";

export interface SandboxOptions {
  /** The app's configuration; its botToken and botApiRoot are replaced, and its database kept apart (database.ts). */
  config: Config;
  logger: Logger;
  /** The web page's port (0: any free port; a taken port falls back to a free one). */
  port: number;
  host: string;
}

export interface Sandbox {
  /** The web page. */
  url: string;
  /** The local Bot API's root, as the bot uses it. */
  botApiUrl: string;
  /** The generated token the local Bot API accepts (new at every start). */
  token: string;
  api: LocalBotApi;
  app: App;
  /** The configuration the app runs with (after the sandbox's changes). */
  config: Config;
  people: readonly DemoPerson[];
  web: WebServer;
  stop(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const log = options.logger.child({ module: "sandbox" });
  // Long enough to be caught by the logger's token scrubbing, like a real token.
  const token = `${DEFAULT_BOT_INFO.id}:${randomBytes(24).toString("base64url")}`;
  const api = new LocalBotApi({ token });
  // The demo people have "pressed Start": the bot may write to them first (directives, rollups).
  for (const person of DEMO_PEOPLE) api.addUser(person.user);

  let botApi: RunningServer | undefined;
  let app: App | undefined;
  let web: WebServer | undefined;
  const stop = async () => {
    await web?.close();
    // Before the Bot API goes: grammY's stop confirms the last updates with one more getUpdates.
    await app?.stop();
    await botApi?.close();
  };
  try {
    botApi = await api.listen(0, "127.0.0.1");
    // The sandbox polls its own local Bot API: a WEBHOOK_URL or HEALTH_PORT meant for the real bot is not used here.
    const config: Config = {
      ...withSandboxDatabase(options.config),
      botToken: token,
      botApiRoot: botApi.url,
      webhook: undefined,
      http: { ...options.config.http, healthPort: undefined },
    };
    await resetSandboxDatabase(config);
    app = await startApp(config, options.logger);

    const services = createServices({ models: app.db.models, now: () => new Date() });
    const people = await seedDemoPeople(services, log);
    const events = await seedDemoEvents(app.db.models, config.timeZone, new Date(), {
      // Demo photos go into the local Bot API as though the in-charge had sent them: the bot can send them on.
      uploadPhoto: async (n) => {
        const file = api.uploadFile("photo", { data: await demoPhoto(n), mime_type: "image/jpeg", file_name: `sabha-${n + 1}.jpg` });
        return { fileId: file.file_id, fileUniqueId: file.file_unique_id, kind: "photo" };
      },
    });
    const plan = await seedDemoPlan(app.db.models, config.timeZone, new Date());
    log.info({ ...people, ...events, ...plan }, "sandbox: demo data ready");

    const i18n = await createI18n();
    // Each demo person's command menu for their roles, as joining by invite would have set it.
    for (const person of DEMO_PEOPLE) await syncMenuOf(app.bot.api, { i18n, services }, log, person.user.id);
    web = await startWebServer(
      {
        api,
        people: DEMO_PEOPLE,
        describePeople: createDirectory(DEMO_PEOPLE, services, i18n),
        strings: (lang) => i18n.instance.getResourceBundle(lang, "sandbox") as unknown,
        languageName: (lang) => i18n.t(lang)(`language:name.${lang}`),
        timeZone: config.timeZone,
        logger: options.logger,
      },
      { port: options.port, host: options.host },
    );
    return { url: web.url, botApiUrl: botApi.url, token, api, app, config, people: DEMO_PEOPLE, web, stop };
  } catch (error) {
    await stop().catch((err: unknown) => log.warn({ err }, "sandbox: cleanup after a failed start failed"));
    throw error;
  }
}

/** What `npm start` prints once the page can be opened. */
export function readyLine(sandbox: Pick<Sandbox, "url">, startedMs: number): string {
  return `Sandbox ready: ${sandbox.url} (${(startedMs / 1000).toFixed(1)} s)`;
}
