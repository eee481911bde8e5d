// /progress: held and planned against target, and pace, of the running phases, on demand, in the caller's scope:
// the national office the country (clusters ranked), a cluster in-charge their cluster(s), a state team their
// state(s), a PC in-charge their seat (with its ACs in an assembly phase), an AC in-charge theirs. Read-only: a
// replayed update recomputes and answers again, as /rollup does.
import { Composer } from "grammy";
import type { ProgressScope } from "../../domain/plans/progress.js";
import type { RoleScope } from "../../domain/roles.js";
import { COUNTRY_CODE } from "../../domain/territory.js";
import { progressText } from "../../messages/progress.js";
import type { BotContext, BotDeps } from "../context.js";
import { escapeHtml } from "../format.js";
import { denyAccess } from "../middleware/deny.js";
import { replyHtml } from "../reply.js";

/** A person holding many areas gets at most this many answers per request. */
const MAX_SCOPES = 3;

/** The broadest areas a person holds: the country, else clusters, states, then their seats. */
export function progressScopes(scopes: readonly RoleScope[]): ProgressScope[] {
  if (scopes.some((s) => s.role === "national_admin")) return [{ level: "country", code: COUNTRY_CODE }];
  const of = (role: RoleScope["role"], level: "cluster" | "state" | "pc" | "ac") =>
    scopes.filter((s) => s.role === role).map((s) => ({ level, code: s.code }) as ProgressScope);
  return [...of("cluster_head", "cluster"), ...of("state_team", "state"), ...of("pc_incharge", "pc"), ...of("ac_incharge", "ac")].slice(0, MAX_SCOPES);
}

export function progressFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command("progress", async (ctx) => {
    const scopes = progressScopes(ctx.scopes);
    if (scopes.length === 0) {
      await denyAccess(ctx, "progress.open", "no_role");
      return;
    }
    const asOf = deps.now();
    const names = await deps.services.rollups.labels(ctx.lang, []);
    const reader = { t: ctx.t, names, zone: deps.timeZone };
    for (const scope of scopes) {
      const list = await deps.services.progress.forScope({ scope, asOf });
      const name =
        scope.level === "country"
          ? ctx.t("rollup:country")
          : scope.level === "cluster"
            ? names.cluster(scope.code)
            : scope.level === "state"
              ? names.state(scope.code)
              : names.pc(scope.code);
      const text = `${ctx.t("progress:title", { scope: escapeHtml(name) })}\n\n${progressText(list, reader)}`;
      await replyHtml(ctx, text, { link_preview_options: { is_disabled: true } });
    }
  });
  return composer;
}
