// /newevent opens the event registration conversation for anyone who may register an event somewhere.
import { Composer } from "grammy";
import { createConversation } from "@grammyjs/conversations";
import { mayRegisterAnywhere, registrationOptions } from "../../domain/events/index.js";
import type { AppContext, BotContext, BotDeps } from "../context.js";
import { conversationPlugins } from "../conversations/plugins.js";
import { NEW_EVENT_CONVERSATION, newEventConversation } from "../conversations/newEvent.js";
import { CONVERSATION_IDLE_MS } from "../conversations/storage.js";
import { denyAccess } from "../middleware/deny.js";
import { unlessBusy } from "./conversationEntry.js";

export function eventsFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(
    createConversation<AppContext, AppContext>(newEventConversation, {
      id: NEW_EVENT_CONVERSATION,
      plugins: conversationPlugins(deps),
      maxMillisecondsToWait: CONVERSATION_IDLE_MS,
    }) as never,
  );
  composer.command("newevent", (ctx, next) =>
    unlessBusy(ctx, next, async () => {
      if (!mayRegisterAnywhere(registrationOptions(ctx.scopes))) {
        await denyAccess(ctx, "event.create", "no_role");
        return;
      }
      await ctx.conversation.enter(NEW_EVENT_CONVERSATION);
    }),
  );
  return composer;
}
