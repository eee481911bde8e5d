// A short message about an event between a reviewer and its organiser, through the bot: one typed text, then the
// review service checks that these two may write to each other about it and queues it with a Reply button.
import type { AppContext } from "../context.js";
import { MESSAGE_MAX } from "../../services/reviewService.js";
import { askText, load, type Conv } from "./prompts.js";
import { safely } from "./safely.js";

export const REVIEW_MESSAGE_CONVERSATION = "reviewMessage";

export interface ReviewMessageArgs {
  eventId: string;
  /** Telegram id of whom to write to. */
  to: number;
}

export async function reviewMessageConversation(conversation: Conv, ctx: AppContext, args: ReviewMessageArgs): Promise<void> {
  const actorId = ctx.from!.id;
  const name = await load(conversation, async (c) => (await c.deps.services.rollups.labels(c.lang, [args.to])).person(args.to));
  const text = await askText(conversation, ctx, { prompt: ctx.t("review:message.ask", { name, max: MESSAGE_MAX }), min: 1, max: MESSAGE_MAX });
  // The key names this conversation's answer: a replayed update finds the message already queued.
  const requestKey = `${ctx.chatId}:${args.eventId}:${args.to}:${await conversation.now()}`;
  const result = await load(conversation, (c) =>
    safely(c, () => c.deps.services.review.message({ telegramId: actorId, scopes: c.scopes }, { eventId: args.eventId, to: args.to, text, requestKey })),
  );
  if (result.ok) {
    await ctx.reply(ctx.t("review:message.sent", { name }));
    return;
  }
  await ctx.reply(
    result.reason === "temporary"
      ? ctx.t("common:error.temporary")
      : ctx.t(`review:refused.${result.reason}`, { max: MESSAGE_MAX, defaultValue: ctx.t("review:refused.generic") }),
  );
}
