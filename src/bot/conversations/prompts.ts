// Reusable conversation steps. Each one asks, waits, and on anything but a valid answer explains briefly and asks
// the same question again, so nothing entered earlier in the conversation is lost.
import { InlineKeyboard } from "grammy";
import type { Conversation } from "@grammyjs/conversations";
import type { AppContext } from "../context.js";
import { escapeHtml } from "../format.js";
import { searchByName } from "../../domain/nameSearch.js";
import { isTransientDbError, retryTransient } from "./retry.js";

export type Conv = Conversation<AppContext, AppContext>;

export interface Choice {
  label: string;
  /** Short ASCII id (it travels in callback_data, which holds 64 bytes). */
  value: string;
}

export interface ChooseOptions {
  prompt: string;
  choices: Choice[];
  columns?: number;
  /** With more choices than this, they are paged with ◀ ▶ buttons. */
  pageSize?: number;
  /** Typing text filters the choices by name (for long lists such as Uttar Pradesh's 80 PCs). */
  searchable?: boolean;
  /** Extra buttons below the choices (e.g. "Back"), answered like choices. */
  extra?: Choice[];
}

/**
 * conversation.external whose result is stored in the replay log as JSON: returns exactly what a replay will see
 * (no ObjectIds or class instances), so the first run and every replay behave alike. Dates come back as ISO strings.
 *
 * A database step never loses the draft: a passing failure is tried again with backoff (retry.ts), and when it still
 * fails the conversation stays where it is. The person is told so, with a Try again button, and the next update (the
 * tap, or any message) runs the step again; everything entered before lives on in the replay log. The failure is
 * stored as the external's result, so a replay goes the same way. Any other error ends the conversation, as before.
 */
export async function load<R>(conversation: Conv, task: (ctx: AppContext) => Promise<R>): Promise<R> {
  for (;;) {
    const result = await conversation.external(async (c: AppContext): Promise<R | StepFailed> => {
      try {
        const value = await retryTransient(() => task(c), c.deps.dbRetry, (err, attempt, waitMs) =>
          c.log.warn({ err, attempt, waitMs }, "a database step of a conversation failed; trying again"),
        );
        return JSON.parse(JSON.stringify(value)) as R;
      } catch (err) {
        if (!isTransientDbError(err)) throw err;
        c.log.error({ err }, "a database step of a conversation failed; the conversation and its draft are kept");
        // Said here, inside the external, so that it is said once and not again on every replay.
        const messageId = await say(c, c.t("common:conversation.stepFailed"), [{ label: c.t("common:conversation.tryAgain"), value: TRY_AGAIN }], 1).catch(
          () => null,
        );
        return { [STEP_FAILED]: true, messageId };
      }
    });
    if (!isStepFailed(result)) return result;
    const again = await conversation.wait();
    if (again.callbackQuery) {
      await again.answerCallbackQuery().catch(() => {});
      if (result.messageId !== null && again.callbackQuery.message?.message_id === result.messageId) {
        await again.editMessageReplyMarkup().catch(() => {});
      }
    }
  }
}

/** A database step that failed after its retries (stored in the replay log as the step's result). */
const STEP_FAILED = "sanyojak:stepFailed";
const TRY_AGAIN = "retry";
interface StepFailed {
  [STEP_FAILED]: true;
  messageId: number | null;
}
function isStepFailed(value: unknown): value is StepFailed {
  return typeof value === "object" && value !== null && (value as Partial<StepFailed>)[STEP_FAILED] === true;
}

/** callback_data prefixes: "c:" for `choose` and `askText`, "a:" for `say`/`ask`/`waitForTap` (kept as they were, so buttons of stored half-finished conversations still answer). */
const CHOICE_PREFIX = "c:";
export const ANSWER_PREFIX = "a:";
const PAGE_PREV = "p:<";
const PAGE_NEXT = "p:>";

/** Adds `buttons` to `kb`, `columns` to a row, each with callback data `prefix` + value. */
function addButtons(kb: InlineKeyboard, buttons: readonly Choice[], columns: number, prefix: string): InlineKeyboard {
  buttons.forEach((b, i) => {
    if (i > 0 && i % columns === 0) kb.row();
    kb.text(b.label, prefix + b.value);
  });
  return kb;
}

export function buildChoiceKeyboard(choices: Choice[], page: number, opts: ChooseOptions): InlineKeyboard {
  const pageSize = opts.pageSize ?? 10;
  const pages = Math.max(1, Math.ceil(choices.length / pageSize));
  const current = Math.min(Math.max(page, 0), pages - 1);
  const kb = addButtons(new InlineKeyboard(), choices.slice(current * pageSize, (current + 1) * pageSize), opts.columns ?? 2, CHOICE_PREFIX);
  if (pages > 1) {
    kb.row();
    if (current > 0) kb.text("◀", PAGE_PREV);
    kb.text(`${current + 1}/${pages}`, "p:=");
    if (current < pages - 1) kb.text("▶", PAGE_NEXT);
  }
  for (const e of opts.extra ?? []) kb.row().text(e.label, CHOICE_PREFIX + e.value);
  return kb;
}

function keyboardOf(buttons: readonly Choice[] | undefined, columns = 2, prefix = ANSWER_PREFIX): InlineKeyboard | undefined {
  return buttons?.length ? addButtons(new InlineKeyboard(), buttons, columns, prefix) : undefined;
}

/**
 * Sends `text` (HTML) with these buttons; returns the message id (for later edits and "is this our button?" checks).
 * Buttons carry `prefix` + value (ANSWER_PREFIX: answered by `ask` and `waitForTap`).
 */
export async function say(ctx: AppContext, text: string, buttons?: readonly Choice[], columns?: number, prefix = ANSWER_PREFIX): Promise<number> {
  const reply_markup = keyboardOf(buttons, columns, prefix);
  const sent = await ctx.reply(text, { parse_mode: "HTML", ...(reply_markup ? { reply_markup } : {}) });
  return sent.message_id;
}

/**
 * Ends the handling of an update that was not an answer (after explaining and asking again) without recording it in
 * the conversation's replay log: the log, and so the cost of every later step, does not grow with bad answers. The
 * conversation stays where it was; only messages sent meanwhile are forgotten, which is why prompts recognise their
 * own buttons by message id order (ourPromptsSince) rather than by a list of ids.
 */
export async function notAnAnswer(conversation: Conv): Promise<never> {
  return conversation.skip({ next: false });
}

/**
 * "Is this message one of this step's prompts?": message ids in a chat only grow, so every prompt this step sent,
 * re-asks included (whose ids are forgotten with the bad answer that caused them), has an id at least the first one's.
 * Buttons of earlier steps have smaller ids and are refused as stale.
 */
export function ourPromptsSince(firstPromptId: number): (messageId: number) => boolean {
  return (messageId) => messageId >= firstPromptId;
}

/** Answers a tap that is not an answer: a button of an earlier message is "stale", anything else on ours "invalid". */
export async function refuseTap(answer: AppContext, mine: boolean): Promise<void> {
  await answer.answerCallbackQuery({ text: answer.t(mine ? "common:button.invalid" : "common:button.stale") }).catch(() => {});
}

/**
 * The answer a tap carries: the value after `prefix` when the tap is on one of our prompt messages (`ours`) and the
 * value is `allowed`. Otherwise the tap is refused (see refuseTap) and the result is undefined. The tap itself is not
 * answered on success: the caller does that.
 */
export async function tappedValue(
  answer: AppContext,
  ours: (messageId: number) => boolean,
  prefix: string,
  allowed: (value: string) => boolean,
): Promise<string | undefined> {
  const query = answer.callbackQuery;
  const data = query?.data ?? "";
  const mine = query?.message !== undefined && ours(query.message.message_id);
  const value = data.startsWith(prefix) ? data.slice(prefix.length) : undefined;
  if (mine && value !== undefined && allowed(value)) return value;
  await refuseTap(answer, mine);
  return undefined;
}

/** Waits for a tap on one of the buttons (sent by `say`) of messages `messageIds` (a summary); other messages go to `onOther`. */
export async function waitForTap(
  conversation: Conv,
  messageIds: () => readonly number[],
  allowed: readonly string[],
  onOther: (ctx: AppContext) => Promise<void>,
): Promise<{ value: string; ctx: AppContext }> {
  for (;;) {
    const answer = await conversation.wait();
    if (answer.callbackQuery) {
      const value = await tappedValue(answer, (id) => messageIds().includes(id), ANSWER_PREFIX, (v) => allowed.includes(v));
      if (value !== undefined) return { value, ctx: answer };
      continue;
    }
    if (answer.message) await onOther(answer);
  }
}

/**
 * Asks for one of `choices` with inline buttons and returns the chosen value. Buttons of earlier prompts, forged
 * callback data, typed text (unless searchable), stickers, voice notes and commands get a short reason and the
 * question again.
 */
export async function choose(conversation: Conv, ctx: AppContext, opts: ChooseOptions): Promise<string> {
  const all = [...opts.choices];
  const allowed = new Set([...all, ...(opts.extra ?? [])].map((c) => c.value));
  let shown = all;
  let page = 0;
  let first: number | undefined;
  const ask = async () => {
    const sent = await ctx.reply(opts.prompt, { reply_markup: buildChoiceKeyboard(shown, page, opts), parse_mode: "HTML" });
    first ??= sent.message_id;
  };
  await ask();
  const ours = ourPromptsSince(first!);

  for (;;) {
    const answer = await conversation.wait();
    const query = answer.callbackQuery;
    if (query) {
      const data = query.data ?? "";
      const fromOurs = query.message !== undefined && ours(query.message.message_id);
      if (!fromOurs) {
        await refuseTap(answer, false);
        return notAnAnswer(conversation);
      }
      if (data === PAGE_PREV || data === PAGE_NEXT) {
        page += data === PAGE_NEXT ? 1 : -1;
        await answer.answerCallbackQuery();
        await answer.editMessageReplyMarkup({ reply_markup: buildChoiceKeyboard(shown, page, opts) }).catch(() => {});
        continue;
      }
      const value = data.startsWith(CHOICE_PREFIX) ? data.slice(CHOICE_PREFIX.length) : "";
      if (!allowed.has(value)) {
        await answer.answerCallbackQuery({ text: data === "p:=" ? undefined : answer.t("common:button.invalid") });
        return notAnAnswer(conversation);
      }
      await answer.answerCallbackQuery();
      // Leave the question and the chosen answer in the chat, without buttons that could be tapped again.
      const label = [...all, ...(opts.extra ?? [])].find((c) => c.value === value)?.label ?? value;
      await answer
        .editMessageText(`${opts.prompt}\n\n✅ <b>${escapeHtml(label)}</b>`, { parse_mode: "HTML" })
        .catch(() => {});
      return value;
    }

    const text = answer.message?.text;
    if (text !== undefined && opts.searchable && !text.startsWith("/")) {
      // Letter for letter first; otherwise by sound, so "वाराणसी" finds "Varanasi" (domain/nameSearch.ts).
      const found = searchByName(text, all);
      if (found.length === 1) {
        // One match: take it, as a tap would have.
        await answer.reply(`✅ <b>${escapeHtml(found[0]!.label)}</b>`, { parse_mode: "HTML" });
        return found[0]!.value;
      }
      if (found.length > 1) {
        // A narrower list is a step of its own (the buttons shown change), so it stays in the log.
        shown = found;
        page = 0;
        await ask();
        continue;
      }
      await answer.reply(answer.t("common:conversation.noMatch", { text: escapeHtml(text.slice(0, 50)) }), { parse_mode: "HTML" });
    } else if (text !== undefined && text.startsWith("/")) {
      await answer.reply(answer.t("common:conversation.commandInMiddle"));
    } else if (text !== undefined) {
      await answer.reply(answer.t(opts.searchable ? "common:conversation.tapOrType" : "common:conversation.tapButton"));
    } else if (answer.message) {
      await answer.reply(answer.t("common:conversation.notUnderstood"));
    } else {
      // An edited message or another update kind: nothing to answer.
      return notAnAnswer(conversation);
    }
    await ask();
    return notAnAnswer(conversation);
  }
}

export interface AskTextOptions {
  prompt: string;
  min?: number;
  max: number;
  /** Buttons shown under the question (e.g. Skip); a tap returns the button's value. */
  extra?: Choice[];
}

/**
 * Asks for a line of text. Too short or too long, a command, a sticker or a photo: a short reason and the question
 * again. Returns the trimmed text, or the value of a tapped extra button.
 */
export async function askText(conversation: Conv, ctx: AppContext, opts: AskTextOptions): Promise<string> {
  const extra = opts.extra ?? [];
  // The extra buttons stand in one row.
  const ask = () => say(ctx, opts.prompt, extra, extra.length, CHOICE_PREFIX);
  const ours = ourPromptsSince(await ask());
  for (;;) {
    const answer = await conversation.wait();
    if (answer.callbackQuery) {
      const value = await tappedValue(answer, ours, CHOICE_PREFIX, (v) => extra.some((e) => e.value === v));
      if (value === undefined) return notAnAnswer(conversation);
      await answer.answerCallbackQuery();
      await answer.editMessageReplyMarkup().catch(() => {});
      return value;
    }
    const text = answer.message?.text?.trim();
    if (!answer.message) {
      return notAnAnswer(conversation);
    } else if (text === undefined) {
      await answer.reply(answer.t("common:conversation.textWanted"));
    } else if (text.startsWith("/")) {
      await answer.reply(answer.t("common:conversation.commandInMiddle"));
    } else if (text.length < (opts.min ?? 1)) {
      await answer.reply(answer.t("common:conversation.tooShort", { min: opts.min ?? 1 }));
    } else if (text.length > opts.max) {
      await answer.reply(answer.t("common:conversation.tooLong", { max: opts.max, length: text.length }));
    } else {
      return text;
    }
    await ask();
    return notAnAnswer(conversation);
  }
}
