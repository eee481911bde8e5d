// Installing one of our conversations, and entering it from a command or a button. Only one conversation runs per chat: when one is
// already waiting for an answer, the update is passed on so that conversation handles it (it answers a command with
// "you are in the middle of a step" and asks its question again) instead of the enter call throwing and the
// error boundary dropping the person's half-finished work.
import type { MiddlewareFn, NextFunction } from "grammy";
import { createConversation, type ConversationBuilder } from "@grammyjs/conversations";
import type { AppContext, BotContext } from "../context.js";
import { CONVERSATION_IDLE_MS } from "../conversations/storage.js";

/**
 * The conversation `id` run by `builder`, with the idle limit all our conversations share (their one plugin is
 * installed once, with the conversations plugin in bot/index.ts).
 */
export function installConversation(id: string, builder: ConversationBuilder<AppContext, AppContext>): MiddlewareFn<BotContext> {
  return createConversation<AppContext, AppContext>(builder, { id, maxMillisecondsToWait: CONVERSATION_IDLE_MS });
}

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
