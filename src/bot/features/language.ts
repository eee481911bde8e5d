// /language: switch between Hindi and English; stored per person.
import { Composer, InlineKeyboard } from "grammy";
import { LANGUAGES, isLanguage } from "../../i18n.js";
import type { BotContext } from "../context.js";
import { syncOwnMenu } from "../menus.js";

export function languageFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command("language", async (ctx) => {
    const keyboard = new InlineKeyboard();
    // Each language's name is written in that language, so either reader finds their own.
    for (const lang of LANGUAGES) keyboard.text(ctx.deps.i18n.t(lang)("language:name." + lang), `lang:${lang}`);
    await ctx.reply(ctx.t("language:choose"), { reply_markup: keyboard });
  });
  composer.callbackQuery(/^lang:(.*)$/, async (ctx) => {
    const chosen = ctx.match[1];
    if (!isLanguage(chosen) || !ctx.from) {
      await ctx.answerCallbackQuery({ text: ctx.t("common:button.invalid") });
      return;
    }
    await ctx.deps.services.people.setLanguage(ctx.from.id, chosen);
    const t = ctx.deps.i18n.t(chosen);
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(t("language:changed", { language: t(`language:name.${chosen}`) })).catch(() => {});
    // The chat's command menu in the new language.
    await syncOwnMenu(ctx);
  });
  return composer;
}
