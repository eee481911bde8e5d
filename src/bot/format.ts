// Small formatting helpers shared by features: HTML escaping (messages use parse_mode HTML), role and
// territory labels in the reader's language, dates in the reader's time zone.
import { DateTime } from "luxon";
import type { RoleScope } from "../domain/roles.js";
import type { TerritoryRef } from "../domain/territory.js";
import type { AppContext } from "./context.js";
import { clockText, dateTimeText } from "../messages/time.js";

// Escaping lives with the message builders shared with the jobs; re-exported for the features' convenience.
export { escapeHtml } from "../messages/html.js";

export async function territoryLabel(ctx: AppContext, ref: TerritoryRef): Promise<string> {
  if (ref.level === "country") return ctx.t("common:territory.country");
  const name = await ctx.deps.services.map.territoryName(ref, ctx.lang);
  return name || ref.code;
}

export async function scopeLabel(ctx: AppContext, scope: RoleScope): Promise<string> {
  return ctx.t("common:roleIn", {
    role: ctx.t(`common:role.${scope.role}`),
    territory: await territoryLabel(ctx, scope),
  });
}

/** A date and time in the reader's language and time zone: "25 Dec 2026, 5:30 pm", "25 दिस॰ 2026, शाम 5:30". */
export function formatDate(ctx: AppContext, date: Date): string {
  return dateTimeText(ctx.lang, ctx.deps.timeZone, date, "d LLL yyyy");
}

/** A time of day in the reader's time zone and language, e.g. when to try again: "5:30 pm", "शाम 5:30". */
export function formatTime(ctx: AppContext, date: Date): string {
  return clockText(ctx.lang, DateTime.fromJSDate(date, { zone: ctx.deps.timeZone }));
}

export function personName(p: { firstName?: string | null; lastName?: string | null; username?: string | null; telegramId: number }): string {
  const name = [p.firstName, p.lastName].filter(Boolean).join(" ").trim();
  return name || (p.username ? `@${p.username}` : String(p.telegramId));
}
