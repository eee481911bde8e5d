// Raising a target (cluster in-charge, state team, national office; from /plans): phase → state → the whole state
// or one seat → the new number of events per seat, which must be higher than today's. The service re-checks the
// area and the number, refuses (and audits) a lower or equal target or a seat outside the area, and stores one
// raise per phase, area and number, so a replay or a double tap stores it once.
import type { PhaseSpec } from "../../domain/plans/progress.js";
import { localDay } from "../../domain/rollup/day.js";
import type { TerritoryRef } from "../../domain/territory.js";
import type { AppContext } from "../context.js";
import { escapeHtml } from "../format.js";
import { ask } from "./ask.js";
import { targetVerdict } from "./newPhase.js";
import { choose, load, type Conv } from "./prompts.js";
import { safely } from "./safely.js";
import { pickTerritory } from "./territoryPicker.js";

export const RAISE_TARGET_CONVERSATION = "raiseTarget";

/** A phase as a button: "Sneh Samvad · Lok Sabha seats · 1 Dec – 31 Jan". */
export function phaseLabel(ctx: AppContext, p: PhaseSpec, programmeName: string): string {
  return ctx.t("plans:phaseLabel", { programme: programmeName, level: ctx.t(`progress:level.${p.level}`), from: p.startDay, to: p.endDay });
}

export async function raiseTargetConversation(conversation: Conv, ctx: AppContext): Promise<void> {
  const zone = ctx.deps.timeZone;
  const { phases, names, states } = await load(conversation, async (c) => {
    const list = await c.deps.services.plans.currentPhases(localDay(c.deps.now(), zone));
    const programmes = await c.deps.services.programmes.list("programme", { includeHidden: true });
    const scope = await c.deps.services.review.statesInScope(c.scopes);
    return {
      phases: list,
      names: Object.fromEntries(programmes.map((p) => [p.key, p.name[c.lang]])) as Record<string, string>,
      states: scope === "all" ? null : scope,
    };
  });
  if (phases.length === 0) {
    await ctx.reply(ctx.t("plans:noPhases"));
    return;
  }
  if (states !== null && states.length === 0) {
    await ctx.reply(ctx.t("plans:raise.noArea"));
    return;
  }
  const phaseId =
    phases.length === 1
      ? phases[0]!.id
      : await choose(conversation, ctx, {
          prompt: ctx.t("plans:raise.phase"),
          choices: phases.map((p) => ({ label: phaseLabel(ctx, p, names[p.programmeKey] ?? p.programmeKey), value: p.id })),
          columns: 1,
        });
  const phase = phases.find((p) => p.id === phaseId)!;
  const state = await pickTerritory(conversation, ctx, { level: "state", allowedStates: states ?? undefined });
  const which = await choose(conversation, ctx, {
    prompt: ctx.t("plans:raise.which"),
    choices: [
      { label: ctx.t("plans:raise.wholeState"), value: "state" },
      { label: ctx.t(`plans:raise.oneSeat.${phase.level}`), value: "seat" },
    ],
    columns: 1,
  });
  const territory: TerritoryRef = which === "state" ? state : await pickTerritory(conversation, ctx, { level: phase.level, allowedStates: [state.code] });
  const { current, name } = await load(conversation, async (c) => ({
    current: await c.deps.services.plans.targetOf(phase, territory),
    name: await c.deps.services.map.territoryName(territory, c.lang),
  }));
  const answer = await ask<number>(conversation, ctx, {
    prompt: ctx.t("plans:raise.target", { place: escapeHtml(name), current, count: current }),
    text: (s, c) => targetVerdict(c, s),
  });
  const target = answer.kind === "value" ? answer.value : Number(answer.value);
  const result = await load(conversation, (c) =>
    safely(c, () => c.deps.services.plans.raise({ actor: { telegramId: c.from!.id, scopes: c.scopes }, phaseId, territory, target })),
  );
  const text = result.ok
    ? ctx.t("plans:raise.done", { place: escapeHtml(name), target, previous: result.previous })
    : ctx.t(`plans:raise.refused.${result.reason}`, { current: "current" in result ? (result.current ?? current) : current, defaultValue: ctx.t("plans:raise.refused.other") });
  await ctx.reply(text, { parse_mode: "HTML" });
}
