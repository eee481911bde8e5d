// /gaps for the national office, cluster in-charges and state teams: per state of their area, the Lok Sabha and
// Vidhan Sabha seats nobody holds, the seats whose holder blocked the bot or never started it, the Lok Sabha seats with nothing planned
// and the events held without a report; a state's button names them all (gp:<state>; gp:- is the summary).
import { Composer, InlineKeyboard } from "grammy";
import type { StateGaps } from "../../domain/gaps.js";
import type { BotContext } from "../context.js";
import { escapeHtml } from "../format.js";
import { denyAccess } from "../middleware/deny.js";
import { editHtml, replyHtml } from "../reply.js";

const STATE_RE = /^gp:(IN-[A-Z]{2}|-)$/;
/** Names listed per kind in a state's view before "…and N more" (a state has up to 80 PCs and 403 ACs). */
const LIST_MAX = 60;

const hasGaps = (s: StateGaps) => s.vacantPcs.length + s.vacantAcs.length + s.blockedSeats.length + s.neverStarted.length + s.pcsWithNothingPlanned.length + s.unreported > 0;

async function summary(ctx: BotContext, edit: boolean): Promise<void> {
  const result = await ctx.deps.services.gaps.gaps({ telegramId: ctx.from!.id, scopes: ctx.scopes });
  if (!result.ok) return denyAccess(ctx, "gaps.open", result.reason);
  const names = await ctx.deps.services.rollups.labels(ctx.lang, []);
  const sum = (f: (s: StateGaps) => number) => result.states.reduce((n, s) => n + f(s), 0);
  const lines = [
    ctx.t("gaps:title"),
    ctx.t("gaps:totals", {
      vacantPcs: sum((s) => s.vacantPcs.length),
      pcs: sum((s) => s.pcsTotal),
      vacantAcs: sum((s) => s.vacantAcs.length),
      acs: sum((s) => s.acsTotal),
      blocked: sum((s) => s.blockedSeats.length),
      nothing: sum((s) => s.pcsWithNothingPlanned.length),
      unreported: sum((s) => s.unreported),
    }),
    ctx.t("gaps:totalsNeverStarted", { count: sum((s) => s.neverStarted.length), invited: sum((s) => s.neverStarted.filter((n) => n.telegramIds.length === 0).length) }),
    "",
  ];
  const kb = new InlineKeyboard();
  const withGaps = result.states.filter(hasGaps).sort((a, b) => names.state(a.stateCode).localeCompare(names.state(b.stateCode), ctx.lang));
  withGaps.forEach((s, i) => {
    lines.push(
      ctx.t("gaps:stateLine", {
        state: escapeHtml(names.state(s.stateCode)),
        vacantPcs: s.vacantPcs.length,
        pcs: s.pcsTotal,
        vacantAcs: s.vacantAcs.length,
        acs: s.acsTotal,
        blocked: s.blockedSeats.length,
        neverStarted: s.neverStarted.length,
        nothing: s.pcsWithNothingPlanned.length,
        unreported: s.unreported,
      }),
    );
    kb.text(names.state(s.stateCode), `gp:${s.stateCode}`);
    if (i % 2 === 1) kb.row();
  });
  if (withGaps.length === 0) lines.push(ctx.t("gaps:none"));
  else lines.push("", ctx.t("gaps:tapState"));
  if (edit) await editHtml(ctx, lines.join("\n"), { reply_markup: kb });
  else await replyHtml(ctx, lines.join("\n"), { reply_markup: kb });
}

async function stateView(ctx: BotContext, stateCode: string): Promise<void> {
  const result = await ctx.deps.services.gaps.gaps({ telegramId: ctx.from!.id, scopes: ctx.scopes }, { stateCode });
  if (!result.ok) return denyAccess(ctx, "gaps.open", result.reason, { stateCode });
  const s = result.states[0]!;
  const people = [...s.blockedSeats, ...s.neverStarted].flatMap((b) => b.telegramIds);
  const [names, persons] = await Promise.all([ctx.deps.services.rollups.labels(ctx.lang, people), Promise.all(people.map((id) => ctx.deps.services.people.get(id)))]);
  const list = (codes: readonly string[]) => {
    const shown = codes.slice(0, LIST_MAX).map((c) => escapeHtml(names.pc(c)));
    return codes.length > LIST_MAX ? `${shown.join(", ")} ${ctx.t("gaps:more", { count: codes.length - LIST_MAX })}` : shown.join(", ");
  };
  const contact = (id: number) => {
    const p = persons.find((x) => x?.telegramId === id);
    return p?.username ? `@${escapeHtml(p.username)}` : `<a href="tg://user?id=${id}">${escapeHtml(names.person(id))}</a>`;
  };
  const lines = [ctx.t("gaps:stateTitle", { state: escapeHtml(names.state(stateCode)) }), ""];
  lines.push(ctx.t("gaps:vacantPcs", { count: s.vacantPcs.length, total: s.pcsTotal }));
  if (s.vacantPcs.length) lines.push(list(s.vacantPcs));
  lines.push("", ctx.t("gaps:vacantAcs", { count: s.vacantAcs.length, total: s.acsTotal }));
  if (s.vacantAcs.length) lines.push(list(s.vacantAcs));
  if (s.blockedSeats.length) {
    lines.push("", ctx.t("gaps:blocked", { count: s.blockedSeats.length }));
    for (const b of s.blockedSeats) lines.push(ctx.t("gaps:blockedLine", { seat: escapeHtml(names.pc(b.code)), who: b.telegramIds.map(contact).join(", ") }));
  }
  if (s.neverStarted.length) {
    lines.push("", ctx.t("gaps:neverStarted", { count: s.neverStarted.length }));
    const shown = s.neverStarted.slice(0, LIST_MAX);
    for (const n of shown) {
      const who = n.telegramIds.length ? n.telegramIds.map(contact).join(", ") : ctx.t("gaps:neverStartedInvited");
      lines.push(ctx.t("gaps:blockedLine", { seat: escapeHtml(names.pc(n.code)), who }));
    }
    if (s.neverStarted.length > LIST_MAX) lines.push(ctx.t("gaps:more", { count: s.neverStarted.length - LIST_MAX }));
  }
  lines.push("", ctx.t("gaps:nothingPlanned", { count: s.pcsWithNothingPlanned.length, total: s.pcsTotal }));
  if (s.pcsWithNothingPlanned.length) lines.push(list(s.pcsWithNothingPlanned));
  lines.push("", ctx.t("gaps:unreported", { count: s.unreported }));
  await editHtml(ctx, lines.join("\n"), { reply_markup: new InlineKeyboard().text(ctx.t("gaps:back"), "gp:-") });
}

export function gapsFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command("gaps", (ctx) => summary(ctx, false));
  composer.callbackQuery(STATE_RE, async (ctx) => {
    await ctx.answerCallbackQuery().catch(() => {});
    const state = ctx.match[1]!;
    if (state === "-") await summary(ctx, true);
    else await stateView(ctx, state);
  });
  return composer;
}
