// /clusters: national office admins edit the cluster layout (which states form which cluster) with buttons.
// Stateless callbacks: every tap re-reads the layout and re-checks that the tapper is a national office admin.
import { Composer, InlineKeyboard } from "grammy";
import type { BotContext } from "../context.js";
import { escapeHtml, personName } from "../format.js";
import { compareNames } from "../../domain/language.js";
import { denyAccess } from "../middleware/deny.js";
import { installConversation, busy, unlessBusy } from "./conversationEntry.js";
import {
  CLUSTER_CREATE,
  CLUSTER_RENAME,
  clusterCreateConversation,
  clusterRenameConversation,
} from "../conversations/clusterName.js";
import { MapError, type ClusterInfo } from "../../services/mapService.js";
import { editHtml, replyHtml } from "../reply.js";

const PAGE = 12;
const KEY = "([a-z0-9-]{1,20})";
const STATE = "(IN-[A-Z]{2})";

export function clustersFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  for (const [id, builder] of [
    [CLUSTER_CREATE, clusterCreateConversation],
    [CLUSTER_RENAME, clusterRenameConversation],
  ] as const) {
    composer.use(
      installConversation(id, builder),
    );
  }

  composer.command("clusters", async (ctx) => {
    if (!(await isNational(ctx, "clusters.open"))) return;
    const view = await listView(ctx);
    await replyHtml(ctx, view.text, { reply_markup: view.keyboard });
  });

  const on = (pattern: RegExp, action: string, handler: (ctx: BotContext, m: RegExpMatchArray) => Promise<void>) => {
    composer.callbackQuery(pattern, async (ctx, next) => {
      // Naming a cluster is a conversation: only one runs per chat.
      if ((action === "clusters.create" || action === "clusters.rename") && busy(ctx)) return unlessBusy(ctx, next, async () => {});
      if (!(await isNational(ctx, action))) return;
      try {
        await handler(ctx, ctx.match as RegExpMatchArray);
      } catch (err) {
        if (!(err instanceof MapError)) throw err;
        await ctx.answerCallbackQuery({ text: ctx.t("clusters:failed", { code: err.code }), show_alert: true });
      }
    });
  };

  on(/^cl:l$/, "clusters.list", async (ctx) => {
    await show(ctx, await listView(ctx));
  });
  on(new RegExp(`^cl:v:${KEY}$`), "clusters.view", async (ctx, m) => {
    await show(ctx, await clusterView(ctx, m[1]!));
  });
  on(new RegExp(`^cl:a:${KEY}:(\\d{1,2})$`), "clusters.add", async (ctx, m) => {
    await show(ctx, await addView(ctx, m[1]!, Number(m[2])));
  });
  on(new RegExp(`^cl:m:${KEY}:${STATE}$`), "clusters.move", async (ctx, m) => {
    const [key, state] = [m[1]!, m[2]!];
    await ctx.deps.services.map.moveState(state, key);
    await audit(ctx, "cluster.moveState", { key, state });
    await show(ctx, await clusterView(ctx, key), ctx.t("clusters:moved"));
  });
  on(new RegExp(`^cl:r:${KEY}$`), "clusters.remove", async (ctx, m) => {
    await show(ctx, await removeView(ctx, m[1]!));
  });
  on(new RegExp(`^cl:x:${KEY}:${STATE}$`), "clusters.remove", async (ctx, m) => {
    const [key, state] = [m[1]!, m[2]!];
    const cluster = await ctx.deps.services.map.getCluster(key);
    if (cluster) {
      await ctx.deps.services.map.setClusterStates(key, cluster.stateCodes.filter((s) => s !== state));
      await audit(ctx, "cluster.removeState", { key, state });
    }
    await show(ctx, await clusterView(ctx, key), ctx.t("clusters:removed"));
  });
  on(/^cl:c$/, "clusters.create", async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.conversation.enter(CLUSTER_CREATE);
  });
  on(new RegExp(`^cl:n:${KEY}$`), "clusters.rename", async (ctx, m) => {
    await ctx.answerCallbackQuery();
    await ctx.conversation.enter(CLUSTER_RENAME, m[1]!);
  });
  on(new RegExp(`^cl:d:${KEY}$`), "clusters.delete", async (ctx, m) => {
    const key = m[1]!;
    const heads = await ctx.deps.services.people.listWithRolesIn([], [key]);
    if (heads.length > 0) {
      await ctx.answerCallbackQuery({ text: ctx.t("clusters:hasHeads", { count: heads.length }), show_alert: true });
      return;
    }
    await ctx.deps.services.map.deleteCluster(key);
    await audit(ctx, "cluster.delete", { key });
    await show(ctx, await listView(ctx), ctx.t("clusters:deleted"));
  });

  return composer;
}

async function isNational(ctx: BotContext, action: string): Promise<boolean> {
  if (ctx.scopes.some((s) => s.role === "national_admin")) return true;
  await denyAccess(ctx, action, ctx.scopes.length ? "role_not_appointable" : "no_role");
  return false;
}

async function audit(ctx: BotContext, action: string, details: Record<string, unknown>): Promise<void> {
  await ctx.deps.services.audit.record({ actorId: ctx.from?.id ?? null, action, outcome: "ok", details, updateId: ctx.update.update_id });
}

interface View {
  text: string;
  keyboard: InlineKeyboard;
}

async function show(ctx: BotContext, view: View, toast?: string): Promise<void> {
  await ctx.answerCallbackQuery(toast ? { text: toast } : undefined);
  await editHtml(ctx, view.text, { reply_markup: view.keyboard });
}

/** State names in the reader's language, in the reader's alphabetical order. */
async function stateNames(ctx: BotContext): Promise<Map<string, string>> {
  const states = await ctx.deps.services.map.listStates();
  const byName = compareNames(ctx.lang);
  return new Map(states.map((s) => [s.code, ctx.lang === "hi" ? s.nameHi : s.name] as const).sort((a, b) => byName(a[1], b[1])));
}

async function listView(ctx: BotContext): Promise<View> {
  const clusters = await ctx.deps.services.map.listClusters();
  const names = await stateNames(ctx);
  const assigned = new Set(clusters.flatMap((c) => c.stateCodes));
  const unassigned = [...names.keys()].filter((c) => !assigned.has(c));
  const lines = clusters.map((c) => `• <b>${escapeHtml(c.name[ctx.lang])}</b> — ${ctx.t("clusters:stateCount", { count: c.stateCodes.length })}`);
  if (unassigned.length) {
    lines.push("", ctx.t("clusters:unassigned", { states: escapeHtml(unassigned.map((c) => names.get(c)).join(", ")) }));
  }
  const keyboard = new InlineKeyboard();
  clusters.forEach((c, i) => {
    if (i > 0 && i % 2 === 0) keyboard.row();
    keyboard.text(c.name[ctx.lang], `cl:v:${c.key}`);
  });
  keyboard.row().text(ctx.t("clusters:new"), "cl:c");
  return { text: `${ctx.t("clusters:header")}\n\n${lines.join("\n")}`, keyboard };
}

async function requireCluster(ctx: BotContext, key: string): Promise<ClusterInfo> {
  const cluster = await ctx.deps.services.map.getCluster(key);
  if (!cluster) throw new MapError("unknown_cluster", key);
  return cluster;
}

async function clusterView(ctx: BotContext, key: string): Promise<View> {
  const cluster = await requireCluster(ctx, key);
  const names = await stateNames(ctx);
  const heads = await ctx.deps.services.people.listWithRolesIn([], [key]);
  const states = cluster.stateCodes.map((c) => names.get(c) ?? c).sort(compareNames(ctx.lang));
  const text = ctx.t("clusters:view", {
    name: escapeHtml(cluster.name[ctx.lang]),
    other: escapeHtml(cluster.name[ctx.lang === "hi" ? "en" : "hi"]),
    states: escapeHtml(states.join(", ") || "—"),
    heads: escapeHtml(heads.map(personName).join(", ") || "—"),
  });
  const keyboard = new InlineKeyboard()
    .text(ctx.t("clusters:addState"), `cl:a:${key}:0`)
    .text(ctx.t("clusters:removeState"), `cl:r:${key}`)
    .row()
    .text(ctx.t("clusters:rename"), `cl:n:${key}`);
  if (cluster.stateCodes.length === 0) keyboard.text(ctx.t("clusters:delete"), `cl:d:${key}`);
  keyboard.row().text(ctx.t("clusters:back"), "cl:l");
  return { text, keyboard };
}

async function addView(ctx: BotContext, key: string, page: number): Promise<View> {
  const cluster = await requireCluster(ctx, key);
  const clusters = await ctx.deps.services.map.listClusters();
  const owner = new Map(clusters.flatMap((c) => c.stateCodes.map((s) => [s, c.name[ctx.lang]] as const)));
  const names = await stateNames(ctx);
  const candidates = [...names.entries()].filter(([code]) => !cluster.stateCodes.includes(code));
  const pages = Math.max(1, Math.ceil(candidates.length / PAGE));
  const current = Math.min(page, pages - 1);
  const keyboard = new InlineKeyboard();
  candidates.slice(current * PAGE, (current + 1) * PAGE).forEach(([code, name], i) => {
    if (i > 0 && i % 2 === 0) keyboard.row();
    const from = owner.get(code);
    keyboard.text(from ? `${name} (${from})` : name, `cl:m:${key}:${code}`);
  });
  keyboard.row();
  if (current > 0) keyboard.text("◀", `cl:a:${key}:${current - 1}`);
  if (current < pages - 1) keyboard.text("▶", `cl:a:${key}:${current + 1}`);
  keyboard.row().text(ctx.t("clusters:back"), `cl:v:${key}`);
  return { text: ctx.t("clusters:chooseAdd", { name: escapeHtml(cluster.name[ctx.lang]) }), keyboard };
}

async function removeView(ctx: BotContext, key: string): Promise<View> {
  const cluster = await requireCluster(ctx, key);
  const names = await stateNames(ctx);
  const keyboard = new InlineKeyboard();
  const byName = compareNames(ctx.lang);
  const label = (code: string) => names.get(code) ?? code;
  [...cluster.stateCodes].sort((a, b) => byName(label(a), label(b))).forEach((code, i) => {
    if (i > 0 && i % 2 === 0) keyboard.row();
    keyboard.text(names.get(code) ?? code, `cl:x:${key}:${code}`);
  });
  keyboard.row().text(ctx.t("clusters:back"), `cl:v:${key}`);
  return { text: ctx.t("clusters:chooseRemove", { name: escapeHtml(cluster.name[ctx.lang]) }), keyboard };
}
