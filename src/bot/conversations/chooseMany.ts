// Several choices with toggle buttons (☑/☐), "All" and "Continue". Like `choose`: buttons of other messages and
// forged data get a short reason, typed text gets "tap the buttons" and the question again.
import { InlineKeyboard } from "grammy";
import type { AppContext } from "../context.js";
import { escapeHtml } from "../format.js";
import type { Choice, Conv } from "./prompts.js";

export interface ChooseManyOptions {
  prompt: string;
  choices: Choice[];
  /** Label of the button that accepts the selection. */
  doneLabel: string;
  /** Label of the button that selects everything (omit for none). */
  allLabel?: string;
  /** Said when "Continue" is tapped with nothing selected. */
  noneReason: string;
  initial?: readonly string[];
}

const TOGGLE = "m:t:";
const ALL = "m:all";
const DONE = "m:ok";

function keyboard(opts: ChooseManyOptions, selected: ReadonlySet<string>): InlineKeyboard {
  const kb = new InlineKeyboard();
  for (const c of opts.choices) kb.text(`${selected.has(c.value) ? "☑" : "☐"} ${c.label}`, TOGGLE + c.value).row();
  if (opts.allLabel) kb.text(opts.allLabel, ALL);
  kb.text(opts.doneLabel, DONE);
  return kb;
}

export async function chooseMany(conversation: Conv, ctx: AppContext, opts: ChooseManyOptions): Promise<string[]> {
  const allowed = new Set(opts.choices.map((c) => c.value));
  const selected = new Set((opts.initial ?? []).filter((v) => allowed.has(v)));
  let current = 0;
  const ask = async () => {
    const sent = await ctx.reply(opts.prompt, { parse_mode: "HTML", reply_markup: keyboard(opts, selected) });
    current = sent.message_id;
  };
  await ask();

  for (;;) {
    const answer = await conversation.wait();
    const query = answer.callbackQuery;
    if (query) {
      const data = query.data ?? "";
      if (query.message === undefined || query.message.message_id !== current) {
        await answer.answerCallbackQuery({ text: answer.t("common:button.stale") });
        continue;
      }
      if (data === DONE) {
        if (selected.size === 0) {
          await answer.answerCallbackQuery({ text: opts.noneReason, show_alert: true });
          continue;
        }
        await answer.answerCallbackQuery();
        const chosen = opts.choices.filter((c) => selected.has(c.value));
        await answer
          .editMessageText(`${opts.prompt}\n\n✅ <b>${chosen.map((c) => escapeHtml(c.label)).join(", ")}</b>`, { parse_mode: "HTML" })
          .catch(() => {});
        return chosen.map((c) => c.value);
      }
      if (data === ALL && opts.allLabel) {
        for (const c of opts.choices) selected.add(c.value);
      } else if (data.startsWith(TOGGLE) && allowed.has(data.slice(TOGGLE.length))) {
        const v = data.slice(TOGGLE.length);
        if (selected.has(v)) selected.delete(v);
        else selected.add(v);
      } else {
        await answer.answerCallbackQuery({ text: answer.t("common:button.invalid") });
        continue;
      }
      await answer.answerCallbackQuery();
      await answer.editMessageReplyMarkup({ reply_markup: keyboard(opts, selected) }).catch(() => {});
      continue;
    }
    const text = answer.message?.text;
    if (text !== undefined && text.startsWith("/")) await answer.reply(answer.t("common:conversation.commandInMiddle"));
    else if (answer.message) await answer.reply(answer.t("common:conversation.tapButton"));
    else continue;
    await ask();
  }
}
