// The last step of a form-like conversation (/newevent, a report): the summary with Confirm / Edit a field / Cancel,
// shown again at the bottom of the chat when the person types instead of tapping, and what follows a Confirm.
// The API calls keep one order on every path, so stored replay logs of half-finished conversations still fit.
//
// One save per draft, not per press: the chat can hold several copies of the summary, and two taps on two copies
// may be handled at once by two bot instances, each replaying the conversation from the state it read. Both must
// name the same save, so the confirm key comes from the draft (see draftKeyOf), never from the tapped message.
import type { AppContext } from "../context.js";
import { choose, say, waitForTap, type Choice, type Conv } from "./prompts.js";

/**
 * Names one draft for its whole life: the update that opened the conversation (the /newevent message, the tap on a
 * report button). The conversation's own context is built from that update on every replay and on every instance,
 * so the key is the same everywhere, and it needs no new step in the replay log: stored half-finished
 * conversations from before this key existed replay as they were and get a key too. (A value drawn inside the
 * conversation through conversation.external would be replay-stable as well, but would add a step that the replay
 * logs already stored do not have.) A correction of a report, or another /newevent, starts a new conversation: a
 * new draft.
 */
export function draftKeyOf(ctx: AppContext): string {
  const entry = ctx.callbackQuery ? `q${ctx.callbackQuery.id}` : ctx.message ? `m${ctx.message.message_id}` : `u${ctx.update.update_id}`;
  return `draft:${ctx.chat!.id}:${entry}`;
}

export interface SummaryOptions<F extends string> {
  /** The draft this summary is of (draftKeyOf the conversation's first context). */
  draft: string;
  /** The summary (HTML). */
  text: string;
  /** The line added under the summary when Cancel is tapped. */
  cancelled: string;
  /** The fields "Edit a field" offers. */
  fields: { label: string; value: F }[];
  /** Columns of the field buttons. */
  columns: number;
}

export type SummaryAnswer<F extends string> =
  | { kind: "cancelled" }
  /** `field` is null when the person went Back to the summary. */
  | { kind: "edit"; field: F | null }
  /**
   * `tap` is the Confirm press, still to be answered; `confirmKey` names the draft (one save per draft, whichever
   * copy was tapped); `copies` are the message ids of every copy of the summary shown.
   */
  | { kind: "confirm"; tap: AppContext; confirmKey: string; copies: number[] };

export async function summaryStep<F extends string>(conversation: Conv, ctx: AppContext, opts: SummaryOptions<F>): Promise<SummaryAnswer<F>> {
  const buttons: Choice[] = [
    { label: ctx.t("events:summary.confirm"), value: "ok" },
    { label: ctx.t("events:summary.edit"), value: "edit" },
    { label: ctx.t("events:summary.cancel"), value: "no" },
  ];
  const summaries = [await say(ctx, opts.text, buttons, 3)];
  const { value, ctx: tap } = await waitForTap(conversation, () => summaries, ["ok", "edit", "no"], async (other) => {
    // Typing instead of tapping: say so, and show the summary again at the bottom of the chat.
    await other.reply(other.t("events:summary.useButtons"));
    summaries.push(await say(other, opts.text, buttons, 3));
  });

  if (value === "no") {
    await tap.answerCallbackQuery().catch(() => {});
    await tap.editMessageText(`${opts.text}\n\n${opts.cancelled}`, { parse_mode: "HTML" }).catch(() => {});
    return { kind: "cancelled" };
  }
  if (value === "edit") {
    await tap.answerCallbackQuery().catch(() => {});
    await tap.editMessageReplyMarkup().catch(() => {});
    const field = await choose(conversation, ctx, {
      prompt: ctx.t("events:edit.ask"),
      choices: opts.fields,
      extra: [{ label: ctx.t("events:edit.back"), value: "back" }],
      columns: opts.columns,
    });
    return { kind: "edit", field: field === "back" ? null : (field as F) };
  }
  return { kind: "confirm", tap, confirmKey: opts.draft, copies: [...summaries] };
}

/**
 * Answers the Confirm press with the save's `result`: a toast when saved ("already saved" when this press stored
 * nothing new: another copy's Confirm, perhaps on another instance, or the same press again, saved this draft);
 * on a passing failure ("temporary") says so, and the caller shows the same summary again; on a refusal takes the
 * buttons off the summary and gives the reason (`<refusedNs>.<reason>`, else `<refusedNs>.generic`). On "saved"
 * and "already" the caller turns the tapped copy into the confirmation (see finishCopies).
 */
export async function settleConfirm(
  ctx: AppContext,
  tap: AppContext,
  result: { ok: true; duplicate: boolean } | { ok: false; reason: string },
  refusedNs: string,
): Promise<"saved" | "already" | "retry" | "refused"> {
  const toast = result.ok ? { text: ctx.t(result.duplicate ? "events:created.alreadyToast" : "events:created.toast") } : {};
  await tap.answerCallbackQuery(toast).catch(() => {});
  if (!result.ok && result.reason === "temporary") {
    // Nothing was lost: the same summary comes back and Confirm can be tapped again.
    await ctx.reply(ctx.t("events:refused.temporary"));
    return "retry";
  }
  if (result.ok) return result.duplicate ? "already" : "saved";
  await tap.editMessageReplyMarkup().catch(() => {});
  await ctx.reply(ctx.t(`${refusedNs}.${result.reason}`, { defaultValue: ctx.t(`${refusedNs}.generic`) }));
  return "refused";
}

/**
 * After a save: the tapped copy becomes `text` (the confirmation), and the other copies lose their buttons, so
 * none offers Confirm or Edit for a draft that is stored. Only ever the last step of a conversation, so these
 * calls never enter a stored replay log.
 */
export async function finishCopies(tap: AppContext, copies: readonly number[], text: string): Promise<void> {
  const tapped = tap.callbackQuery?.message?.message_id;
  await tap.editMessageText(text, { parse_mode: "HTML" }).catch(() => {});
  for (const id of copies) {
    if (id !== tapped) await tap.api.editMessageReplyMarkup(tap.chat!.id, id).catch(() => {});
  }
}
