// /export: the events, reports or seats of one's area, the directives one may see with every recipient's delivery
// and acknowledgement, and (for the national office) the audit log of the last 30 days, as an XLSX or CSV document,
// so that figures can be checked and used outside Telegram.
import { Composer, InlineKeyboard, InputFile } from "grammy";
import { reviewerScopes } from "../../domain/review.js";
import { mayDirect } from "../../domain/directives.js";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { EXPORT_KINDS, type ExportKind } from "../../services/exportService.js";
import type { BotContext } from "../context.js";
import { denyAccess } from "../middleware/deny.js";

const PICK_RE = /^xp:(events|reports|seats|directives|audit)$/;
const MAKE_RE = /^xp:(events|reports|seats|directives|audit):(xlsx|csv)$/;

/** What the menu offers: the audit log to the national office, directives to those who may send them. */
function offered(kind: ExportKind, scopes: BotContext["scopes"]): boolean {
  if (kind === "audit") return scopes.some((s) => s.role === "national_admin");
  if (kind === "directives") return mayDirect(scopes);
  return true;
}

export function exportFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command("export", async (ctx) => {
    if (reviewerScopes(ctx.scopes).length === 0) return denyAccess(ctx, "export", "no_role");
    const kb = new InlineKeyboard();
    for (const kind of EXPORT_KINDS) if (offered(kind, ctx.scopes)) kb.text(ctx.t(`export:kind.${kind}`), `xp:${kind}`).row();
    await ctx.reply(ctx.t("export:pick"), { reply_markup: kb });
  });
  composer.callbackQuery(PICK_RE, async (ctx) => {
    await ctx.answerCallbackQuery().catch(() => {});
    const kind = ctx.match[1]!;
    await ctx
      .editMessageText(ctx.t("export:format"), { reply_markup: new InlineKeyboard().text("📊 XLSX", `xp:${kind}:xlsx`).text("📄 CSV", `xp:${kind}:csv`) })
      .catch(() => {});
  });
  composer.callbackQuery(MAKE_RE, async (ctx) => {
    const [kind, format] = [ctx.match[1] as ExportKind, ctx.match[2] as "xlsx" | "csv"];
    const day = ctx.deps.now().toISOString().slice(0, 10);
    // Streamed to a file of its own (100,000 rows never sit in memory), sent from there, then removed.
    const dir = await mkdtemp(path.join(tmpdir(), "sanyojak-export-"));
    const file = path.join(dir, `sanyojak-${kind}-${day}.${format}`);
    try {
      const result = await ctx.deps.services.exports.write({ telegramId: ctx.from.id, scopes: ctx.scopes }, kind, format, createWriteStream(file));
      if (!result.ok) {
        if (result.reason === "busy") {
          await ctx.deps.services.audit.record({ actorId: ctx.from.id, action: `export.${kind}`, outcome: "denied", reason: "busy", updateId: ctx.update.update_id, details: { format } });
          await ctx.answerCallbackQuery({ text: ctx.t("export:busy"), show_alert: true }).catch(() => {});
          return;
        }
        return denyAccess(ctx, `export.${kind}`, result.reason);
      }
      await ctx.answerCallbackQuery({ text: ctx.t("export:making") }).catch(() => {});
      await ctx.deps.services.audit.record({ actorId: ctx.from.id, action: `export.${kind}`, outcome: "ok", details: { rows: result.rows, format } });
      await ctx.replyWithDocument(new InputFile(file), { caption: ctx.t("export:caption", { kind: ctx.t(`export:kind.${kind}`), count: result.rows }) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  return composer;
}
