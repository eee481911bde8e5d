// Conversations build a fresh context for every update they replay: give it the same person, language and
// services as the outer bot (read-only: the outer middleware already recorded the person).
import type { Middleware } from "grammy";
import type { AppContext, BotDeps } from "../context.js";
import { enrich } from "../middleware/enrich.js";

export function conversationPlugins(deps: BotDeps): Middleware<AppContext>[] {
  return [enrich(deps, { record: false })];
}
