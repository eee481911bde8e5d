// /rollup [date]: the daily summary on demand, for the caller's scope: a national office admin gets the country,
// a cluster head their cluster(s), a state team member their state(s). Same first message (one phone screen),
// buttons and chart as the daily job. A button (ru:<list>:<scope>:<day>) opens one list, computed when tapped,
// for people whose roles cover that scope; anyone else is refused and the refusal audited.
// Read-only: a replayed update recomputes and answers again, as /me does.
import { Composer, InlineKeyboard, InputFile } from "grammy";
import { dayWindow, localDay } from "../../domain/rollup/day.js";
import { parseRollupDay } from "../../domain/rollup/parseDay.js";
import type { Rollup, RollupScope } from "../../domain/rollup/types.js";
import type { RoleScope } from "../../domain/roles.js";
import { COUNTRY_CODE } from "../../domain/territory.js";
import type { BotContext, BotDeps } from "../context.js";
import { escapeHtml } from "../format.js";
import { ROLLUP_DETAIL_RE, rollupButtons, rollupCaption, rollupChart, rollupDetailTexts, rollupText, type RollupDetail } from "../../messages/rollup.js";
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

/** The scope a button names, by the shape of its code: "IN", a state "IN-UP", else a cluster key. */
function scopeOf(code: string): RollupScope {
  if (code === COUNTRY_CODE) return { level: "country", code: COUNTRY_CODE };
  if (/^IN-[A-Z]{2}$/.test(code)) return { level: "state", code };
  return { level: "cluster", code };
}

/** Whether these roles may read that scope's rollup: the national office any, others exactly their own. */
export function mayReadRollup(scopes: readonly RoleScope[], scope: RollupScope): boolean {
  if (scopes.some((s) => s.role === "national_admin")) return true;
  if (scope.level === "cluster") return scopes.some((s) => s.role === "cluster_head" && s.code === scope.code);
  if (scope.level === "state") return scopes.some((s) => s.role === "state_team" && s.code === scope.code);
  return false;
}

export function rollupFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  /** A day's rollups as of its end if it is over, else as of now, with the pace of the running phases. */
  async function compute(day: string, scopes: RollupScope[]): Promise<Rollup[]> {
    const now = deps.now();
    const end = dayWindow(day, deps.timeZone).end;
    const asOf = end.getTime() < now.getTime() ? end : now;
    const rollups = await deps.services.rollups.compute({ day, zone: deps.timeZone, asOf, scopes });
    for (const rollup of rollups) rollup.pace = await deps.services.progress.forScope({ scope: rollup.scope, asOf });
    return rollups;
  }

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
    const today = localDay(deps.now(), deps.timeZone);
    const arg = ctx.match.trim();
    const parsed = parseRollupDay(arg, today, deps.timeZone);
    if (!parsed.ok) {
      await ctx.reply(ctx.t("rollup:command.badDate", { text: escapeHtml(arg.slice(0, 40)), usage: ctx.t("rollup:command.usage") }), {
        parse_mode: "HTML",
      });
      return;
    }

    await ctx.replyWithChatAction("upload_photo").catch(() => {});
    const rollups = await compute(parsed.day, scopes);
    const reader = { t: ctx.t, names: await deps.services.rollups.names(rollups, ctx.lang), zone: deps.timeZone };
    for (const rollup of rollups) {
      // One phone screen, the lists behind its buttons.
      await ctx.reply(rollupText(rollup, reader), {
        parse_mode: "HTML",
        link_preview_options: { is_disabled: true },
        reply_markup: keyboard(rollupButtons(rollup, reader)),
      });
      const png = rollupChart(rollup, reader);
      await ctx.replyWithPhoto(new InputFile(png, `rollup-${parsed.day}-${rollup.scope.code}.png`), {
        caption: rollupCaption(rollup, reader),
        parse_mode: "HTML",
      });
    }
  });

  composer.callbackQuery(ROLLUP_DETAIL_RE, async (ctx) => {
    const kind = ctx.match[1] as RollupDetail;
    const scope = scopeOf(ctx.match[2]!);
    const day = ctx.match[3]!;
    // The button may have been forwarded, or the tapper's role revoked since it was sent.
    if (!mayReadRollup(ctx.scopes, scope)) {
      await denyAccess(ctx, "rollup.detail", ctx.scopes.length === 0 ? "no_role" : "outside_scope", { scope: scope.code, list: kind });
      return;
    }
    await ctx.answerCallbackQuery().catch(() => {});
    const [rollup] = await compute(day, [scope]);
    const reader = { t: ctx.t, names: await deps.services.rollups.names([rollup!], ctx.lang), zone: deps.timeZone };
    // A new message below the summary (which stays, with its buttons): a long list takes several.
    for (const text of rollupDetailTexts(rollup!, kind, reader)) {
      await ctx.reply(text, { parse_mode: "HTML", link_preview_options: { is_disabled: true } });
    }
  });
  return composer;
}

function keyboard(rows: { text: string; callbackData: string }[][]): InlineKeyboard {
  return InlineKeyboard.from(rows.map((row) => row.map((b) => InlineKeyboard.text(b.text, b.callbackData))));
}
