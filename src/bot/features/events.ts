// /newevent opens the event registration conversation for anyone who may register an event somewhere.
import { Composer } from "grammy";
import { mayRegisterAnywhere, registrationOptions } from "../../domain/events/index.js";
import type { BotContext } from "../context.js";
import { NEW_EVENT_CONVERSATION, newEventConversation } from "../conversations/newEvent.js";
import { denyAccess } from "../middleware/deny.js";
import { installConversation, unlessBusy } from "./conversationEntry.js";

export function eventsFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(installConversation(NEW_EVENT_CONVERSATION, newEventConversation));
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
