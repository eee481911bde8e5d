// Two guards on the chat's stored conversation, both working from the one read of it (loadConversationRecord):
// - an update this chat's conversation has already taken (delivered again after a crash or a lost confirmation) is
//   skipped, never applied to the next question;
// - when a conversation's version changes (conversations/versions.ts), its stored replay logs no longer fit its code:
//   a chat's state holding an older version of it is removed and the person told to start again (the plugin would
//   otherwise replay the old log against the new code, or drop it silently). Other conversations' states stay.
import type { MiddlewareFn } from "grammy";
import type { AppContext } from "../context.js";
import type { Logger } from "../../logger.js";
import { alreadyHandled, dropConversation, staleConversationOf } from "../conversations/storage.js";

/** Runs before the person is loaded: an update already taken costs one read (the chat's record), nothing more. */
export function skipHandledUpdates(logger: Logger): MiddlewareFn<AppContext> {
  return async (ctx, next) => {
    if (alreadyHandled(ctx)) {
      logger.info({ updateId: ctx.update.update_id }, "update already handled in this chat's conversation: skipped");
      return;
    }
    await next();
  };
}

export function staleConversationGuard(): MiddlewareFn<AppContext> {
  return async (ctx, next) => {
    const stale = staleConversationOf(ctx);
    if (stale) {
      await dropConversation(ctx, ctx.deps.services.conversations);
      ctx.log.info({ key: ctx.conversationRecord?.key, ...stale }, "dropped conversation state of an older version");
      if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => {});
      await ctx.reply(ctx.t("common:conversation.outdated"));
      return;
    }
    await next();
  };
}
