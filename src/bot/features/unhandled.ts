// Last in the chain: anything no feature took gets a short answer and a way forward, never silence.
import { Composer } from "grammy";
import type { BotContext } from "../context.js";

export function unhandledFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.on("callback_query", async (ctx) => {
    // An old button, or callback_data nobody issued.
    await ctx.answerCallbackQuery({ text: ctx.t("common:button.stale"), show_alert: false });
  });
  composer.on("message", async (ctx) => {
    if (ctx.chat.type !== "private") return; // stay quiet in groups
    const text = ctx.message.text ?? "";
    if (text.startsWith("/")) {
      await ctx.reply(ctx.t("common:unknownCommand"));
    } else if (ctx.message.text !== undefined) {
      await ctx.reply(ctx.t(ctx.scopes.length ? "common:strayText" : "common:strayTextNoRole"));
    } else {
      await ctx.reply(ctx.t("common:unsupportedMessage"));
    }
  });
  return composer;
}
