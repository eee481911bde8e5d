// The last step of a form-like conversation (/newevent, a report): the summary with Confirm / Edit a field / Cancel,
// shown again at the bottom of the chat when the person types instead of tapping, and what follows a Confirm.
// The API calls keep one order on every path, so stored replay logs of half-finished conversations still fit.
import type { AppContext } from "../context.js";
import { choose, say, waitForTap, type Choice, type Conv } from "./prompts.js";

export interface SummaryOptions<F extends string> {
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
  /** `tap` is the Confirm press, still to be answered; `confirmKey` names that press (one save per press). */
  | { kind: "confirm"; tap: AppContext; confirmKey: string };

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
  const messageId = tap.callbackQuery!.message!.message_id;

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
  return { kind: "confirm", tap, confirmKey: `${ctx.chat!.id}:${messageId}` };
}

/**
 * Answers the Confirm press with the save's `result`: a toast when saved; on a passing failure ("temporary") says
 * so, and the caller shows the same summary again; on a refusal takes the buttons off the summary and gives the
 * reason (`<refusedNs>.<reason>`, else `<refusedNs>.generic`). On "saved" the caller turns the summary into the
 * confirmation.
 */
export async function settleConfirm(
  ctx: AppContext,
  tap: AppContext,
  result: { ok: true } | { ok: false; reason: string },
  refusedNs: string,
): Promise<"saved" | "retry" | "refused"> {
  await tap.answerCallbackQuery(result.ok ? { text: ctx.t("events:created.toast") } : {}).catch(() => {});
  if (!result.ok && result.reason === "temporary") {
    // Nothing was lost: the same summary comes back and Confirm can be tapped again.
    await ctx.reply(ctx.t("events:refused.temporary"));
    return "retry";
  }
  if (result.ok) return "saved";
  await tap.editMessageReplyMarkup().catch(() => {});
  await ctx.reply(ctx.t(`${refusedNs}.${result.reason}`, { defaultValue: ctx.t(`${refusedNs}.generic`) }));
  return "refused";
}
