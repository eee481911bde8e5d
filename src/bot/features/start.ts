// /start: with an invite token, join in the role it carries; without one, explain how to get an invite.
import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import { escapeHtml, formatTime, scopeLabel } from "../format.js";
import { helpText } from "./help.js";
import { syncMenu, syncMenuOf } from "../menus.js";
import { scopesOf } from "../../services/personService.js";
import type { Role, TerritoryLevel } from "../../domain/roles.js";

/** The inviter hears that their link was used, in their own language, once per link (the outbox key). */
async function tellInviter(ctx: BotContext, invite: { _id: unknown; createdBy: number | null; role: Role; level: TerritoryLevel; code: string }): Promise<void> {
  const inviter = invite.createdBy!;
  const to = (await ctx.deps.services.recipients.byIds([inviter])).get(inviter);
  if (!to) return;
  const t = ctx.deps.i18n.t(to.lang);
  const seat = await ctx.deps.services.map.territoryName({ level: invite.level, code: invite.code }, to.lang);
  const name = [ctx.from?.first_name, ctx.from?.last_name].filter(Boolean).join(" ") || String(ctx.from!.id);
  await ctx.deps.services.outbox
    .enqueue({
      key: `invite.used:${String(invite._id)}`,
      purpose: "invite.used",
      chatId: to.telegramId,
      personId: to.telegramId,
      params: { text: t("invite:used", { name: escapeHtml(name), seat: escapeHtml(`${t(`common:role.${invite.role}`)}, ${seat}`) }), parse_mode: "HTML" },
    })
    .catch((err: unknown) => ctx.log.warn({ err }, "could not tell the inviter their link was used"));
}

export function startFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command("start", async (ctx) => {
    const payload = ctx.match.trim();
    const name = escapeHtml(ctx.from?.first_name ?? "");
    if (!payload) {
      await ctx.reply(ctx.scopes.length > 0 ? `${ctx.t("start:welcomeBack", { name })}\n\n${helpText(ctx)}` : ctx.t("start:noInvite", { name }), {
        parse_mode: "HTML",
      });
      return;
    }
    const result = await ctx.deps.services.invites.redeem(payload, ctx.from!, ctx.update.update_id);
    if (!result.ok) {
      const params = result.reason === "rate_limited" ? { time: formatTime(ctx, result.retryAt) } : {};
      await ctx.reply(ctx.t(`start:invite.${result.reason}`, params), { parse_mode: "HTML" });
      return;
    }
    // Reload: the role was just granted, and /help must reflect it.
    ctx.person = await ctx.deps.services.people.get(ctx.from!.id);
    ctx.scopes = scopesOf(ctx.person);
    // The menu of the role just taken (and the old holder's, who lost the seat to this link).
    if (ctx.person) await syncMenu(ctx.api, ctx.deps, ctx.log, ctx.person, ctx.from?.language_code);
    if (result.invite.replaces != null && result.invite.replaces !== ctx.from!.id) await syncMenuOf(ctx.api, ctx.deps, ctx.log, result.invite.replaces);
    const role = escapeHtml(await scopeLabel(ctx, { role: result.invite.role, level: result.invite.level, code: result.invite.code }));
    const key = result.repeated || result.alreadyHeld ? "start:alreadyJoined" : "start:joined";
    // The one thing to do first: the seat's inherited events if it has any (start:inherited), else the role's
    // first step; a repeat of the same link only reminds of the role.
    const first =
      result.handedOver > 0
        ? `\n\n${ctx.t("start:inherited", { count: result.handedOver })}`
        : key === "start:joined"
          ? `\n\n${ctx.t(`start:first.${result.invite.role}`)}`
          : "";
    await ctx.reply(`${ctx.t(key, { name, role })}${first}\n\n${helpText(ctx)}`, { parse_mode: "HTML" });
    if (!result.repeated && !result.alreadyHeld && result.invite.createdBy !== null) await tellInviter(ctx, result.invite);
  });
  return composer;
}
