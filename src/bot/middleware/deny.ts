// Refusals: a short localized reason with a way forward, and a line in the audit log.
import type { AppContext } from "../context.js";

export async function denyAccess(ctx: AppContext, action: string, reason: string, details: Record<string, unknown> = {}): Promise<void> {
  await ctx.deps.services.audit.record({
    actorId: ctx.from?.id ?? null,
    action: "access.denied",
    outcome: "denied",
    reason,
    updateId: ctx.update.update_id,
    details: { attempted: action, ...details },
  });
  const text = ctx.t(`common:denied.${reason}`, { defaultValue: ctx.t("common:denied.outside_scope") });
  if (ctx.callbackQuery) {
    await ctx.answerCallbackQuery({ text, show_alert: true }).catch(() => {});
  } else {
    await ctx.reply(text);
  }
}
