// A reviewer types the reason for sending a report back (or, national office, for voiding it): one typed answer,
// checked, then the decision through the review service, which re-checks access and that the version is still the
// one to decide. The key of the decision is the answer's message, so a replayed update finds it instead of a second.
import { InlineKeyboard } from "grammy";
import { REASON_MAX } from "../../domain/review.js";
import { reviewCardData } from "../../messages/buttons.js";
import type { AppContext } from "../context.js";
import { askText, load, type Conv } from "./prompts.js";
import { safely } from "./safely.js";

export const REVIEW_REASON_CONVERSATION = "reviewReason";

export interface ReviewReasonArgs {
  eventId: string;
  /** The version being sent back (ignored for a void). */
  version: number;
  action: "send_back" | "void";
}

export async function reviewReasonConversation(conversation: Conv, ctx: AppContext, args: ReviewReasonArgs): Promise<void> {
  const actorId = ctx.from!.id;
  const prompt = args.action === "void" ? ctx.t("review:void.ask", { max: REASON_MAX }) : ctx.t("review:sendBack.ask", { max: REASON_MAX });
  const reason = await askText(conversation, ctx, { prompt, min: 2, max: REASON_MAX });
  const requestKey = `reason:${ctx.chatId}:${args.eventId}:${args.action}:${await conversation.now()}`;
  const result = await load(conversation, (c) =>
    safely(c, () => {
      const actor = { telegramId: actorId, scopes: c.scopes };
      return args.action === "void"
        ? c.deps.services.review.voidReport(actor, { eventId: args.eventId, reason, requestKey })
        : c.deps.services.review.decide(actor, { eventId: args.eventId, version: args.version, action: "send_back", reason, requestKey });
    }),
  );
  const reopen = new InlineKeyboard().text(ctx.t("review:notice.openButton"), reviewCardData(args.eventId));
  if (result.ok) {
    await ctx.reply(ctx.t(args.action === "void" ? "review:done.void" : "review:done.send_back"), { reply_markup: reopen });
    return;
  }
  const text =
    result.reason === "temporary"
      ? ctx.t("common:error.temporary", { defaultValue: ctx.t("review:refused.generic") })
      : ctx.t(`review:refused.${result.reason}`, { max: REASON_MAX, defaultValue: ctx.t("review:refused.generic") });
  await ctx.reply(text, { reply_markup: reopen });
}
