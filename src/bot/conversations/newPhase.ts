// A new campaign phase (national office, from /plans): programme → level (Lok Sabha or Vidhan Sabha seats) →
// events per seat → start day → end day → summary with Save / Cancel. One phase per draft: the save is keyed by
// the update that opened the conversation (summaryStep.ts draftKeyOf), so a replayed or doubled Save stores one.
import { addDays, localDay } from "../../domain/rollup/day.js";
import { parseRollupDay } from "../../domain/rollup/parseDay.js";
import { checkPhase, MAX_TARGET } from "../../domain/plans/rules.js";
import type { PhaseLevel } from "../../domain/plans/progress.js";
import type { AppContext } from "../context.js";
import { escapeHtml } from "../format.js";
import { ask, type Verdict } from "./ask.js";
import { askProgramme } from "./eventSteps.js";
import { choose, load, say, waitForTap, type Conv } from "./prompts.js";
import { safely } from "./safely.js";
import { draftKeyOf } from "./summaryStep.js";

export const NEW_PHASE_CONVERSATION = "newPhase";

/** A whole number of events per seat, 1 to MAX_TARGET. */
export function targetVerdict(ctx: AppContext, text: string): Verdict<number> {
  const t = text.trim().replace(/[०-९]/g, (d) => String(d.charCodeAt(0) - 0x966));
  const n = /^\d{1,4}$/.test(t) ? Number(t) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_TARGET) return { ok: false, reason: ctx.t("plans:target.bad", { max: MAX_TARGET }) };
  return { ok: true, value: n };
}

async function askDay(conversation: Conv, ctx: AppContext, prompt: string, today: string, zone: string, after?: string): Promise<string> {
  const tomorrow = addDays(today, 1, zone);
  const answer = await ask<string>(conversation, ctx, {
    prompt,
    buttons: after ? [] : [
      { label: ctx.t("plans:day.today"), value: today },
      { label: ctx.t("plans:day.tomorrow"), value: tomorrow },
    ],
    text: (s, c) => {
      const parsed = parseRollupDay(s, today, zone);
      if (!parsed.ok) return { ok: false, reason: c.t("plans:day.bad", { text: escapeHtml(s.slice(0, 30)) }) };
      if (after && parsed.day < after) return { ok: false, reason: c.t("plans:day.beforeStart") };
      return { ok: true, value: parsed.day };
    },
  });
  return answer.value;
}

export async function newPhaseConversation(conversation: Conv, ctx: AppContext): Promise<void> {
  const zone = ctx.deps.timeZone;
  const draft = draftKeyOf(ctx);
  const { today, programmes } = await load(conversation, async (c) => ({
    today: localDay(c.deps.now(), zone),
    programmes: await c.deps.services.programmes.list("programme"),
  }));
  const programmeKey = await askProgramme(conversation, ctx, programmes);
  const level = (await choose(conversation, ctx, {
    prompt: ctx.t("plans:new.level"),
    choices: [
      { label: ctx.t("progress:level.pc"), value: "pc" },
      { label: ctx.t("progress:level.ac"), value: "ac" },
    ],
    columns: 1,
  })) as PhaseLevel;
  const target = await ask<number>(conversation, ctx, {
    prompt: ctx.t("plans:new.target", { max: MAX_TARGET }),
    buttons: ["1", "2", "3", "5"].map((n) => ({ label: n, value: n })),
    columns: 4,
    text: (s, c) => targetVerdict(c, s),
  });
  const perSeat = target.kind === "button" ? Number(target.value) : target.value;
  const startDay = await askDay(conversation, ctx, ctx.t("plans:new.start"), today, zone);
  const endDay = await askDay(conversation, ctx, ctx.t("plans:new.end"), today, zone, startDay);

  const programme = programmes.find((p) => p.key === programmeKey);
  const text = ctx.t("plans:new.summary", {
    programme: escapeHtml(programme?.name[ctx.lang] ?? programmeKey),
    level: ctx.t(`progress:level.${level}`),
    target: perSeat,
    count: perSeat,
    from: startDay,
    to: endDay,
  });
  const buttons = [
    { label: ctx.t("plans:new.save"), value: "ok" },
    { label: ctx.t("events:summary.cancel"), value: "no" },
  ];
  const summaries = [await say(ctx, text, buttons, 2)];
  const { value, ctx: tap } = await waitForTap(conversation, () => summaries, ["ok", "no"], async (other) => {
    await other.reply(other.t("plans:new.useButtons"));
    summaries.push(await say(other, text, buttons, 2));
  });
  await tap.answerCallbackQuery().catch(() => {});
  if (value === "no") {
    await tap.editMessageText(`${text}\n\n${ctx.t("events:summary.cancelled")}`, { parse_mode: "HTML" }).catch(() => {});
    return;
  }
  const input = { programmeKey, level, target: perSeat, startDay, endDay };
  const checked = checkPhase(input, today);
  const result = checked.ok
    ? await load(conversation, (c) =>
        safely(c, () => c.deps.services.plans.createPhase({ actor: { telegramId: c.from!.id, scopes: c.scopes }, input, confirmKey: draft })),
      )
    : ({ ok: false, reason: checked.problem } as const);
  const outcome = result.ok ? ctx.t("plans:new.saved") : ctx.t(`plans:new.refused.${result.reason}`, { defaultValue: ctx.t("plans:new.refused.other") });
  await tap.editMessageText(`${text}\n\n${outcome}`, { parse_mode: "HTML" }).catch(() => {});
}
