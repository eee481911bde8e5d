// /invite: role → territory (buttons) → expiry → a single-use t.me link bound to that role and territory.
import { appointableRoles, APPOINTABLE } from "../../domain/permissions.js";
import { ROLE_LEVEL, type Role } from "../../domain/roles.js";
import { DEFAULT_INVITE_DAYS } from "../../services/inviteService.js";
import type { AppContext } from "../context.js";
import { escapeHtml, formatDate, scopeLabel } from "../format.js";
import { choose, load, type Conv } from "./prompts.js";
import { pickTerritory } from "./territoryPicker.js";

export const INVITE_CONVERSATION = "invite";

/** Telegram's share link: opens the user's chat picker with `url` and `text` ready to send. */
export function shareUrl(url: string, text: string): string {
  return `https://t.me/share/url?url=${encodeURIComponent(url)}&text=${encodeURIComponent(text)}`;
}
const EXPIRY_DAYS = [1, 3, 7, 14, 30];

export async function inviteConversation(conversation: Conv, ctx: AppContext): Promise<void> {
  const roles = appointableRoles(ctx.scopes);
  const role = (
    roles.length === 1
      ? roles[0]
      : await choose(conversation, ctx, {
          prompt: ctx.t("invite:chooseRole"),
          choices: roles.map((r) => ({ label: ctx.t(`common:role.${r}`), value: r })),
          columns: 1,
        })
  ) as Role;

  // Only the actor's scopes that may hand out this role bound the territory.
  const granting = ctx.scopes.filter((s) => APPOINTABLE[s.role].includes(role));
  const national = granting.some((s) => s.level === "country");
  const clusterKeys = granting.filter((s) => s.level === "cluster").map((s) => s.code);
  const clusterStates = await load(conversation, async (c) => {
    const clusters = await c.deps.services.map.listClusters();
    return clusters.filter((cl) => clusterKeys.includes(cl.key)).flatMap((cl) => cl.stateCodes);
  });
  const allowedStates = national ? undefined : [...clusterStates, ...granting.filter((s) => s.level === "state").map((s) => s.code)];

  const territory = await pickTerritory(conversation, ctx, { level: ROLE_LEVEL[role], allowedStates });

  const days = Number(
    await choose(conversation, ctx, {
      prompt: ctx.t("invite:chooseExpiry"),
      choices: EXPIRY_DAYS.map((d) => ({
        label: d === DEFAULT_INVITE_DAYS ? `${ctx.t("invite:days", { count: d })} ★` : ctx.t("invite:days", { count: d }),
        value: String(d),
      })),
      columns: 3,
    }),
  );

  const actorId = ctx.from!.id;
  const scopes = ctx.scopes;
  const updateId = ctx.update.update_id;
  const result = await load(conversation, (c) =>
    c.deps.services.invites.create({ actor: { telegramId: actorId, scopes }, role, territory, days, updateId }),
  );
  if (!result.ok) {
    await ctx.reply(ctx.t(`invite:refused.${result.reason}`));
    return;
  }
  const link = `https://t.me/${ctx.me.username}?start=${result.token}`;
  const what = await load(conversation, (c) => scopeLabel(c, { role, ...territory }));
  await ctx.reply(
    ctx.t("invite:created", {
      what: escapeHtml(what),
      link,
      expires: escapeHtml(formatDate(ctx, new Date(result.expiresAt))),
    }),
    {
      parse_mode: "HTML",
      link_preview_options: { is_disabled: true },
      // One tap to forward it: Telegram's share page opens the chat picker with the link and a line about it.
      reply_markup: { inline_keyboard: [[{ text: ctx.t("invite:share"), url: shareUrl(link, ctx.t("invite:shareText", { what })) }]] },
    },
  );
}
