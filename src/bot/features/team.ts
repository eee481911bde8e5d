// /team: an appointer lists the people in their scope, revokes a role, or replaces a seat's holder (a single-use
// link for the new person; the old holder keeps the seat until it is used: services/teamService.ts). Every button is
// re-checked against the tapper's roles as loaded for this update: callback_data is whatever the client sends.
import { Composer, InlineKeyboard } from "grammy";
import { appointableRoles } from "../../domain/permissions.js";
import type { TeamEntry } from "../../services/teamService.js";
import type { BotContext } from "../context.js";
import { escapeHtml, formatDate, personName, scopeLabel } from "../format.js";
import { denyAccess } from "../middleware/deny.js";
import { editHtml, replyHtml } from "../reply.js";
import { syncMenuOf } from "../menus.js";

const PAGE_SIZE = 10;

export function teamFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  composer.command("team", async (ctx) => {
    if (!(await mayManage(ctx, "team.open"))) return;
    const view = await renderPage(ctx, 0);
    await replyHtml(ctx, view.text, { reply_markup: view.keyboard });
  });

  composer.callbackQuery(/^tm:p:(\d{1,4})$/, async (ctx) => {
    if (!(await mayManage(ctx, "team.page"))) return;
    const view = await renderPage(ctx, Number(ctx.match[1]));
    await ctx.answerCallbackQuery();
    await editHtml(ctx, view.text, { reply_markup: view.keyboard });
  });

  composer.callbackQuery(/^tm:r:(\d{1,16}):([A-Za-z0-9:-]{1,20})$/, async (ctx) => {
    if (!(await mayManage(ctx, "team.revoke"))) return;
    const targetId = Number(ctx.match[1]);
    const code = ctx.match[2]!;
    const entry = (await ctx.deps.services.team.list(ctx.from.id, ctx.scopes)).find(
      (e) => e.telegramId === targetId && e.grant.code === code,
    );
    if (!entry) {
      await denyAccess(ctx, "team.revoke", "outside_scope", { targetId, code });
      return;
    }
    await ctx.answerCallbackQuery();
    await ctx.reply(
      ctx.t("team:confirmRevoke", { name: escapeHtml(personName(entry)), role: escapeHtml(await scopeLabel(ctx, entry.grant)) }),
      {
        parse_mode: "HTML",
        reply_markup: new InlineKeyboard()
          .text(ctx.t("team:yesRevoke"), `tm:y:${targetId}:${code}`)
          .text(ctx.t("team:noKeep"), "tm:n"),
      },
    );
  });

  composer.callbackQuery(/^tm:y:(\d{1,16}):([A-Za-z0-9:-]{1,20})$/, async (ctx) => {
    if (!(await mayManage(ctx, "team.revoke"))) return;
    const targetId = Number(ctx.match[1]);
    const code = ctx.match[2]!;
    const result = await ctx.deps.services.team.revoke(ctx.from.id, ctx.scopes, targetId, code, ctx.update.update_id);
    if (!result.ok) {
      // Refused (and audited by the service): say why, and leave the message as it was.
      const reason = ctx.t(`team:revokeRefused.${result.reason}`, { defaultValue: ctx.t("common:denied.outside_scope") });
      await ctx.answerCallbackQuery({ text: reason, show_alert: true });
      return;
    }
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t("team:revoked")).catch(() => ctx.reply(ctx.t("team:revoked")));
    // Their menu loses what the role gave them, now rather than at their next message.
    await syncMenuOf(ctx.api, ctx.deps, ctx.log, targetId);
  });

  composer.callbackQuery(/^tm:s:(\d{1,16}):([A-Za-z0-9:-]{1,20})$/, async (ctx) => {
    if (!(await mayManage(ctx, "team.replace"))) return;
    const targetId = Number(ctx.match[1]);
    const code = ctx.match[2]!;
    const entry = (await ctx.deps.services.team.list(ctx.from.id, ctx.scopes)).find((e) => e.telegramId === targetId && e.grant.code === code);
    if (!entry) {
      await denyAccess(ctx, "team.replace", "outside_scope", { targetId, code });
      return;
    }
    await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t("team:confirmReplace", { name: escapeHtml(personName(entry)), role: escapeHtml(await scopeLabel(ctx, entry.grant)) }), {
      parse_mode: "HTML",
      reply_markup: new InlineKeyboard().text(ctx.t("team:yesReplace"), `tm:sy:${targetId}:${code}`).text(ctx.t("team:noKeep"), "tm:n"),
    });
  });

  composer.callbackQuery(/^tm:sy:(\d{1,16}):([A-Za-z0-9:-]{1,20})$/, async (ctx) => {
    if (!(await mayManage(ctx, "team.replace"))) return;
    const targetId = Number(ctx.match[1]);
    const code = ctx.match[2]!;
    // One link per confirmation message: a double tap or a replayed update makes no second link.
    const claimKey = `team.replace:${ctx.chat?.id ?? ctx.from.id}:${ctx.callbackQuery.message?.message_id ?? ctx.callbackQuery.id}`;
    const claim = await ctx.deps.services.claims.claimOnce(claimKey, String(ctx.from.id));
    if (!claim.won) {
      await ctx.answerCallbackQuery({ text: ctx.t("team:replaceAlready"), show_alert: true });
      return;
    }
    const target = await ctx.deps.services.people.get(targetId);
    const result = await ctx.deps.services.team.replace(ctx.from.id, ctx.scopes, targetId, code, ctx.update.update_id);
    if (!result.ok) {
      // Refused (and audited by the service): say why; the button may be used again once that is fixed.
      await ctx.deps.services.claims.release(claimKey);
      const reason = ctx.t(`team:revokeRefused.${result.reason}`, { defaultValue: ctx.t("common:denied.outside_scope") });
      await ctx.answerCallbackQuery({ text: reason, show_alert: true });
      return;
    }
    await ctx.answerCallbackQuery();
    const text = ctx.t("team:replaceLink", {
      name: escapeHtml(target ? personName(target) : String(targetId)),
      role: escapeHtml(await scopeLabel(ctx, result.grant)),
      link: `https://t.me/${ctx.me.username}?start=${result.token}`,
      expires: escapeHtml(formatDate(ctx, result.expiresAt)),
    });
    const options = { parse_mode: "HTML" as const, link_preview_options: { is_disabled: true } };
    await ctx.editMessageText(text, options).catch(() => ctx.reply(text, options));
  });

  composer.callbackQuery("tm:n", async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t("team:kept")).catch(() => {});
  });

  return composer;
}

async function mayManage(ctx: BotContext, action: string): Promise<boolean> {
  if (appointableRoles(ctx.scopes).length > 0) return true;
  await denyAccess(ctx, action, ctx.scopes.length ? "role_not_appointable" : "no_role");
  return false;
}

async function renderPage(ctx: BotContext, requested: number): Promise<{ text: string; keyboard: InlineKeyboard }> {
  const entries: TeamEntry[] = await ctx.deps.services.team.list(ctx.from!.id, ctx.scopes);
  const keyboard = new InlineKeyboard();
  if (entries.length === 0) return { text: ctx.t("team:empty"), keyboard };
  const pages = Math.ceil(entries.length / PAGE_SIZE);
  const page = Math.min(Math.max(requested, 0), pages - 1);
  const slice = entries.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  const lines = await Promise.all(
    slice.map(async (e, i) => {
      const n = page * PAGE_SIZE + i + 1;
      const blocked = e.blocked ? ` ${ctx.t("team:blocked")}` : "";
      return `${n}. <b>${escapeHtml(personName(e))}</b> — ${escapeHtml(await scopeLabel(ctx, e.grant))}${blocked}`;
    }),
  );
  slice.forEach((e, i) => {
    if (i > 0 && i % 5 === 0) keyboard.row();
    keyboard.text(`❌ ${page * PAGE_SIZE + i + 1}`, `tm:r:${e.telegramId}:${e.grant.code}`);
  });
  // Replace: a row (or two) of its own under the revoke buttons.
  slice.forEach((e, i) => {
    if (i % 5 === 0) keyboard.row();
    keyboard.text(`🔁 ${page * PAGE_SIZE + i + 1}`, `tm:s:${e.telegramId}:${e.grant.code}`);
  });
  if (pages > 1) {
    keyboard.row();
    if (page > 0) keyboard.text("◀", `tm:p:${page - 1}`);
    keyboard.text(`${page + 1}/${pages}`, `tm:p:${page}`);
    if (page < pages - 1) keyboard.text("▶", `tm:p:${page + 1}`);
  }
  const text = `${ctx.t("team:header", { count: entries.length })}\n\n${lines.join("\n")}\n\n${ctx.t("team:hint")}`;
  return { text, keyboard };
}
