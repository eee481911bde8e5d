// The error boundary: log with the update id (the token is redacted by the logger), answer with a localized apology
// that says what really happened, and make sure a chat can never stay stuck in a conversation whose replay keeps
// throwing.
import { BotError, GrammyError, HttpError } from "grammy";
import type { BotContext, BotDeps } from "../context.js";
import { dropConversation } from "../conversations/storage.js";
import { isTransientDbError } from "../conversations/retry.js";

export function createErrorHandler(deps: BotDeps) {
  return async (err: BotError<BotContext>): Promise<void> => {
    const ctx = err.ctx;
    const cause = err.error;
    const log = deps.logger.child({ updateId: ctx.update.update_id });
    // A button tap delivered again (at-least-once polling) finds its query already answered: Telegram says 400.
    // Nothing went wrong for the person, so no apology (which would be a second message for one tap).
    if (cause instanceof GrammyError && cause.method === "answerCallbackQuery") {
      log.warn({ err: cause }, "callback query could not be answered (already answered or too old)");
      return;
    }
    log.error({ err: cause instanceof Error ? cause : new Error(String(cause)) }, "update failed");
    const hadConversation = ctx.conversationRecord?.loadedWithConversation ?? false;
    // The database failing for a passing reason (after the retries: a read of the chat's state, the person, or the
    // write of the new state) is not the conversation's fault: its stored state is the one from before this update,
    // which fits, so it is kept and the person asked to send again.
    const transient = isTransientDbError(cause);
    // A non-Telegram error inside a conversation would be replayed (and thrown again) on every later update: end
    // that chat's conversation so the person can start afresh. (The plugin itself ends a conversation whose code
    // throws; this covers a replay that throws before the plugin gets there.)
    if (!transient && !(cause instanceof GrammyError) && !(cause instanceof HttpError) && ctx.conversationRecord) {
      await dropConversation(ctx, deps.services.conversations).catch((e: unknown) => log.warn({ err: e }, "could not end the conversation"));
    }
    const lost = hadConversation && !ctx.conversationRecord?.doc?.value;
    const t = ctx.t ?? deps.i18n.t("hi");
    try {
      if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => {});
      if (ctx.chat) await ctx.reply(t(lost ? "common:error.conversationLost" : transient ? "common:error.temporary" : "common:error.generic"));
    } catch (replyError) {
      log.warn({ err: replyError }, "could not send the apology");
    }
  };
}
