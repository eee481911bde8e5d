// /invite opens the invite conversation for anyone who may appoint someone.
import { Composer } from "grammy";
import { createConversation } from "@grammyjs/conversations";
import { appointableRoles } from "../../domain/permissions.js";
import type { AppContext, BotContext, BotDeps } from "../context.js";
import { conversationPlugins } from "../conversations/plugins.js";
import { INVITE_CONVERSATION, inviteConversation } from "../conversations/invite.js";
import { CONVERSATION_IDLE_MS } from "../conversations/storage.js";
import { denyAccess } from "../middleware/deny.js";
import { unlessBusy } from "./conversationEntry.js";

export function inviteFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(
    createConversation<AppContext, AppContext>(inviteConversation, {
      id: INVITE_CONVERSATION,
      plugins: conversationPlugins(deps),
      maxMillisecondsToWait: CONVERSATION_IDLE_MS,
    }) as never,
  );
  composer.command("invite", (ctx, next) =>
    unlessBusy(ctx, next, async () => {
      if (appointableRoles(ctx.scopes).length === 0) {
        await denyAccess(ctx, "invite.open", ctx.scopes.length ? "role_not_appointable" : "no_role");
        return;
      }
      await ctx.conversation.enter(INVITE_CONVERSATION);
    }),
  );
  return composer;
}
