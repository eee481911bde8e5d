// /programmes (national office): the programmes and attendee categories, with buttons to add one or to hide or
// show one. Changes are data (services/programmeService.ts): no code change, no restart.
import { Composer, InlineKeyboard } from "grammy";
import type { ItemKind } from "../../services/programmeService.js";
import type { BotContext, BotDeps } from "../context.js";
import { escapeHtml } from "../format.js";
import { PROGRAMME_ITEM_CONVERSATION, programmeItemConversation } from "../conversations/programmeItem.js";
import { denyAccess } from "../middleware/deny.js";
import { installConversation, unlessBusy } from "./conversationEntry.js";
import { editHtml, replyHtml } from "../reply.js";

/** callback_data: pg:a:<p|c> adds a programme or category; pg:t:<p|c>:<key> hides or shows one. */
const ADD_RE = /^pg:a:([pc])$/;
const TOGGLE_RE = /^pg:t:([pc]):([a-z0-9-]{1,24})$/;
const kindOf = (letter: string): ItemKind => (letter === "p" ? "programme" : "category");

const isAdmin = (ctx: BotContext) => ctx.scopes.some((s) => s.role === "national_admin");

export function programmesFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(installConversation(PROGRAMME_ITEM_CONVERSATION, programmeItemConversation));

  async function view(ctx: BotContext): Promise<{ text: string; kb: InlineKeyboard }> {
    const { programmes } = deps.services;
    const [progs, cats] = await Promise.all([
      programmes.list("programme", { includeHidden: true }),
      programmes.list("category", { includeHidden: true }),
    ]);
    const line = (it: (typeof progs)[number]) => `${it.active ? "✅" : "🚫"} ${escapeHtml(it.name.hi)} / ${escapeHtml(it.name.en)}`;
    const text = [
      `<b>${ctx.t("programmes:title.programmes")}</b>`,
      ...progs.map(line),
      "",
      `<b>${ctx.t("programmes:title.categories")}</b>`,
      ...cats.map(line),
      ctx.t("programmes:othersNote"),
      "",
      ctx.t("programmes:help"),
    ].join("\n");
    const kb = new InlineKeyboard()
      .text(ctx.t("programmes:button.addProgramme"), "pg:a:p")
      .text(ctx.t("programmes:button.addCategory"), "pg:a:c");
    for (const [letter, items] of [["p", progs], ["c", cats]] as const) {
      for (const it of items) {
        kb.row().text(
          ctx.t(it.active ? "programmes:button.hide" : "programmes:button.show", { name: it.name[ctx.lang] }),
          `pg:t:${letter}:${it.key}`,
        );
      }
    }
    return { text, kb };
  }

  composer.command("programmes", (ctx, next) =>
    unlessBusy(ctx, next, async () => {
      if (!isAdmin(ctx)) {
        await denyAccess(ctx, "programmes.open", ctx.scopes.length ? "role_not_appointable" : "no_role");
        return;
      }
      const { text, kb } = await view(ctx);
      await replyHtml(ctx, text, { reply_markup: kb });
    }),
  );

  composer.callbackQuery(ADD_RE, (ctx, next) =>
    unlessBusy(ctx, next, async () => {
      if (!isAdmin(ctx)) {
        await denyAccess(ctx, "programmes.add", ctx.scopes.length ? "role_not_appointable" : "no_role");
        return;
      }
      await ctx.answerCallbackQuery();
      await ctx.conversation.enter(PROGRAMME_ITEM_CONVERSATION, kindOf(ctx.match![1]!));
    }),
  );

  composer.callbackQuery(TOGGLE_RE, async (ctx) => {
    if (!isAdmin(ctx)) {
      await denyAccess(ctx, "programmes.toggle", ctx.scopes.length ? "role_not_appointable" : "no_role");
      return;
    }
    const kind = kindOf(ctx.match![1]!);
    const key = ctx.match![2]!;
    const { programmes } = deps.services;
    const item = await programmes.get(kind, key);
    if (!item) {
      await ctx.answerCallbackQuery({ text: ctx.t("common:button.invalid") });
      return;
    }
    // At least one programme stays offered, or nobody could register an event.
    if (kind === "programme" && item.active && (await programmes.list("programme")).length <= 1) {
      await ctx.answerCallbackQuery({ text: ctx.t("programmes:lastProgramme"), show_alert: true });
      return;
    }
    await programmes.setActive(kind, key, !item.active);
    await deps.services.audit.record({
      actorId: ctx.from.id,
      action: item.active ? "programmes.hide" : "programmes.show",
      outcome: "ok",
      details: { kind, key },
    });
    await ctx.answerCallbackQuery({ text: ctx.t(item.active ? "programmes:hidden" : "programmes:shown", { name: item.name[ctx.lang] }) });
    const { text, kb } = await view(ctx);
    await editHtml(ctx, text, { reply_markup: kb });
  });
  return composer;
}
