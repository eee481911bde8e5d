// /map: the coverage map of the 543 Lok Sabha seats for the caller's area: the country for the national office, the
// cluster (or clusters) for a cluster in-charge, the state for a state team, each with the area's seats in full
// colour and the rest of India faded. Read-only: a replayed update draws and sends it again, as /rollup does.
import { Composer, InputFile } from "grammy";
import type { BotContext, BotDeps } from "../context.js";
import { coverageMap } from "../../messages/coverageMap.js";
import { denyAccess } from "../middleware/deny.js";
import { rollupScopes } from "./rollup.js";

export function mapFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command("map", async (ctx) => {
    if (ctx.scopes.length === 0) return denyAccess(ctx, "map.open", "no_role");
    const scopes = rollupScopes(ctx.scopes);
    // An in-charge of a seat: told who the map is for (as /rollup does).
    if (scopes.length === 0) {
      await ctx.reply(ctx.t("map:denied"));
      return;
    }
    await ctx.replyWithChatAction("upload_photo").catch(() => {});
    const now = deps.now();
    const [coverage, names] = await Promise.all([deps.services.coverage.load(now), deps.services.rollups.labels(ctx.lang, [])]);
    const reader = { t: ctx.t, names, zone: deps.timeZone };
    for (const scope of scopes) {
      const map = coverageMap(coverage, scope, now, reader);
      await ctx.replyWithPhoto(new InputFile(map.png, `map-${scope.code}.png`), { caption: map.caption, parse_mode: "HTML" });
    }
  });
  return composer;
}
