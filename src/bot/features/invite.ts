// /invite opens the invite conversation for anyone who may appoint someone.
import { Composer } from "grammy";
import { appointableRoles } from "../../domain/permissions.js";
import type { BotContext } from "../context.js";
import { INVITE_CONVERSATION, inviteConversation } from "../conversations/invite.js";
import { denyAccess } from "../middleware/deny.js";
import { installConversation, unlessBusy } from "./conversationEntry.js";

export function inviteFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(
    installConversation(INVITE_CONVERSATION, inviteConversation),
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
