// createBot(deps): the whole bot, wired but not started. main.ts starts it; tests build their own with a local
// Bot API (client.fetch or apiRoot) and their own database.
import { Bot, type ApiClientOptions } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import { conversations } from "@grammyjs/conversations";
import { sequentialize } from "@grammyjs/runner";
import type { AppContext, BotContext, BotDeps } from "./context.js";
import { enrich } from "./middleware/enrich.js";
import { createErrorHandler } from "./middleware/errors.js";
import { staleConversationGuard } from "./middleware/staleConversation.js";
import { createConversationStorage } from "./conversations/storage.js";
import { conversationPlugins } from "./conversations/plugins.js";
import { cancelFeature } from "./features/cancel.js";
import { startFeature } from "./features/start.js";
import { helpFeature } from "./features/help.js";
import { meFeature } from "./features/me.js";
import { languageFeature } from "./features/language.js";
import { teamFeature } from "./features/team.js";
import { inviteFeature } from "./features/invite.js";
import { clustersFeature } from "./features/clusters.js";
import { unhandledFeature } from "./features/unhandled.js";
import { eventsFeature } from "./features/events.js";
import { reportFeature } from "./features/report.js";
import { rollupFeature } from "./features/rollup.js";
import { myEventsFeature } from "./features/myEvents.js";
import { programmesFeature } from "./features/programmes.js";
import { directiveAckFeature, directivesFeature } from "./features/directives.js";

export interface CreateBotOptions {
  token: string;
  deps: BotDeps;
  /** Skips the getMe call (tests, and a known bot). */
  botInfo?: UserFromGetMe;
  client?: ApiClientOptions;
}

export function createBot({ token, deps, botInfo, client }: CreateBotOptions): Bot<BotContext> {
  const bot = new Bot<BotContext>(token, { ...(botInfo ? { botInfo } : {}), ...(client ? { client } : {}) });
  const onError = createErrorHandler(deps);

  // The boundary is middleware (not only bot.catch) so that it also guards updates fed through handleUpdate.
  const guarded = bot.errorBoundary(onError);

  // One update per chat at a time: a double tap is handled after the first tap has been stored.
  guarded.use(sequentialize((ctx) => ctx.chat?.id.toString() ?? ctx.from?.id.toString()));
  guarded.use(enrich(deps, { record: true }) as never);
  guarded.use(staleConversationGuard() as never);
  guarded.use(
    conversations<AppContext, AppContext>({
      storage: createConversationStorage<AppContext>(deps.models, deps.now),
      plugins: conversationPlugins(deps),
    }) as never,
  );
  // Before the conversations themselves: /cancel must reach us even while a conversation waits for input.
  guarded.use(cancelFeature());
  // Likewise the Acknowledge button of a directive: it must work whatever step the recipient is in.
  guarded.use(directiveAckFeature());

  // Features that own conversations come first: a conversation waiting for input must see the update before any
  // plain command handler below (so "/help" mid-way is answered by the conversation's "finish or /cancel").
  // Events, reports and programmes first: their entry points hand the update on when another conversation is
  // active (features/conversationEntry.ts), so they can sit before features whose commands do not.
  guarded.use(eventsFeature(deps));
  guarded.use(reportFeature(deps));
  guarded.use(rollupFeature(deps));
  guarded.use(myEventsFeature(deps));
  guarded.use(programmesFeature(deps));
  guarded.use(directivesFeature(deps));
  guarded.use(inviteFeature(deps));
  guarded.use(clustersFeature(deps));

  // Plain command features.
  guarded.use(startFeature());
  guarded.use(helpFeature());
  guarded.use(meFeature());
  guarded.use(languageFeature());
  guarded.use(teamFeature());
  guarded.use(unhandledFeature());

  bot.catch(onError);
  return bot;
}
