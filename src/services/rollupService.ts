// Rollups as a use case: load a day's data once, compute the rollup of any number of scopes from it (the daily job
// does every cluster and the country from one load), and resolve the names a message about them needs.
import { trusted } from "mongoose";
import type { Models, PersonDoc } from "../db/models/index.js";
import { computeRollup, scopeStates } from "../domain/rollup/compute.js";
import type { Rollup, RollupNames, RollupScope } from "../domain/rollup/types.js";
import type { Language } from "../i18n.js";
import { createRollupDataSource, type RollupDataSource } from "./rollupData.js";
import type { RollupTotals } from "./rollupTotals.js";

export type { RollupNames };

export interface RollupService {
  /** Rollups of several scopes for one local day, from one read of the data. */
  compute(args: { day: string; zone: string; asOf: Date; scopes: readonly RollupScope[] }): Promise<Rollup[]>;
  names(rollups: readonly Rollup[], lang: Language): Promise<RollupNames>;
  /** The same names for messages about single events (reminders): people are those given. */
  labels(lang: Language, people: readonly number[]): Promise<RollupNames>;
  readonly data: RollupDataSource;
}

interface NamedTerritory {
  code: string;
  no: number;
  name: string;
  pcCode?: string;
}

/** With `totals`, rollups of a day not yet over come from the running totals (services/rollupData.ts). */
export function createRollupService(models: Models, totals?: RollupTotals): RollupService {
  const data = createRollupDataSource(models, totals);
  // Constituency names come only from the data files and do not change while running: read once.
  let territoryNames: Promise<Map<string, NamedTerritory>> | undefined;
  const loadTerritoryNames = () =>
    (territoryNames ??= (async () => {
      const [pcs, acs] = await Promise.all([
        models.Pc.find({}, { _id: 0, code: 1, no: 1, name: 1 }).lean<NamedTerritory[]>(),
        models.Ac.find({}, { _id: 0, code: 1, no: 1, name: 1, pcCode: 1 }).lean<NamedTerritory[]>(),
      ]);
      return new Map([...pcs, ...acs].map((t) => [t.code, t]));
    })().catch((err: unknown) => {
      territoryNames = undefined;
      throw err;
    }));

  return {
    data,

    async compute({ day, zone, asOf, scopes }) {
      if (scopes.length === 0) return [];
      const map = await data.loadMap();
      // One load for every scope: all states when the country or several clusters are asked for.
      const states = scopes.some((s) => s.level === "country")
        ? undefined
        : [...new Set(scopes.flatMap((s) => scopeStates(s, map)))];
      const input = await data.load({ day, zone, asOf, ...(states ? { stateCodes: states } : {}) });
      return scopes.map((scope) => computeRollup({ ...input, scope }));
    },

    names(rollups, lang) {
      return labels(lang, rollups.flatMap((r) => [...r.pending.listed.map((p) => p.createdBy), ...r.review.sentBack.map((b) => b.submittedBy)]));
    },
    labels,
  };

  async function labels(lang: Language, peopleIds: readonly number[]): Promise<RollupNames> {
    const people = [...new Set(peopleIds)];
    const [territories, states, clusters, programmes, categories, persons] = await Promise.all([
      loadTerritoryNames(),
      models.State.find({}, { _id: 0, code: 1, name: 1, nameHi: 1 }).lean<{ code: string; name: string; nameHi: string }[]>(),
      models.Cluster.find({}, { _id: 0, key: 1, name: 1 }).lean<{ key: string; name: { hi: string; en: string } }[]>(),
      models.Programme.find({}, { _id: 0, key: 1, name: 1 }).lean<{ key: string; name: { hi: string; en: string } }[]>(),
      models.AttendeeCategory.find({}, { _id: 0, key: 1, name: 1, order: 1 })
        .sort({ order: 1, key: 1 })
        .lean<{ key: string; name: { hi: string; en: string } }[]>(),
      people.length
        ? models.Person.find({ telegramId: trusted({ $in: people }) }, { _id: 0, telegramId: 1, firstName: 1, lastName: 1, username: 1 }).lean<
            Pick<PersonDoc, "telegramId" | "firstName" | "lastName" | "username">[]
          >()
        : Promise.resolve([]),
    ]);
    const stateName = new Map(states.map((s) => [s.code, lang === "hi" ? s.nameHi : s.name]));
    const clusterName = new Map(clusters.map((c) => [c.key, c.name?.[lang] ?? c.key]));
    const programmeName = new Map(programmes.map((p) => [p.key, p.name?.[lang] ?? p.key]));
    const personName = new Map(persons.map((p) => [p.telegramId, displayName(p)]));
    const numbered = (code: string) => {
      const t = territories.get(code);
      return t ? `${t.name} (${t.no})` : code;
    };
    return {
      lang,
      scope: (s) => (s.level === "country" ? "" : s.level === "cluster" ? (clusterName.get(s.code) ?? s.code) : (stateName.get(s.code) ?? s.code)),
      cluster: (key) => clusterName.get(key) ?? key,
      state: (code) => stateName.get(code) ?? code,
      pc: numbered,
      place: (p) => (p.acCode ? `${numbered(p.acCode)}, ${numbered(territories.get(p.acCode)?.pcCode ?? p.pcCode)}` : numbered(p.pcCode)),
      programme: (key) => programmeName.get(key) ?? key,
      categories: categories.map((c) => ({ key: c.key, name: c.name?.[lang] ?? c.key })),
      person: (id) => personName.get(id) || String(id),
    };
  }
}

function displayName(p: Pick<PersonDoc, "firstName" | "lastName" | "username" | "telegramId">): string {
  const name = [p.firstName, p.lastName].filter(Boolean).join(" ").trim();
  return name || (p.username ? `@${p.username}` : String(p.telegramId));
}
