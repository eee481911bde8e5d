// /me: one's roles and territories.
import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import { escapeHtml, scopeLabel } from "../format.js";
import { replyHtml } from "../reply.js";

export function meFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command("me", async (ctx) => {
    const name = escapeHtml(ctx.from?.first_name ?? "");
    if (ctx.scopes.length === 0) {
      await ctx.reply(ctx.t("me:noRole", { name }), { parse_mode: "HTML" });
      return;
    }
    const lines = await Promise.all(ctx.scopes.map(async (s) => `• ${escapeHtml(await scopeLabel(ctx, s))}`));
    await replyHtml(ctx, ctx.t("me:roles", { name, roles: lines.join("\n"), language: ctx.t(`language:name.${ctx.lang}`) }));
  });
  return composer;
}
