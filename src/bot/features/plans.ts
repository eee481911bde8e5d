// /plans: the campaign phases running or ahead, with buttons to define a new one (national office) and to raise a
// target (cluster in-charges, state teams, national office). Both are conversations; every button re-checks the
// role, since callback data is whatever the client sends.
import { Composer, InlineKeyboard } from "grammy";
import { canDefinePhases } from "../../domain/plans/rules.js";
import { isRunning } from "../../domain/plans/progress.js";
import { localDay } from "../../domain/rollup/day.js";
import type { RoleScope } from "../../domain/roles.js";
import type { BotContext, BotDeps } from "../context.js";
import { escapeHtml } from "../format.js";
import { NEW_PHASE_CONVERSATION, newPhaseConversation } from "../conversations/newPhase.js";
import { RAISE_TARGET_CONVERSATION, phaseLabel, raiseTargetConversation } from "../conversations/raiseTarget.js";
import { denyAccess } from "../middleware/deny.js";
import { installConversation, unlessBusy } from "./conversationEntry.js";
import { replyHtml } from "../reply.js";

const RAISERS: readonly RoleScope["role"][] = ["national_admin", "cluster_head", "state_team"];
const mayRaise = (ctx: BotContext) => ctx.scopes.some((s) => RAISERS.includes(s.role));

export function plansFeature(deps: BotDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(installConversation(NEW_PHASE_CONVERSATION, newPhaseConversation));
  composer.use(installConversation(RAISE_TARGET_CONVERSATION, raiseTargetConversation));

  composer.command("plans", (ctx, next) =>
    unlessBusy(ctx, next, async () => {
      const admin = canDefinePhases(ctx.scopes).allowed;
      if (!admin && !mayRaise(ctx)) {
        await denyAccess(ctx, "plans.open", ctx.scopes.length ? "role_not_appointable" : "no_role");
        return;
      }
      const today = localDay(deps.now(), deps.timeZone);
      const [phases, programmes] = await Promise.all([
        deps.services.plans.currentPhases(today),
        deps.services.programmes.list("programme", { includeHidden: true }),
      ]);
      const name = (key: string) => programmes.find((p) => p.key === key)?.name[ctx.lang] ?? key;
      const lines = [ctx.t("plans:title")];
      if (phases.length === 0) lines.push(ctx.t("plans:noPhases"));
      for (const p of phases) {
        lines.push(
          ctx.t(isRunning(p, today) ? "plans:running" : "plans:ahead", { phase: escapeHtml(phaseLabel(ctx, p, name(p.programmeKey))), target: p.target }),
        );
      }
      lines.push("", ctx.t("plans:help"));
      const kb = new InlineKeyboard();
      if (admin) kb.text(ctx.t("plans:button.new"), "pl:new");
      if (phases.length > 0) kb.text(ctx.t("plans:button.raise"), "pl:raise");
      await replyHtml(ctx, lines.join("\n"), { reply_markup: kb });
    }),
  );

  composer.callbackQuery("pl:new", (ctx, next) =>
    unlessBusy(ctx, next, async () => {
      const allowed = canDefinePhases(ctx.scopes);
      if (!allowed.allowed) {
        await denyAccess(ctx, "plans.phase.create", allowed.reason);
        return;
      }
      await ctx.answerCallbackQuery();
      await ctx.conversation.enter(NEW_PHASE_CONVERSATION);
    }),
  );

  composer.callbackQuery("pl:raise", (ctx, next) =>
    unlessBusy(ctx, next, async () => {
      if (!mayRaise(ctx)) {
        await denyAccess(ctx, "plans.target.raise", ctx.scopes.length ? "role_not_appointable" : "no_role");
        return;
      }
      await ctx.answerCallbackQuery();
      await ctx.conversation.enter(RAISE_TARGET_CONVERSATION);
    }),
  );
  return composer;
}
