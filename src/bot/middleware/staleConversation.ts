// When CONVERSATION_VERSION changes, the plugin would silently discard a person's half-finished conversation.
// This guard runs first: it notices the old version, removes it, and tells the person to start again.
import type { MiddlewareFn } from "grammy";
import type { AppContext } from "../context.js";
import { CONVERSATION_VERSION, conversationKeyOf, storedConversationVersion } from "../conversations/storage.js";

export function staleConversationGuard(): MiddlewareFn<AppContext> {
  return async (ctx, next) => {
    const key = conversationKeyOf(ctx);
    if (key) {
      const version = await storedConversationVersion(ctx.deps.models, key);
      if (version !== undefined && version !== CONVERSATION_VERSION) {
        await ctx.deps.models.ConversationState.deleteOne({ key });
        ctx.log.info({ key, version }, "dropped conversation state of an older version");
        if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => {});
        await ctx.reply(ctx.t("common:conversation.outdated"));
        return;
      }
    }
    await next();
  };
}
