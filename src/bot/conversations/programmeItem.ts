// Adding a programme or an attendee category (national office, from /programmes): Hindi name → English name →
// Save. The key is made from the English name; saving the same names twice adds one item.
import { checkName } from "../../domain/events/index.js";
import type { ItemKind } from "../../services/programmeService.js";
import type { AppContext } from "../context.js";
import { escapeHtml } from "../format.js";
import { ask } from "./ask.js";
import { textReason } from "./eventSteps.js";
import { load, say, waitForTap, type Conv } from "./prompts.js";
import { safely } from "./safely.js";
import type { Language } from "../../domain/language.js";

export const PROGRAMME_ITEM_CONVERSATION = "programmeItem";

export async function programmeItemConversation(conversation: Conv, ctx: AppContext, kind: ItemKind): Promise<void> {
  const askName = async (lang: Language) => {
    const answer = await ask<string>(conversation, ctx, {
      prompt: ctx.t(`programmes:add.${kind}.${lang}`),
      text: (s) => {
        const r = checkName(s);
        return r.ok ? r : { ok: false, reason: textReason(ctx, "programmes:add.error", r) };
      },
      otherReason: ctx.t("programmes:add.error.notText"),
    });
    return answer.kind === "value" ? answer.value : "";
  };
  const hi = await askName("hi");
  const en = await askName("en");

  const text = ctx.t(`programmes:add.${kind}.confirm`, { hi: escapeHtml(hi), en: escapeHtml(en) });
  const buttons = [
    { label: ctx.t("programmes:add.save"), value: "ok" },
    { label: ctx.t("events:summary.cancel"), value: "no" },
  ];
  const summaries = [await say(ctx, text, buttons, 2)];
  const { value, ctx: tap } = await waitForTap(conversation, () => summaries, ["ok", "no"], async (other) => {
    await other.reply(other.t("programmes:add.useButtons"));
    summaries.push(await say(other, text, buttons, 2));
  });
  await tap.answerCallbackQuery().catch(() => {});
  if (value === "no") {
    await tap.editMessageText(`${text}\n\n${ctx.t("events:summary.cancelled")}`, { parse_mode: "HTML" }).catch(() => {});
    return;
  }
  const actorId = ctx.from!.id;
  const result = await load(conversation, (c) =>
    safely(c, async () => {
      // Re-checked here: roles may have changed since the conversation began.
      if (!c.scopes.some((s) => s.role === "national_admin")) return { ok: false as const, reason: "not_admin" as const };
      const added = await c.deps.services.programmes.add(kind, { hi, en }, actorId);
      if (added.ok && added.created) {
        await c.deps.services.audit.record({ actorId, action: "programmes.add", outcome: "ok", details: { kind, key: added.item.key } });
      }
      return added;
    }),
  );
  const outcome = result.ok ? ctx.t("programmes:add.saved") : ctx.t(`programmes:add.refused.${result.reason}`);
  await tap.editMessageText(`${text}\n\n${outcome}`, { parse_mode: "HTML" }).catch(() => {});
}
