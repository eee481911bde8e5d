// /report lists the person's events that have started and have no report, and reports they may still correct (with
// exactly one event waiting and nothing to correct, it opens that event's report at once); each button (rp:<eventId>) opens the report conversation for that event. Reminders (issue 4) send the same
// button, so a reminder and the list behave alike. Access is checked again on every tap.
import { Composer, InlineKeyboard } from "grammy";
import type { BotContext, BotDeps } from "../context.js";
import { REPORT_CONVERSATION, reportConversation } from "../conversations/report.js";
import { denyAccess } from "../middleware/deny.js";
import { installConversation, unlessBusy } from "./conversationEntry.js";
import { nameEvents } from "./eventNames.js";
import { replyHtml } from "../reply.js";
import { REPORT_CALLBACK_RE, reportButtonData } from "../../messages/buttons.js";


/** How far back /report looks for events without a report. */
export const REPORT_LOOKBACK_DAYS = 30;
const LIST_MAX = 20;

export function reportFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(installConversation(REPORT_CONVERSATION, reportConversation));

  composer.command("report", (ctx, next) =>
    unlessBusy(ctx, next, async () => {
      if (ctx.scopes.length === 0) {
        await denyAccess(ctx, "report.list", "no_role");
        return;
      }
      const actor = { telegramId: ctx.from!.id, scopes: ctx.scopes };
      const since = new Date(deps.now().getTime() - REPORT_LOOKBACK_DAYS * 24 * 60 * 60 * 1000);
      const [awaiting, correctable] = await Promise.all([
        deps.services.events.listAwaitingReport(actor, since, LIST_MAX),
        deps.services.reports.listCorrectable(actor),
      ]);
      if (awaiting.total === 0 && correctable.length === 0) {
        await ctx.reply(ctx.t("report:list.none"));
        return;
      }
      // One event to report and nothing to correct: no list to tap through, straight to its report. (With reports
      // still correctable the list stays: the saved report's message promises a correction through /report.)
      if (awaiting.total === 1 && awaiting.events.length === 1 && correctable.length === 0) {
        await ctx.conversation.enter(REPORT_CONVERSATION, awaiting.events[0]!.id);
        return;
      }
      const correctableEvents = (
        await Promise.all(correctable.map((r) => deps.services.events.get(r.eventId)))
      ).filter((e) => e !== null);
      const named = await nameEvents(ctx, [...awaiting.events, ...correctableEvents.slice(-LIST_MAX)]);
      const kb = new InlineKeyboard();
      for (const n of named) {
        const icon = n.event.reportedAt ? "✏️" : "📝";
        kb.text(`${icon} ${n.label}`, reportButtonData(n.event.id)).row();
      }
      const lines = [awaiting.total ? ctx.t("report:list.awaiting", { count: awaiting.total }) : ctx.t("report:list.noneAwaiting")];
      if (awaiting.total > awaiting.events.length) lines.push(ctx.t("report:list.newestShown", { shown: awaiting.events.length }));
      if (correctableEvents.length) lines.push(ctx.t("report:list.correctable"));
      await replyHtml(ctx, lines.join("\n\n"), { reply_markup: kb });
    }),
  );

  composer.callbackQuery(REPORT_CALLBACK_RE, (ctx, next) =>
    unlessBusy(ctx, next, async () => {
      const eventId = ctx.match![1]!;
      const actor = { telegramId: ctx.from.id, scopes: ctx.scopes };
      const access = await deps.services.reports.access(actor, eventId);
      if (!access.ok) {
        if (access.reason === "outside_scope" || access.reason === "no_role") {
          await denyAccess(ctx, "report.open", access.reason, { eventId });
        } else {
          await ctx.answerCallbackQuery({ text: ctx.t(`report:refused.${access.reason}`, { defaultValue: ctx.t("report:refused.generic") }), show_alert: true });
        }
        return;
      }
      await ctx.answerCallbackQuery();
      // A message only for choosing a report (the list, a reminder's request) has been answered: its buttons go, so
      // an old one is not tapped later by mistake. An event's card in /myevents keeps its other buttons.
      const keyboard = ctx.callbackQuery.message?.reply_markup?.inline_keyboard ?? [];
      const onlyReports = keyboard.flat().every((b) => "callback_data" in b && REPORT_CALLBACK_RE.test(b.callback_data ?? ""));
      if (keyboard.length > 0 && onlyReports) await ctx.editMessageReplyMarkup().catch(() => {});
      await ctx.conversation.enter(REPORT_CONVERSATION, eventId, access);
    }),
  );
  return composer;
}
