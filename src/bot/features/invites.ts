// /invites: the links still open in one's area (role, seat, who made it, until when), each with a button that
// withdraws it at once, and one that withdraws them all (after a confirmation). Anyone who may appoint sees the
// links for the seats they may appoint to.
import { Composer, InlineKeyboard, InputFile } from "grammy";
import { linksToCsv, linksToXlsx, type SeatRole } from "../../services/bulkInvites.js";
import { appointableRoles, canAppointThroughout } from "../../domain/permissions.js";
import type { BotContext } from "../context.js";
import { escapeHtml, formatDate, scopeLabel } from "../format.js";
import { denyAccess } from "../middleware/deny.js";
import { editHtml, replyHtml } from "../reply.js";

const CANCEL_RE = /^iv:x:([0-9a-f]{24})$/;
// Links for every vacant seat: iv:b (which role) → iv:b:<p|a> (which cluster or state) → iv:b:<p|a>:<area> (which
// format) → iv:b:<p|a>:<area>:<x|c> (make them: XLSX or CSV). <area> is a state code, or "@" and a cluster key.
const BULK_RE = /^iv:b(?::([pa])(?::(IN-[A-Z]{2}|@[a-z0-9-]{1,20})(?::([xc]))?)?)?$/;
const ROLE_OF: Record<string, SeatRole> = { p: "pc_incharge", a: "ac_incharge" };
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
  kb.row().text(ctx.t("invite:bulk.button"), "iv:b");
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
  composer.callbackQuery(BULK_RE, async (ctx) => {
    const [, roleKey, state, format] = ctx.match;
    const clusterKey = state?.startsWith("@") ? state.slice(1) : undefined;
    const may = appointableRoles(ctx.scopes).filter((r): r is SeatRole => r === "pc_incharge" || r === "ac_incharge");
    if (may.length === 0) return denyAccess(ctx, "invite.bulk", "role_not_appointable");
    const role = roleKey ? ROLE_OF[roleKey] : undefined;
    if (!role) {
      await ctx.answerCallbackQuery().catch(() => {});
      const kb = new InlineKeyboard();
      for (const r of may) kb.text(ctx.t(`common:role.${r}`), `iv:b:${r === "pc_incharge" ? "p" : "a"}`).row();
      return editHtml(ctx, ctx.t("invite:bulk.pickRole"), { reply_markup: kb });
    }
    if (!state) {
      await ctx.answerCallbackQuery().catch(() => {});
      const scope = await ctx.deps.services.review.statesInScope(ctx.scopes);
      const states = scope === "all" ? (await ctx.deps.services.map.listStates()).map((s) => s.code) : scope;
      const names = await ctx.deps.services.rollups.labels(ctx.lang, []);
      const kb = new InlineKeyboard();
      // Whole clusters first, those the person may cover entirely (the national office: all; a cluster head: theirs).
      const [clusters, view] = await Promise.all([ctx.deps.services.map.listClusters(), ctx.deps.services.map.loadMapView()]);
      const wholeClusters = clusters.filter((c) => c.stateCodes.length > 0 && canAppointThroughout(ctx.scopes, role, { level: "cluster", code: c.key }, view).allowed);
      wholeClusters.forEach((c, i) => {
        kb.text(ctx.t("invite:bulk.clusterButton", { cluster: c.name[ctx.lang] }), `iv:b:${roleKey}:@${c.key}`);
        if (i % 2 === 1 || i === wholeClusters.length - 1) kb.row();
      });
      [...states].sort((a, b) => names.state(a).localeCompare(names.state(b), ctx.lang)).forEach((code, i) => {
        kb.text(names.state(code), `iv:b:${roleKey}:${code}`);
        if (i % 2 === 1) kb.row();
      });
      return editHtml(ctx, ctx.t(wholeClusters.length ? "invite:bulk.pickArea" : "invite:bulk.pickState"), { reply_markup: kb });
    }
    if (!format) {
      await ctx.answerCallbackQuery().catch(() => {});
      const kb = new InlineKeyboard().text("📊 XLSX", `iv:b:${roleKey}:${state}:x`).text("📄 CSV", `iv:b:${roleKey}:${state}:c`);
      return editHtml(ctx, ctx.t("invite:bulk.pickFormat"), { reply_markup: kb });
    }
    // One set of links per tap of this message's button: a double tap or a replayed update makes no second set.
    const claim = await ctx.deps.services.claims.claimOnce(`invite.bulk:${ctx.chatId}:${ctx.callbackQuery.message?.message_id}:${roleKey}:${state}`, String(ctx.from.id));
    if (!claim.won) return void (await ctx.answerCallbackQuery({ text: ctx.t("invite:bulk.already"), show_alert: true }).catch(() => {}));
    await ctx.answerCallbackQuery({ text: ctx.t("invite:bulk.making") }).catch(() => {});
    const area = clusterKey !== undefined ? { clusterKey } : { stateCode: state };
    const result = await ctx.deps.services.bulkInvites.forVacantSeats({ actor: actorOf(ctx), role, ...area, botUsername: ctx.me.username });
    if (!result.ok) {
      if (result.reason === "outside_scope") {
        // A request for more than one's area (a forged or stale button): nothing was made. The tap is answered
        // already, so the refusal is a message.
        await ctx.deps.services.audit.record({
          actorId: ctx.from.id,
          action: "access.denied",
          outcome: "denied",
          reason: "outside_scope",
          updateId: ctx.update.update_id,
          details: { attempted: "invite.bulk", role, ...area },
        });
        return void (await ctx.reply(ctx.t("invite:bulk.tooLarge")));
      }
      return void (await ctx.reply(ctx.t("invite:bulk.none")));
    }
    const names = await ctx.deps.services.rollups.labels(ctx.lang, []);
    const areaName = clusterKey !== undefined ? names.cluster(clusterKey) : names.state(state);
    const caption = ctx.t("invite:bulk.caption", { count: result.links.length, role: ctx.t(`common:role.${role}`), state: areaName, skipped: result.skippedWithOpenLink });
    if (result.links.length === 0) return void (await ctx.reply(caption));
    const file = format === "x" ? await linksToXlsx(result.links, role) : linksToCsv(result.links, role);
    const name = `invites-${clusterKey ?? state}-${roleKey === "p" ? "lok-sabha" : "vidhan-sabha"}.${format === "x" ? "xlsx" : "csv"}`;
    await ctx.replyWithDocument(new InputFile(file, name), { caption });
  });
  composer.callbackQuery("iv:l", async (ctx) => {
    await ctx.answerCallbackQuery().catch(() => {});
    await list(ctx, true);
  });
  return composer;
}
