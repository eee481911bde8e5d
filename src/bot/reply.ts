// Replies whose text grows with the data (lists of events, people, clusters, directives; rollups): split into as
// many messages as Telegram's 4,096 characters need (messages/split.ts: at blank lines or line ends, tags closed
// and reopened), with the keyboard on the last part, where the reader's eye ends up.
import type { InlineKeyboard } from "grammy";
import type { LinkPreviewOptions } from "grammy/types";
import { TEXT_LIMIT, splitHtml } from "../messages/split.js";
import type { BotContext } from "./context.js";

export interface HtmlReplyOptions {
  reply_markup?: InlineKeyboard;
  link_preview_options?: LinkPreviewOptions;
}

/** Sends `html` as one message or, if it is too long, as several in order. */
export async function replyHtml(ctx: BotContext, html: string, options: HtmlReplyOptions = {}): Promise<void> {
  const parts = splitHtml(html, TEXT_LIMIT);
  if (parts.length === 0) parts.push(html); // empty: Telegram's refusal is the honest outcome
  await sendParts(ctx, parts, options);
}

/** Sends parts already split, in order, the keyboard on the last. */
async function sendParts(ctx: BotContext, parts: readonly string[], options: HtmlReplyOptions): Promise<void> {
  for (const [i, text] of parts.entries()) {
    const last = i === parts.length - 1;
    await ctx.reply(text, {
      parse_mode: "HTML",
      ...(options.link_preview_options ? { link_preview_options: options.link_preview_options } : {}),
      ...(last && options.reply_markup ? { reply_markup: options.reply_markup } : {}),
    });
  }
}

/**
 * Replaces the message a button was tapped on with `html`. If it is too long for one message, the first part
 * replaces it (without buttons) and the rest follow as new messages, the keyboard on the last one. Edit failures
 * ("message is not modified", a message too old to edit) are ignored, as the callers did before.
 */
export async function editHtml(ctx: BotContext, html: string, options: { reply_markup?: InlineKeyboard } = {}): Promise<void> {
  const parts = splitHtml(html, TEXT_LIMIT);
  const [first, ...rest] = parts.length > 0 ? parts : [html];
  const keyboardOnFirst = rest.length === 0 && options.reply_markup ? { reply_markup: options.reply_markup } : {};
  await ctx.editMessageText(first!, { parse_mode: "HTML", ...keyboardOnFirst }).catch(() => {});
  if (rest.length > 0) await sendParts(ctx, rest, options);
}
