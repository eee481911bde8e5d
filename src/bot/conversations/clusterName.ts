// Naming a cluster (new, or renamed): English name, then Hindi name. The key of a new cluster is derived from the
// English name, so it stays short ASCII for callback data.
import { MapError } from "../../services/mapService.js";
import type { AppContext } from "../context.js";
import { escapeHtml } from "../format.js";
import { askText, load, type Conv } from "./prompts.js";

export const CLUSTER_CREATE = "clusterCreate";
export const CLUSTER_RENAME = "clusterRename";

export function clusterKeyFrom(englishName: string): string {
  const slug = englishName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 20)
    .replace(/-+$/g, "");
  return slug || "cluster";
}

async function askNames(conversation: Conv, ctx: AppContext): Promise<{ en: string; hi: string }> {
  const en = await askText(conversation, ctx, { prompt: ctx.t("clusters:askNameEn"), min: 2, max: 64 });
  const hi = await askText(conversation, ctx, { prompt: ctx.t("clusters:askNameHi"), min: 2, max: 64 });
  return { en, hi };
}

export async function clusterCreateConversation(conversation: Conv, ctx: AppContext): Promise<void> {
  const name = await askNames(conversation, ctx);
  const actorId = ctx.from!.id;
  const result = await load(conversation, async (c) => {
    const existing = new Set((await c.deps.services.map.listClusters()).map((cl) => cl.key));
    const base = clusterKeyFrom(name.en);
    let key = base;
    for (let i = 2; existing.has(key); i++) key = `${base.slice(0, 17)}-${i}`;
    try {
      await c.deps.services.map.createCluster({ key, name });
    } catch (err) {
      if (err instanceof MapError) return { ok: false as const, code: err.code };
      throw err;
    }
    await c.deps.services.audit.record({ actorId, action: "cluster.create", outcome: "ok", details: { key, name } });
    return { ok: true as const, key };
  });
  await ctx.reply(
    result.ok ? ctx.t("clusters:created", { name: escapeHtml(name[ctx.lang]) }) : ctx.t("clusters:failed", { code: result.code }),
    { parse_mode: "HTML" },
  );
}

export async function clusterRenameConversation(conversation: Conv, ctx: AppContext, key: string): Promise<void> {
  const name = await askNames(conversation, ctx);
  const actorId = ctx.from!.id;
  const result = await load(conversation, async (c) => {
    try {
      await c.deps.services.map.renameCluster(key, name);
    } catch (err) {
      if (err instanceof MapError) return { ok: false as const, code: err.code };
      throw err;
    }
    await c.deps.services.audit.record({ actorId, action: "cluster.rename", outcome: "ok", details: { key, name } });
    return { ok: true as const };
  });
  await ctx.reply(
    result.ok ? ctx.t("clusters:renamed", { name: escapeHtml(name[ctx.lang]) }) : ctx.t("clusters:failed", { code: result.code }),
    { parse_mode: "HTML" },
  );
}
