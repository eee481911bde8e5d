// One question that takes typed text, a button, or (when asked for) a location or a photo, and on anything else
// answers with a short reason and the same question again. What earlier steps collected lives in the
// conversation's local variables, which the replay log restores, so nothing entered before is lost.
import type { Message } from "grammy/types";
import type { AppContext } from "../context.js";
import { escapeHtml } from "../format.js";
import { ANSWER_PREFIX, notAnAnswer, ourPromptsSince, say, tappedValue, type Choice, type Conv } from "./prompts.js";

/** A parser's verdict on one message: a value, or a localized reason (HTML) why not. */
export type Verdict<T> = { ok: true; value: T } | { ok: false; reason: string };

export type Answer<T> = { kind: "button"; value: string } | { kind: "value"; value: T };

export interface AskOptions<T> {
  /** HTML. */
  prompt: string;
  buttons?: Choice[];
  columns?: number;
  /** Reads typed text; without it, typed text is refused with `textReason`. */
  text?: (text: string, ctx: AppContext) => Verdict<T>;
  /** Reads other messages (a location, a photo); return undefined for kinds it does not take. */
  message?: (msg: Message, ctx: AppContext) => Verdict<T> | undefined;
  /** Why typed text is refused when `text` is not given (e.g. "Please tap a button"). */
  textReason?: string;
  /** Why a sticker, voice note or other unexpected message is refused. */
  otherReason?: string;
  /** Keep the prompt's buttons after an answer (photo collection keeps "Done" live). */
  keepButtons?: boolean;
  /** A line (HTML, shown as is) above the first asking: why the person is back at this question, or a note. */
  firstReason?: string;
}

export async function ask<T>(conversation: Conv, ctx: AppContext, opts: AskOptions<T>): Promise<Answer<T>> {
  const allowed = new Map((opts.buttons ?? []).map((b) => [b.value, b.label]));
  const send = (reason?: string, raw = false) => {
    const text = reason ? `${raw ? "" : "⚠️ "}${reason}\n\n${opts.prompt}` : opts.prompt;
    return say(ctx, text, opts.buttons, opts.columns);
  };
  // Re-asks after a bad answer are not recorded (notAnAnswer), so their buttons are known by id order; the buttons
  // removed after a typed answer are the first prompt's (a re-ask's stay, and are refused as stale if tapped).
  const firstPrompt = await send(opts.firstReason, true);
  const ours = ourPromptsSince(firstPrompt);

  for (;;) {
    const answer = await conversation.wait();
    if (answer.callbackQuery) {
      const value = await tappedValue(answer, ours, ANSWER_PREFIX, (v) => allowed.has(v));
      if (value === undefined) return notAnAnswer(conversation);
      await answer.answerCallbackQuery().catch(() => {});
      if (!opts.keepButtons) {
        // Leave the question and the chosen answer in the chat, with no buttons to tap again.
        await answer
          .editMessageText(`${opts.prompt}\n\n✅ <b>${escapeHtml(allowed.get(value)!)}</b>`, { parse_mode: "HTML" })
          .catch(() => {});
      }
      return { kind: "button", value };
    }

    const msg = answer.message;
    let verdict: Verdict<T> | undefined;
    if (msg?.text !== undefined) {
      if (msg.text.startsWith("/")) verdict = { ok: false, reason: answer.t("common:conversation.commandInMiddle") };
      else if (opts.text) verdict = opts.text(msg.text, answer);
      else verdict = { ok: false, reason: opts.textReason ?? answer.t("common:conversation.tapButton") };
    } else if (msg) {
      verdict = opts.message?.(msg, answer) ?? { ok: false, reason: opts.otherReason ?? answer.t("common:conversation.notUnderstood") };
    } else {
      // An edited message or another update kind: nothing to answer.
      return notAnAnswer(conversation);
    }
    if (verdict.ok) {
      if (opts.buttons?.length && !opts.keepButtons) {
        await answer.api.editMessageReplyMarkup(answer.chat!.id, firstPrompt).catch(() => {});
      }
      return { kind: "value", value: verdict.value };
    }
    await send(verdict.reason);
    return notAnAnswer(conversation);
  }
}
