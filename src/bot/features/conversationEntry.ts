// Entering one of our conversations from a command or a button. Only one conversation runs per chat: when one is
// already waiting for an answer, the update is passed on so that conversation handles it (it answers a command with
// "you are in the middle of a step" and asks its question again) instead of the enter call throwing and the
// error boundary dropping the person's half-finished work.
import type { NextFunction } from "grammy";
import type { BotContext } from "../context.js";

export function busy(ctx: BotContext): boolean {
  return Object.values(ctx.conversation.active()).some((n) => n > 0);
}

/** Runs `start` unless a conversation is active; then hands the update on. */
export async function unlessBusy(ctx: BotContext, next: NextFunction, start: () => Promise<void>): Promise<void> {
  if (busy(ctx)) {
    if (ctx.callbackQuery) {
      await ctx.answerCallbackQuery({ text: ctx.t("events:busy"), show_alert: true }).catch(() => {});
      return;
    }
    await next();
    return;
  }
  await start();
}
