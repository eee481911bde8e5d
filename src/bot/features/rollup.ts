// /rollup [date]: the daily summary on demand, for the caller's scope: a national office admin gets the country,
// a cluster head their cluster(s), a state team member their state(s). Same text and chart as the daily job.
// Read-only: a replayed update recomputes and answers again, as /me does.
import { Composer, InputFile } from "grammy";
import { dayWindow, localDay } from "../../domain/rollup/day.js";
import { parseRollupDay } from "../../domain/rollup/parseDay.js";
import type { RollupScope } from "../../domain/rollup/types.js";
import type { RoleScope } from "../../domain/roles.js";
import { COUNTRY_CODE } from "../../domain/territory.js";
import type { BotContext, BotDeps } from "../context.js";
import { escapeHtml } from "../format.js";
import { rollupCaption, rollupChart, rollupTexts } from "../../messages/rollup.js";
import { denyAccess } from "../middleware/deny.js";

/** A person heading many clusters or states gets at most this many summaries per request. */
const MAX_SCOPES = 3;

/** The scopes a person's rollup covers: the country if they are national office, else clusters, else states. */
export function rollupScopes(scopes: readonly RoleScope[]): RollupScope[] {
  if (scopes.some((s) => s.role === "national_admin")) return [{ level: "country", code: COUNTRY_CODE }];
  const clusters = scopes.filter((s) => s.role === "cluster_head").map((s): RollupScope => ({ level: "cluster", code: s.code }));
  const states = scopes.filter((s) => s.role === "state_team").map((s): RollupScope => ({ level: "state", code: s.code }));
  return [...clusters, ...states].slice(0, MAX_SCOPES);
}

export function rollupFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command("rollup", async (ctx) => {
    if (ctx.scopes.length === 0) {
      await denyAccess(ctx, "rollup.open", "no_role");
      return;
    }
    const scopes = rollupScopes(ctx.scopes);
    if (scopes.length === 0) {
      await ctx.reply(ctx.t("rollup:command.denied"));
      return;
    }
    const now = deps.now();
    const today = localDay(now, deps.timeZone);
    const arg = ctx.match.trim();
    const parsed = parseRollupDay(arg, today, deps.timeZone);
    if (!parsed.ok) {
      await ctx.reply(ctx.t("rollup:command.badDate", { text: escapeHtml(arg.slice(0, 40)), usage: ctx.t("rollup:command.usage") }), {
        parse_mode: "HTML",
      });
      return;
    }
    // A past day is summed up to its end; today and later days as of now.
    const end = dayWindow(parsed.day, deps.timeZone).end;
    const asOf = end.getTime() < now.getTime() ? end : now;

    await ctx.replyWithChatAction("upload_photo").catch(() => {});
    const rollups = await deps.services.rollups.compute({ day: parsed.day, zone: deps.timeZone, asOf, scopes });
    // Pace leads, as in the daily rollup.
    for (const rollup of rollups) rollup.pace = await deps.services.progress.forScope({ scope: rollup.scope, asOf });
    const reader = { t: ctx.t, names: await deps.services.rollups.names(rollups, ctx.lang), zone: deps.timeZone };
    for (const rollup of rollups) {
      // A national rollup with many long cluster names takes more than one message: sent in order.
      for (const text of rollupTexts(rollup, reader)) {
        await ctx.reply(text, { parse_mode: "HTML", link_preview_options: { is_disabled: true } });
      }
      const png = rollupChart(rollup, reader);
      await ctx.replyWithPhoto(new InputFile(png, `rollup-${parsed.day}-${rollup.scope.code}.png`), {
        caption: rollupCaption(rollup, reader),
        parse_mode: "HTML",
      });
    }
  });
  return composer;
}
