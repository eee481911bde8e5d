// /audit: the audit log for the national office, newest first, ten entries a page: everything, everything by or
// about one person (/audit 123456789), or everything about one record (/audit <event, invite or directive id, or a
// seat code>). Times in the programme's time zone. Anyone else is refused, and the refusal is itself audited.
import { Composer, InlineKeyboard } from "grammy";
import type { AuditFilter, AuditRecord } from "../../services/auditService.js";
import type { BotContext } from "../context.js";
import { formatWhen } from "../directiveMessages.js";
import { escapeHtml } from "../format.js";
import { denyAccess } from "../middleware/deny.js";
import { editHtml, replyHtml } from "../reply.js";

export const AUDIT_PAGE_SIZE = 10;
/** A record's id or code travels in callback_data (64 bytes with the prefix and page): ASCII, at most 40. */
const REF_RE = /^[A-Za-z0-9:_.-]{1,40}$/;
const PERSON_RE = /^\d{1,16}$/;
const PAGE = /^au:(a|p|r):(?:(.+):)?(\d{1,5})$/;
const DETAIL_MAX = 140;

export function auditFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command("audit", async (ctx) => {
    if (!(await mayRead(ctx))) return;
    const arg = ctx.match.trim();
    const filter = parseFilter(arg);
    if (!filter) {
      await ctx.reply(ctx.t("audit:badArgument"));
      return;
    }
    const view = await pageView(ctx, filter, 0);
    await replyHtml(ctx, view.text, { reply_markup: view.keyboard });
  });
  composer.callbackQuery(PAGE, async (ctx) => {
    if (!(await mayRead(ctx))) return;
    const [, mode, value, page] = ctx.match;
    const filter = mode === "a" ? parseFilter("") : parseFilter(value ?? "");
    if (!filter || (mode === "p") !== (filter.kind === "person")) {
      await ctx.answerCallbackQuery({ text: ctx.t("audit:badArgument"), show_alert: true }).catch(() => {});
      return;
    }
    await ctx.answerCallbackQuery().catch(() => {});
    const view = await pageView(ctx, filter, Number(page));
    await editHtml(ctx, view.text, { reply_markup: view.keyboard });
  });
  return composer;
}

async function mayRead(ctx: BotContext): Promise<boolean> {
  if (ctx.scopes.some((s) => s.role === "national_admin")) return true;
  await denyAccess(ctx, "audit", ctx.scopes.length ? "role_not_appointable" : "no_role");
  return false;
}

/** "" → everything; digits → a person; an id or code → a record; anything else → null (explained to the user). */
export function parseFilter(arg: string): AuditFilter | null {
  if (arg === "") return { kind: "all" };
  if (PERSON_RE.test(arg)) return { kind: "person", telegramId: Number(arg) };
  if (REF_RE.test(arg)) return { kind: "record", ref: arg };
  return null;
}

function pageData(filter: AuditFilter, page: number): string {
  if (filter.kind === "all") return `au:a:${page}`;
  if (filter.kind === "person") return `au:p:${filter.telegramId}:${page}`;
  return `au:r:${filter.ref}:${page}`;
}

async function pageView(ctx: BotContext, filter: AuditFilter, page: number): Promise<{ text: string; keyboard: InlineKeyboard }> {
  const result = await ctx.deps.services.audit.page(filter, page, AUDIT_PAGE_SIZE);
  const people = result.entries.flatMap((e) => (e.actorId !== null ? [e.actorId] : []));
  if (filter.kind === "person") people.push(filter.telegramId);
  const names = await ctx.deps.services.rollups.labels(ctx.lang, people);
  const heading =
    filter.kind === "all"
      ? ctx.t("audit:header.all", { page: result.page + 1 })
      : filter.kind === "person"
        ? ctx.t("audit:header.person", { name: escapeHtml(names.person(filter.telegramId)), id: filter.telegramId, page: result.page + 1 })
        : ctx.t("audit:header.record", { ref: escapeHtml(filter.ref), page: result.page + 1 });
  const lines = result.entries.map((e) => entryLine(ctx, e, (id) => names.person(id)));
  const body = lines.length ? lines.join("\n\n") : ctx.t(result.page === 0 ? "audit:empty" : "audit:noMore");
  const keyboard = new InlineKeyboard();
  if (result.page > 0) keyboard.text(ctx.t("audit:newer"), pageData(filter, result.page - 1));
  if (result.hasMore) keyboard.text(ctx.t("audit:older"), pageData(filter, result.page + 1));
  return { text: `${heading}\n\n${body}\n\n${ctx.t("audit:hint")}`, keyboard };
}

function entryLine(ctx: BotContext, e: AuditRecord, person: (id: number) => string): string {
  const when = escapeHtml(formatWhen(ctx.lang, ctx.deps.timeZone, e.at));
  const who = e.actorId === null ? ctx.t("audit:system") : `${escapeHtml(person(e.actorId))} (<code>${e.actorId}</code>)`;
  const action = ctx.t(`audit:action.${e.action.replace(/\./g, "_")}`, { defaultValue: e.action });
  const outcome = ctx.t(`audit:outcome.${e.outcome}`);
  const reason = e.reason ? ` · ${escapeHtml(ctx.t(`audit:reason.${e.reason}`, { defaultValue: e.reason }))}` : "";
  const details = detailText(e.details);
  return `<b>${when}</b> · ${who}\n${outcome} ${escapeHtml(action)} <code>${escapeHtml(e.action)}</code>${reason}${details ? `\n<code>${escapeHtml(details)}</code>` : ""}`;
}

/** The details as key=value, short: enough to tell entries apart and to copy an id into /audit. */
function detailText(details: Record<string, unknown> | undefined): string {
  if (!details) return "";
  const parts = Object.entries(details)
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`);
  const text = parts.join(" ");
  return text.length > DETAIL_MAX ? `${text.slice(0, DETAIL_MAX - 1)}…` : text;
}
