// /cancel leaves any conversation at any step. Installed before the conversations so it is never swallowed.
import { Composer } from "grammy";
import type { BotContext } from "../context.js";

export function cancelFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command("cancel", async (ctx) => {
    const active = Object.values(ctx.conversation.active()).reduce((a, b) => a + b, 0);
    await ctx.conversation.exitAll();
    await ctx.reply(ctx.t(active > 0 ? "common:cancel.done" : "common:cancel.nothing"));
  });
  return composer;
}
