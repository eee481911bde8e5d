// Moving a planned event to another date and time (from /myevents): the same "when" step as /newevent, then the
// service re-checks who may change the event and that it is still changeable.
import type { AppContext } from "../context.js";
import { escapeHtml } from "../format.js";
import { fmtWhen, type Reader } from "./eventFormat.js";
import { load, type Conv } from "./prompts.js";
import { safely } from "./safely.js";
import { askWhen } from "./whenStep.js";

export const MOVE_EVENT_CONVERSATION = "moveEvent";

export async function moveEventConversation(conversation: Conv, ctx: AppContext, eventId: string): Promise<void> {
  const actorId = ctx.from!.id;
  const reader: Reader = { lang: ctx.lang, zone: ctx.deps.timeZone };
  const event = await load(conversation, (c) => c.deps.services.events.get(eventId));
  if (!event) {
    await ctx.reply(ctx.t("events:refused.not_found"));
    return;
  }
  await ctx.reply(ctx.t("myevents:move.intro", { when: escapeHtml(fmtWhen(reader, event.startsAt)) }), { parse_mode: "HTML" });
  for (;;) {
    const startsAt = await askWhen(conversation, ctx);
    const result = await load(conversation, (c) =>
      safely(c, () => c.deps.services.events.move({ actor: { telegramId: actorId, scopes: c.scopes }, eventId, startsAt: new Date(startsAt) })),
    );
    if (result.ok) {
      await ctx.reply(ctx.t("myevents:move.done", { when: escapeHtml(fmtWhen(reader, result.event.startsAt)) }), { parse_mode: "HTML" });
      return;
    }
    await ctx.reply(ctx.t(`events:refused.${result.reason}`, { defaultValue: ctx.t("events:refused.generic") }));
    // A time that became impossible, or a passing failure: ask again. Anything else (cancelled, reported, not yours) ends.
    if (result.reason !== "bad_time" && result.reason !== "temporary") return;
  }
}
