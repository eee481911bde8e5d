// Loads the person behind the update and fixes the language to answer in. Runs on the outer bot (recording the
// person) and, read-only, as a plugin inside conversations, whose contexts are built fresh for every update.
import type { MiddlewareFn } from "grammy";
import { languageFromTelegram, isLanguage } from "../../i18n.js";
import { scopesOf } from "../../services/personService.js";
import type { AppContext, BotDeps } from "../context.js";

export function enrich(deps: BotDeps, options: { record: boolean }): MiddlewareFn<AppContext> {
  return async (ctx, next) => {
    const from = ctx.from;
    ctx.deps = deps;
    ctx.log = deps.logger.child({ updateId: ctx.update.update_id, userId: from?.id });
    ctx.person = null;
    if (from && !from.is_bot) {
      ctx.person = options.record ? await deps.services.people.touch(from) : await deps.services.people.get(from.id);
    }
    ctx.scopes = scopesOf(ctx.person);
    const chosen = ctx.person?.language;
    ctx.lang = isLanguage(chosen) ? chosen : languageFromTelegram(from?.language_code);
    ctx.t = deps.i18n.t(ctx.lang);
    await next();
  };
}
