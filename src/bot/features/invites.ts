// /invites: the links still open in one's area (role, seat, who made it, until when), each with a button that
// withdraws it at once, and one that withdraws them all (after a confirmation). Anyone who may appoint sees the
// links for the seats they may appoint to.
import { Composer, InlineKeyboard } from "grammy";
import { appointableRoles } from "../../domain/permissions.js";
import type { BotContext } from "../context.js";
import { escapeHtml, formatDate, scopeLabel } from "../format.js";
import { denyAccess } from "../middleware/deny.js";
import { editHtml, replyHtml } from "../reply.js";

const CANCEL_RE = /^iv:x:([0-9a-f]{24})$/;
const LIST_MAX = 30;

const actorOf = (ctx: BotContext) => ({ telegramId: ctx.from!.id, scopes: ctx.scopes });

async function list(ctx: BotContext, edit: boolean): Promise<void> {
  const pending = await ctx.deps.services.invites.listPending(actorOf(ctx));
  const kb = new InlineKeyboard();
  const lines = [ctx.t("invite:pending.title", { count: pending.length })];
  if (pending.length === 0) lines.push(ctx.t("invite:pending.none"));
  const names = await ctx.deps.services.rollups.labels(ctx.lang, pending.map((p) => p.createdBy).filter((id): id is number => id !== null));
  for (const [i, p] of pending.slice(0, LIST_MAX).entries()) {
    const seat = await scopeLabel(ctx, { role: p.role, level: p.level, code: p.code });
    lines.push(
      ctx.t("invite:pending.line", {
        n: i + 1,
        seat: escapeHtml(seat),
        by: escapeHtml(p.createdBy === null ? ctx.t("invite:pending.shell") : names.person(p.createdBy)),
        until: escapeHtml(formatDate(ctx, p.expiresAt)),
      }),
    );
    kb.text(ctx.t("invite:pending.cancelOne", { n: i + 1 }), `iv:x:${p.id}`);
    if (i % 3 === 2) kb.row();
  }
  if (pending.length > LIST_MAX) lines.push(ctx.t("invite:pending.more", { count: pending.length - LIST_MAX }));
  if (pending.length > 1) kb.row().text(ctx.t("invite:pending.cancelAll", { count: pending.length }), "iv:xa");
  const text = lines.join("\n");
  if (edit) await editHtml(ctx, text, { reply_markup: kb });
  else await replyHtml(ctx, text, { reply_markup: kb });
}

export function invitesFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command("invites", async (ctx) => {
    if (appointableRoles(ctx.scopes).length === 0) return denyAccess(ctx, "invite.list", ctx.scopes.length ? "role_not_appointable" : "no_role");
    await list(ctx, false);
  });
  composer.callbackQuery(CANCEL_RE, async (ctx) => {
    const result = await ctx.deps.services.invites.cancel(actorOf(ctx), ctx.match[1]!);
    if (!result.ok) {
      if (result.reason === "outside_scope" || result.reason === "no_role") return denyAccess(ctx, "invite.cancel", result.reason);
      await ctx.answerCallbackQuery({ text: ctx.t(`invite:pending.refused.${result.reason}`, { defaultValue: ctx.t("invite:pending.refused.not_found") }), show_alert: true });
      return;
    }
    await ctx.answerCallbackQuery({ text: ctx.t("invite:pending.cancelled") }).catch(() => {});
    await list(ctx, true);
  });
  composer.callbackQuery("iv:xa", async (ctx) => {
    await ctx.answerCallbackQuery().catch(() => {});
    const count = (await ctx.deps.services.invites.listPending(actorOf(ctx))).length;
    const kb = new InlineKeyboard().text(ctx.t("invite:pending.confirmAll", { count }), "iv:xay").text(ctx.t("invite:pending.keep"), "iv:l");
    await editHtml(ctx, ctx.t("invite:pending.askAll", { count }), { reply_markup: kb });
  });
  composer.callbackQuery("iv:xay", async (ctx) => {
    // Only what is still open and in the area now; each withdrawal is exactly once, so a double tap is harmless.
    const pending = await ctx.deps.services.invites.listPending(actorOf(ctx));
    let cancelled = 0;
    for (const p of pending) if ((await ctx.deps.services.invites.cancel(actorOf(ctx), p.id)).ok) cancelled++;
    await ctx.answerCallbackQuery({ text: ctx.t("invite:pending.cancelledAll", { count: cancelled }) }).catch(() => {});
    await list(ctx, true);
  });
  composer.callbackQuery("iv:l", async (ctx) => {
    await ctx.answerCallbackQuery().catch(() => {});
    await list(ctx, true);
  });
  return composer;
}
