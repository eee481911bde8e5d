// /help: what this person can do, given their roles.
import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import { commandsFor } from "../commands.js";

export function helpFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command("help", async (ctx) => {
    await ctx.reply(helpText(ctx), { parse_mode: "HTML" });
  });
  return composer;
}

export function helpText(ctx: BotContext): string {
  const lines = commandsFor(ctx.scopes).map((c) => `/${c.command} — ${ctx.t(`commands:${c.command}`)}`);
  const intro = ctx.scopes.length > 0 ? ctx.t("help:introWithRoles") : ctx.t("help:introNoRole");
  return `${intro}\n\n${lines.join("\n")}`;
}
