// createBot(deps): the whole bot, wired but not started. main.ts starts it; tests build their own with a local
// Bot API (client.fetch or apiRoot) and their own database.
import { Bot, type ApiClientOptions } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import { conversations } from "@grammyjs/conversations";
import { sequentialize } from "@grammyjs/runner";
import type { AppContext, BotContext, BotDeps } from "./context.js";
import { enrich, readPersonAhead, enrichReplayed, type PeopleInHand } from "./middleware/enrich.js";
import { menuSync } from "./menus.js";
import { createErrorHandler } from "./middleware/errors.js";
import { skipHandledUpdates, staleConversationGuard } from "./middleware/staleConversation.js";
import { createConversationStorage, loadConversationRecord } from "./conversations/storage.js";
import { resilientFetch, type Fetch, type ResilienceOptions } from "../telegram/resilientFetch.js";
import { autoRetryFetch, type ReplyRetryOptions } from "./replyRetry.js";
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
import { reviewFeature } from "./features/review.js";
import { gapsFeature } from "./features/gaps.js";
import { invitesFeature } from "./features/invites.js";
import { auditFeature } from "./features/audit.js";
import { exportFeature } from "./features/export.js";
import { rollupFeature } from "./features/rollup.js";
import { mapFeature } from "./features/map.js";
import { myEventsFeature } from "./features/myEvents.js";
import { programmesFeature } from "./features/programmes.js";
import { directiveAckFeature, directivesFeature } from "./features/directives.js";
import { plansFeature } from "./features/plans.js";
import { progressFeature } from "./features/progress.js";

export interface CreateBotOptions {
  token: string;
  deps: BotDeps;
  /** Skips the getMe call (tests, and a known bot). */
  botInfo?: UserFromGetMe;
  client?: ApiClientOptions;
  /** How calls made while handling an update survive 5xx and network failures (tests inject a sleep). */
  resilience?: Omit<ResilienceOptions, "maxRateLimitWaitMs">;
  /** How they wait out a 429 (grammY's auto-retry, see replyRetry.ts). */
  replyRetry?: ReplyRetryOptions;
}

export function createBot({ token, deps: given, botInfo, client, resilience, replyRetry }: CreateBotOptions): Bot<BotContext> {
  // Database steps of conversations back off on the same (injectable) sleep as the Bot API calls.
  const sleep = resilience?.sleep;
  const deps: BotDeps = { ...given, dbRetry: { ...(sleep ? { sleep } : {}), ...given.dbRetry } };
  // Every call made while handling an update (conversations' too: they copy these client options) waits out a 429
  // through grammY's auto-retry (replyRetry.ts), and retries a 5xx or a lost answer and ignores an already-answered
  // tap (telegram/resilientFetch.ts, told to leave 429s to auto-retry so that nothing is retried twice).
  const baseFetch = (client?.fetch ?? globalThis.fetch) as unknown as Fetch;
  const fetch = autoRetryFetch(resilientFetch(baseFetch, { ...resilience, maxRateLimitWaitMs: 0 }), replyRetry);
  const resilientClient = { ...client, fetch: fetch as unknown as ApiClientOptions["fetch"] };
  const bot = new Bot<BotContext>(token, { ...(botInfo ? { botInfo } : {}), client: resilientClient });
  const onError = createErrorHandler(deps);
  const peopleInHand: PeopleInHand = new Map();

  // The boundary is middleware (not only bot.catch) so that it also guards updates fed through handleUpdate.
  const guarded = bot.errorBoundary(onError);

  // One update per chat at a time: a double tap is handled after the first tap has been stored.
  guarded.use(sequentialize((ctx) => ctx.chat?.id.toString() ?? ctx.from?.id.toString()));
  // The chat's stored conversation and the person: each read once per update, by _id, at the same time.
  guarded.use(readPersonAhead(deps));
  guarded.use(loadConversationRecord(deps.services.conversations, deps.dbRetry));
  guarded.use(skipHandledUpdates(deps.logger));
  guarded.use(enrich(deps, peopleInHand));
  // The person's command menu, when their roles or language changed since it was set (usually a hash compare).
  guarded.use(menuSync());
  guarded.use(staleConversationGuard());
  guarded.use(
    conversations<AppContext, AppContext>({
      storage: createConversationStorage<AppContext>(deps.services.conversations, deps.dbRetry),
      // The only plugin every conversation needs, installed once here (not again per conversation).
      plugins: [enrichReplayed(deps, peopleInHand)],
    }),
  );
  // Before the conversations themselves: /cancel must reach us even while a conversation waits for input.
  guarded.use(cancelFeature());
  // Likewise the Acknowledge button of a directive: it must work whatever step the recipient is in.
  guarded.use(directiveAckFeature());

  // Features that own conversations come first: a conversation waiting for input must see the update before any
  // plain command handler below (so "/help" mid-way is answered by the conversation's "finish or /cancel").
  // Events, reports and programmes first: their entry points hand the update on when another conversation is
  // active (features/conversationEntry.ts), so they can sit before features whose commands do not.
  guarded.use(eventsFeature());
  guarded.use(reportFeature(deps));
  guarded.use(reviewFeature());
  guarded.use(rollupFeature(deps));
  guarded.use(mapFeature(deps));
  guarded.use(myEventsFeature(deps));
  guarded.use(programmesFeature(deps));
  guarded.use(plansFeature(deps));
  guarded.use(directivesFeature());
  guarded.use(inviteFeature());
  guarded.use(clustersFeature());

  // Plain command features.
  guarded.use(startFeature());
  guarded.use(helpFeature());
  guarded.use(meFeature());
  guarded.use(languageFeature());
  guarded.use(teamFeature());
  guarded.use(gapsFeature());
  guarded.use(invitesFeature());
  guarded.use(exportFeature());
  guarded.use(auditFeature());
  guarded.use(progressFeature(deps));
  guarded.use(unhandledFeature());

  bot.catch(onError);
  return bot;
}
