// /directive (the conversation) and /directives (recent directives with their counts, a breakdown by cluster and a
// reminder for those who have not acknowledged), plus the Acknowledge button every recipient gets. Every button is
// re-checked against the tapper, loaded fresh for this update: callback_data is whatever the client sends.
import { Composer, InlineKeyboard } from "grammy";
import { mayDirect } from "../../domain/directives.js";
import type { DirectiveActor, DirectiveReport, DirectiveSummary } from "../../services/directiveService.js";
import type { BotContext } from "../context.js";
import { DIRECTIVE_CONVERSATION, directiveConversation } from "../conversations/directive.js";
import { ACK_DATA, ackKeyboard, countsLine, createDirectiveRenderer, formatWhen } from "../directiveMessages.js";
import { escapeHtml, territoryLabel } from "../format.js";
import { denyAccess } from "../middleware/deny.js";
import { installConversation, unlessBusy } from "./conversationEntry.js";
import { editHtml, replyHtml } from "../reply.js";

const VIEW = /^dl:v:([0-9a-f]{24})$/;
const REMIND = /^dl:r:([0-9a-f]{24})$/;
const WHO = /^dl:w:([0-9a-f]{24})(?::(\d{1,4}))?$/;
/** Those who acknowledged, listed on the first page of the "who" view (beyond: the count). */
const WHO_MAX = 60;
/** Those who have not acknowledged, per page of the "who" view: each a line with a contact link. */
export const WHO_PAGE = 20;
const LIST = "dl:l";
const SNIPPET = 60;

/**
 * The Acknowledge button. Installed before every conversation (see bot/index.ts): a recipient in the middle of
 * another step can still acknowledge, instead of that step swallowing the tap as a stray button.
 */
export function directiveAckFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.callbackQuery(ACK_DATA, async (ctx) => {
    const deliveryId = ctx.match[1]!;
    const res = await ctx.deps.services.directives.acknowledge({
      deliveryId,
      tapperId: ctx.from.id,
      updateId: ctx.update.update_id,
    });
    if (!res.ok) {
      const key = res.reason === "not_yours" ? "directives:ack.notYours" : "directives:ack.gone";
      await ctx.answerCallbackQuery({ text: ctx.t(key), show_alert: res.reason === "not_yours" });
      return;
    }
    if (!res.first) {
      await ctx.answerCallbackQuery({ text: ctx.t("directives:ack.already", { when: formatWhen(ctx.lang, ctx.deps.timeZone, res.at) }) });
      return;
    }
    await ctx.answerCallbackQuery({ text: ctx.t("directives:ack.thanks") });
    await ctx.editMessageReplyMarkup({ reply_markup: ackKeyboard(ctx.t, deliveryId, true) }).catch(() => {});
  });
  return composer;
}

export function directivesFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(
    installConversation(DIRECTIVE_CONVERSATION, directiveConversation),
  );

  composer.command("directive", async (ctx, next) => {
    if (!(await maySend(ctx, "directive.open"))) return;
    await unlessBusy(ctx, next, () => ctx.conversation.enter(DIRECTIVE_CONVERSATION));
  });

  composer.command("directives", async (ctx) => {
    if (!(await maySend(ctx, "directives.list"))) return;
    const view = await listView(ctx);
    await replyHtml(ctx, view.text, { reply_markup: view.keyboard });
  });

  composer.callbackQuery(LIST, async (ctx) => {
    if (!(await maySend(ctx, "directives.list"))) return;
    const view = await listView(ctx);
    await ctx.answerCallbackQuery();
    await editHtml(ctx, view.text, { reply_markup: view.keyboard });
  });

  composer.callbackQuery(VIEW, async (ctx) => {
    if (!(await maySend(ctx, "directives.view"))) return;
    const res = await ctx.deps.services.directives.report(actorOf(ctx), ctx.match[1]!);
    if (!res.ok) {
      await denyAccess(ctx, "directives.view", res.reason === "not_found" ? "outside_scope" : res.reason, { directiveId: ctx.match[1] });
      return;
    }
    await ctx.answerCallbackQuery();
    const view = await reportView(ctx, res.report);
    await editHtml(ctx, view.text, { reply_markup: view.keyboard });
  });

  composer.callbackQuery(WHO, async (ctx) => {
    if (!(await maySend(ctx, "directives.view"))) return;
    const id = ctx.match[1]!;
    const res = await ctx.deps.services.directives.people(actorOf(ctx), id);
    if (!res.ok) return denyAccess(ctx, "directives.view", res.reason === "not_found" ? "outside_scope" : res.reason, { directiveId: id });
    await ctx.answerCallbackQuery().catch(() => {});
    const { acknowledged, notYet } = res.people;
    const pages = Math.max(1, Math.ceil(notYet.length / WHO_PAGE));
    const page = Math.min(Number(ctx.match[2] ?? 0), pages - 1);
    const silent = notYet.slice(page * WHO_PAGE, (page + 1) * WHO_PAGE);
    const ackShown = page === 0 ? acknowledged.slice(0, WHO_MAX) : [];
    const names = await ctx.deps.services.rollups.labels(ctx.lang, [...ackShown, ...silent.map((p) => p.telegramId)]);
    // A tap away from a call or a message: the tg:// link opens the person's chat.
    const link = (id: number) => `<a href="tg://user?id=${id}">${escapeHtml(names.person(id))}</a>`;
    const lines = [ctx.t("directives:who.notYet", { count: notYet.length })];
    if (pages > 1) lines.push(ctx.t("directives:who.page", { page: page + 1, pages }));
    lines.push(...silent.map((p) => `• ${link(p.telegramId)} · ${ctx.t(`directives:who.status.${p.status}`)}`));
    lines.push("", ctx.t("directives:who.acknowledged", { count: acknowledged.length }));
    if (ackShown.length) lines.push(ackShown.map(link).join(", "));
    if (page === 0 && acknowledged.length > WHO_MAX) lines.push(ctx.t("directives:who.more", { count: acknowledged.length - WHO_MAX }));
    const keyboard = new InlineKeyboard();
    if (page > 0) keyboard.text(ctx.t("directives:who.previous"), `dl:w:${id}:${page - 1}`);
    if (page < pages - 1) keyboard.text(ctx.t("directives:who.next"), `dl:w:${id}:${page + 1}`);
    keyboard.row().text(ctx.t("directives:report.back"), `dl:v:${id}`);
    await editHtml(ctx, lines.join("\n"), { reply_markup: keyboard });
  });

  composer.callbackQuery(REMIND, async (ctx) => {
    if (!(await maySend(ctx, "directives.remind"))) return;
    const directiveId = ctx.match[1]!;
    const message = ctx.callbackQuery.message;
    // One reminder per person per request: the request is this very message (a double tap is the same request).
    const requestKey = `${ctx.chat?.id ?? ctx.from.id}-${message?.message_id ?? 0}`;
    const res = await ctx.deps.services.directives.remind(
      { actor: actorOf(ctx), directiveId, requestKey, updateId: ctx.update.update_id },
      createDirectiveRenderer(ctx.deps.i18n, ctx.deps.timeZone),
    );
    if (!res.ok) {
      await denyAccess(ctx, "directives.remind", res.reason === "not_found" ? "outside_scope" : res.reason, { directiveId });
      return;
    }
    const text =
      res.targets === 0
        ? ctx.t("directives:report.nobodyToRemind")
        : res.queued === 0
          ? ctx.t("directives:report.remindedAlready")
          : ctx.t("directives:report.reminded", { count: res.queued });
    await ctx.answerCallbackQuery({ text, show_alert: true });
  });

  return composer;
}

async function maySend(ctx: BotContext, action: string): Promise<boolean> {
  if (mayDirect(ctx.scopes)) return true;
  await denyAccess(ctx, action, ctx.scopes.length ? "role_not_appointable" : "no_role");
  return false;
}

function actorOf(ctx: BotContext): DirectiveActor {
  return { telegramId: ctx.from!.id, scopes: ctx.scopes };
}

function snippet(text: string): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > SNIPPET ? `${oneLine.slice(0, SNIPPET - 1)}…` : oneLine;
}

async function audienceLine(ctx: BotContext, d: DirectiveSummary): Promise<string> {
  const roles = d.audience.roles.map((r) => ctx.t(`common:role.${r}`)).join(", ");
  const area = await territoryLabel(ctx, d.audience.area);
  return ctx.t("directives:list.to", { roles: escapeHtml(roles), area: escapeHtml(area), count: d.counts.total });
}

async function listView(ctx: BotContext): Promise<{ text: string; keyboard: InlineKeyboard }> {
  const list = await ctx.deps.services.directives.listRecent(actorOf(ctx));
  const keyboard = new InlineKeyboard();
  if (list.length === 0) return { text: ctx.t("directives:list.empty"), keyboard };
  const blocks = await Promise.all(
    list.map(async (d, i) => {
      const when = escapeHtml(formatWhen(ctx.lang, ctx.deps.timeZone, d.createdAt));
      return `${i + 1}. <b>${when}</b> — ${escapeHtml(snippet(d.text))}\n${await audienceLine(ctx, d)}\n${countsLine(ctx.t, d.counts, true)}`;
    }),
  );
  list.forEach((d, i) => {
    if (i > 0 && i % 4 === 0) keyboard.row();
    keyboard.text(String(i + 1), `dl:v:${d.id}`);
  });
  return { text: `${ctx.t("directives:list.header")}\n\n${blocks.join("\n\n")}\n\n${ctx.t("directives:list.hint")}`, keyboard };
}

async function reportView(ctx: BotContext, r: DirectiveReport): Promise<{ text: string; keyboard: InlineKeyboard }> {
  const clusters = new Map((await ctx.deps.services.map.listClusters()).map((c) => [c.key, c.name[ctx.lang]]));
  const lines = [
    ctx.t("directives:report.header", { when: escapeHtml(formatWhen(ctx.lang, ctx.deps.timeZone, r.createdAt)) }),
    `“${escapeHtml(snippet(r.text))}”`,
    await audienceLine(ctx, r),
    countsLine(ctx.t, r.counts, true),
    "",
    ctx.t("directives:report.byCluster"),
    ...[...r.byCluster.entries()]
      .sort(([a], [b]) => (clusters.get(a) ?? a).localeCompare(clusters.get(b) ?? b))
      .map(([key, c]) =>
        ctx.t("directives:report.clusterLine", {
          name: escapeHtml(key ? (clusters.get(key) ?? key) : ctx.t("directives:report.national")),
          acknowledged: c.acknowledged,
          sent: c.sent,
          total: c.total,
        }),
      ),
  ];
  if (r.reasons.size > 0) {
    lines.push("", ctx.t("directives:report.reasons"));
    for (const [reason, n] of r.reasons) lines.push(`• ${ctx.t(`directives:report.reason.${reason}`, { n, defaultValue: `${reason}: ${n}` })}`);
  }
  const keyboard = new InlineKeyboard();
  if (r.remindable > 0) keyboard.text(ctx.t("directives:report.remind", { count: r.remindable }), `dl:r:${r.id}`).row();
  keyboard.text(ctx.t("directives:who.button"), `dl:w:${r.id}`).row();
  keyboard.text(ctx.t("directives:report.back"), LIST);
  return { text: lines.join("\n"), keyboard };
}
