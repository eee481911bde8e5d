// Picks a territory by buttons, narrowing country → state → PC → AC as far as the wanted level, offering only
// what lies within the states the caller allows.
import { COUNTRY, type TerritoryRef } from "../../domain/territory.js";
import { compareNames } from "../../domain/language.js";
import type { TerritoryLevel } from "../../domain/roles.js";
import type { AppContext } from "../context.js";
import { choose, load, type Choice, type Conv } from "./prompts.js";

export interface PickTerritoryOptions {
  level: TerritoryLevel;
  /** State codes the person may choose from; undefined = all. */
  allowedStates?: readonly string[] | undefined;
  /** Cluster keys the person may choose from (level "cluster"); undefined = all. */
  allowedClusters?: readonly string[] | undefined;
}

export async function pickTerritory(conversation: Conv, ctx: AppContext, opts: PickTerritoryOptions): Promise<TerritoryRef> {
  const { level } = opts;
  if (level === "country") return COUNTRY;
  const lang = ctx.lang;
  const byName = compareNames(lang);

  if (level === "cluster") {
    const clusters = await load(conversation, (c) => c.deps.services.map.listClusters());
    const choices = clusters
      .filter((c) => !opts.allowedClusters || opts.allowedClusters.includes(c.key))
      .map((c) => ({ label: c.name[lang], value: c.key }));
    const code = await choose(conversation, ctx, { prompt: ctx.t("picker:cluster"), choices, columns: 2 });
    return { level: "cluster", code };
  }

  const states = await load(conversation, (c) => c.deps.services.map.listStates());
  const stateChoices: Choice[] = states
    .filter((s) => !opts.allowedStates || opts.allowedStates.includes(s.code))
    .filter((s) => level !== "ac" || s.acCount > 0)
    .map((s) => ({ label: lang === "hi" ? s.nameHi : s.name, value: s.code }))
    // Sorted by the name the reader sees: a Hindi reader finds उत्तर प्रदेश among the उ, not where "Uttar" would be.
    .sort((a, b) => byName(a.label, b.label));
  const stateCode =
    stateChoices.length === 1
      ? stateChoices[0]!.value
      : await choose(conversation, ctx, { prompt: ctx.t("picker:state"), choices: stateChoices, columns: 2, pageSize: 12, searchable: true });
  if (level === "state") return { level: "state", code: stateCode };

  const pcs = await load(conversation, (c) => c.deps.services.map.listPcs(stateCode));
  const pcChoices = pcs.map((p) => ({ label: `${p.no}. ${p.name}`, value: p.code }));
  const pcCode =
    pcChoices.length === 1
      ? pcChoices[0]!.value
      : await choose(conversation, ctx, { prompt: ctx.t("picker:pc"), choices: pcChoices, columns: 2, pageSize: 12, searchable: true });
  if (level === "pc") return { level: "pc", code: pcCode };

  const acs = await load(conversation, (c) => c.deps.services.map.listAcs(pcCode));
  const acChoices = acs.map((a) => ({ label: `${a.no}. ${a.name}`, value: a.code }));
  const acCode = await choose(conversation, ctx, { prompt: ctx.t("picker:ac"), choices: acChoices, columns: 2, pageSize: 12, searchable: true });
  return { level: "ac", code: acCode };
}
