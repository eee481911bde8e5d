// Conversations build a fresh context for every update they replay: give it the same person, language and
// services as the outer bot (read-only: the outer middleware already recorded the person). The plugins are built
// once per conversation run, so the person is read once per run, not once per replayed update.
import type { Middleware } from "grammy";
import type { Conversation } from "@grammyjs/conversations";
import type { AppContext, BotDeps } from "../context.js";
import { enrich } from "../middleware/enrich.js";

export function conversationPlugins(
  deps: BotDeps,
): (conversation: Conversation<AppContext, AppContext>) => Middleware<AppContext>[] {
  return () => {
    const people = new Map<number, ReturnType<BotDeps["services"]["people"]["get"]>>();
    const cached: BotDeps = {
      ...deps,
      services: {
        ...deps.services,
        people: {
          ...deps.services.people,
          get: (id: number) => {
            let found = people.get(id);
            if (!found) people.set(id, (found = deps.services.people.get(id)));
            return found;
          },
        },
      },
    };
    return [enrich(cached, { record: false })];
  };
}
