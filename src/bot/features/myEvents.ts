// /myevents: the person's upcoming and recent events with their state (planned, awaiting report, reported,
// cancelled). Each has a button opening it, with what can be done now: move or cancel a planned event, report an
// event that has started, correct one's own report within 72 hours. Every button re-checks access.
import { Composer, InlineKeyboard } from "grammy";
import { canChangeEvent, correctionDecision, eventState, type EventState } from "../../domain/events/index.js";
import type { EventView } from "../../services/eventService.js";
import type { BotContext, BotDeps } from "../context.js";
import { escapeHtml } from "../format.js";
import { eventLines, type Reader } from "../conversations/eventFormat.js";
import { MOVE_EVENT_CONVERSATION, moveEventConversation } from "../conversations/moveEvent.js";
import { denyAccess } from "../middleware/deny.js";
import { installConversation, unlessBusy } from "./conversationEntry.js";
import { nameEvents } from "./eventNames.js";
import { reportButtonData } from "../../messages/buttons.js";
import { editHtml, replyHtml } from "../reply.js";

/** callback_data: ev:<id> opens an event, evx: asks to cancel it, evy: cancels, evn: keeps it, evm: moves it. */
export const EVENT_CALLBACK_PREFIXES = { open: "ev:", askCancel: "evx:", cancel: "evy:", keep: "evn:", move: "evm:" } as const;
const CALLBACK_RE = /^(ev|evx|evy|evn|evm):([0-9a-f]{24})$/;

const DAY_MS = 24 * 60 * 60 * 1000;
/** How far back /myevents shows past events, and how many of each kind. */
export const PAST_DAYS = 30;
const LIST_MAX = 15;

const STATE_ICON: Record<EventState, string> = { planned: "🗓", awaiting_report: "⏳", reported: "✅", cancelled: "✖" };

export function myEventsFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(installConversation(MOVE_EVENT_CONVERSATION, moveEventConversation));

  const actorOf = (ctx: BotContext) => ({ telegramId: ctx.from!.id, scopes: ctx.scopes });

  composer.command("myevents", (ctx, next) =>
    unlessBusy(ctx, next, async () => {
      if (ctx.scopes.length === 0) {
        await denyAccess(ctx, "event.list", "no_role");
        return;
      }
      const now = deps.now();
      // Only the LIST_MAX soonest and the LIST_MAX latest are read, however many the person's seats hold. Past is
      // up to and including now (a range's end is excluded, hence the millisecond).
      const split = new Date(now.getTime() + 1);
      const [upcoming, pastOldestFirst] = await Promise.all([
        deps.services.events.listMine(actorOf(ctx), { from: split, to: new Date(now.getTime() + 400 * DAY_MS) }, { limit: LIST_MAX, nearest: "start" }),
        deps.services.events.listMine(actorOf(ctx), { from: new Date(now.getTime() - PAST_DAYS * DAY_MS), to: split }, { limit: LIST_MAX, nearest: "end" }),
      ]);
      if (upcoming.length + pastOldestFirst.length === 0) {
        await ctx.reply(ctx.t("myevents:none"));
        return;
      }
      const past = pastOldestFirst.reverse();
      const named = await nameEvents(ctx, [...upcoming, ...past]);
      const lines: string[] = [`<b>${ctx.t("myevents:title")}</b>`];
      const kb = new InlineKeyboard();
      named.forEach((n, i) => {
        if (i === 0 && upcoming.length) lines.push("", `<b>${ctx.t("myevents:upcoming")}</b>`);
        if (i === upcoming.length) lines.push("", `<b>${ctx.t("myevents:past", { days: PAST_DAYS })}</b>`);
        const state = eventState(n.event, now);
        lines.push(`${i + 1}. ${escapeHtml(n.label)}\n    ${STATE_ICON[state]} ${ctx.t(`myevents:state.${state}`)}`);
        if (i > 0 && i % 5 === 0) kb.row();
        kb.text(String(i + 1), EVENT_CALLBACK_PREFIXES.open + n.event.id);
      });
      lines.push("", ctx.t("myevents:tapNumber"));
      await replyHtml(ctx, lines.join("\n"), { reply_markup: kb });
    }),
  );

  /** The event's details and the buttons for what this person can do with it now. */
  async function detail(ctx: BotContext, event: EventView): Promise<{ text: string; kb: InlineKeyboard }> {
    const now = deps.now();
    const [named] = await nameEvents(ctx, [event]);
    const reader: Reader = { lang: ctx.lang, zone: deps.timeZone };
    const state = eventState(event, now);
    const text = [
      `${STATE_ICON[state]} <b>${ctx.t(`myevents:state.${state}`)}</b>`,
      "",
      eventLines(ctx.t, reader, { ...event, programme: named!.programme, territory: named!.territory }),
    ].join("\n");
    const kb = new InlineKeyboard();
    if (state === "awaiting_report") kb.text(ctx.t("myevents:action.report"), reportButtonData(event.id)).row();
    if (state === "planned" || state === "awaiting_report") {
      kb.text(ctx.t("myevents:action.move"), EVENT_CALLBACK_PREFIXES.move + event.id);
      kb.text(ctx.t("myevents:action.cancel"), EVENT_CALLBACK_PREFIXES.askCancel + event.id);
    }
    if (state === "reported") {
      const report = await deps.services.reports.getForEvent(event.id);
      if (report && correctionDecision(report, ctx.from!.id, now).ok) kb.text(ctx.t("myevents:action.correct"), reportButtonData(event.id));
    }
    return { text, kb };
  }

  composer.callbackQuery(CALLBACK_RE, (ctx, next) => {
    const [, kind, eventId] = ctx.match as RegExpMatchArray as [string, string, string];
    const run = async () => {
      const event = await deps.services.events.get(eventId);
      if (!event) {
        await ctx.answerCallbackQuery({ text: ctx.t("events:refused.not_found"), show_alert: true });
        return;
      }
      if (!(await deps.services.events.mayActOn(actorOf(ctx), event))) {
        await denyAccess(ctx, `event.${kind}`, ctx.scopes.length ? "outside_scope" : "no_role", { eventId });
        return;
      }
      switch (kind) {
        case "ev": {
          await ctx.answerCallbackQuery();
          const { text, kb } = await detail(ctx, event);
          await replyHtml(ctx, text, { reply_markup: kb });
          return;
        }
        case "evn": {
          await ctx.answerCallbackQuery();
          const { text, kb } = await detail(ctx, event);
          await editHtml(ctx, text, { reply_markup: kb });
          return;
        }
        case "evx": {
          await ctx.answerCallbackQuery();
          const { text } = await detail(ctx, event);
          const kb = new InlineKeyboard()
            .text(ctx.t("myevents:cancel.yes"), EVENT_CALLBACK_PREFIXES.cancel + event.id)
            .text(ctx.t("myevents:cancel.no"), EVENT_CALLBACK_PREFIXES.keep + event.id);
          await editHtml(ctx, `${text}\n\n${ctx.t("myevents:cancel.ask")}`, { reply_markup: kb });
          return;
        }
        case "evy": {
          const result = await deps.services.events.cancel({ actor: actorOf(ctx), eventId });
          if (!result.ok) {
            await ctx.answerCallbackQuery({ text: ctx.t(`events:refused.${result.reason}`, { defaultValue: ctx.t("events:refused.generic") }), show_alert: true });
            return;
          }
          await ctx.answerCallbackQuery({ text: ctx.t("myevents:cancel.toast") });
          // A second press (double tap, replay) finds it cancelled already and shows the same thing.
          const { text } = await detail(ctx, result.event);
          await editHtml(ctx, text);
          return;
        }
        case "evm": {
          const changeable = canChangeEvent(event);
          if (!changeable.ok) {
            await ctx.answerCallbackQuery({ text: ctx.t(`events:refused.${changeable.reason}`), show_alert: true });
            return;
          }
          await ctx.answerCallbackQuery();
          await ctx.editMessageReplyMarkup().catch(() => {});
          await ctx.conversation.enter(MOVE_EVENT_CONVERSATION, eventId);
          return;
        }
      }
    };
    // Moving enters a conversation: not while another one waits for an answer. The rest are single taps.
    return kind === "evm" ? unlessBusy(ctx, next, run) : run();
  });
  return composer;
}
