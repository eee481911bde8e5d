// Programmes (स्नेह संवाद, सूफ़ी संवाद, ...) and attendee categories as data. The defaults in data/programmes.json go
// into empty collections only, like the map's clusters: once the national office has added or hidden items, a
// re-seed leaves them be. Adding an item is a single insert on a unique key, so a double tap adds it once.
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Model } from "mongoose";
import type { Models } from "../db/models/index.js";
import type { LocalName, ProgrammeItemDoc } from "../db/models/programme.js";
import { checkName, slugKey } from "../domain/events/index.js";
import { isDuplicateKey } from "./claims.js";
import { DEFAULT_DATA_DIR } from "./mapService.js";

export type ItemKind = "programme" | "category";
export type ProgrammeItem = Pick<ProgrammeItemDoc, "key" | "name" | "active" | "order">;

export const ITEM_KEY_RE = /^[a-z0-9-]{1,24}$/;

export type AddItemResult =
  | { ok: true; item: ProgrammeItem; created: boolean }
  | { ok: false; reason: "bad_name" | "bad_key" | "duplicate_name" };

export interface ProgrammeService {
  /** Inserts the defaults into whichever of the two collections is empty. Safe to run again and concurrently. */
  seedDefaults(options?: { dataDir?: string }): Promise<{ programmes: number; categories: number }>;
  /** Active items by default, in menu order. Seeds the defaults first if nothing was ever stored. */
  list(kind: ItemKind, options?: { includeHidden?: boolean }): Promise<ProgrammeItem[]>;
  get(kind: ItemKind, key: string): Promise<ProgrammeItem | null>;
  /** Adds an item; its key is made from the English name. Adding the same names again is not an error. */
  add(kind: ItemKind, name: LocalName, by: number | null): Promise<AddItemResult>;
  setActive(kind: ItemKind, key: string, active: boolean): Promise<boolean>;
}

interface DefaultsFile {
  programmes: { key: string; name: LocalName }[];
  categories: { key: string; name: LocalName }[];
}

export function createProgrammeService(models: Models, now: () => Date): ProgrammeService {
  const modelOf = (kind: ItemKind): Model<ProgrammeItemDoc> => (kind === "programme" ? models.Programme : models.AttendeeCategory);
  const fields = { _id: 0, key: 1, name: 1, active: 1, order: 1 } as const;
  // Once a collection is known to hold items it stays so (items are hidden, never deleted): skip the count. The check
  // in progress is shared, so reads made at once (an update's first) count once.
  const known = new Map<ItemKind, Promise<void>>();

  async function seedDefaults(options?: { dataDir?: string }) {
    const file = await readDefaults(options?.dataDir ?? DEFAULT_DATA_DIR);
    const programmes = await seedOne(modelOf("programme"), file.programmes, now());
    const categories = await seedOne(modelOf("category"), file.categories, now());
    return { programmes, categories };
  }

  function ensureSeeded(kind: ItemKind): Promise<void> {
    let check = known.get(kind);
    if (!check) {
      check = (async () => {
        if ((await modelOf(kind).countDocuments({})) === 0) await seedDefaults();
      })();
      known.set(kind, check);
      // A failed check is tried again by the next read.
      check.catch(() => known.delete(kind));
    }
    return check;
  }

  const normalise = (doc: ProgrammeItemDoc): ProgrammeItem => ({
    key: doc.key,
    name: doc.name,
    active: doc.active ?? true,
    order: doc.order ?? 0,
  });

  return {
    seedDefaults,

    async list(kind, options) {
      await ensureSeeded(kind);
      const docs = await modelOf(kind).find({}, fields).sort({ order: 1, key: 1 }).lean<ProgrammeItemDoc[]>();
      return docs.map(normalise).filter((d) => options?.includeHidden || d.active);
    },

    async get(kind, key) {
      await ensureSeeded(kind);
      const doc = await modelOf(kind).findOne({ key }, fields).lean<ProgrammeItemDoc>();
      return doc ? normalise(doc) : null;
    },

    async add(kind, name, by) {
      const hi = checkName(name.hi ?? "");
      const en = checkName(name.en ?? "");
      if (!hi.ok || !en.ok) return { ok: false, reason: "bad_name" };
      const key = slugKey(en.value);
      if (!ITEM_KEY_RE.test(key)) return { ok: false, reason: "bad_key" };
      await ensureSeeded(kind);
      const model = modelOf(kind);
      const count = await model.countDocuments({});
      const item: ProgrammeItem = { key, name: { hi: hi.value, en: en.value }, active: true, order: count };
      try {
        await model.create({ ...item, createdBy: by, createdAt: now() });
        return { ok: true, item, created: true };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const existing = await model.findOne({ key }, fields).lean<ProgrammeItemDoc>();
        // The same names again (a double tap, a replay): already done. Another item with that English name: refuse.
        if (existing && existing.name.hi === item.name.hi && existing.name.en === item.name.en) {
          return { ok: true, item: normalise(existing), created: false };
        }
        return { ok: false, reason: "duplicate_name" };
      }
    },

    async setActive(kind, key, active) {
      const res = await modelOf(kind).updateOne({ key }, { $set: { active } });
      return res.matchedCount === 1;
    },
  };
}

async function seedOne(model: Model<ProgrammeItemDoc>, items: DefaultsFile["programmes"], at: Date): Promise<number> {
  if ((await model.countDocuments({})) > 0) return 0;
  const docs = items.map((it, order) => ({ ...it, active: true, order, createdBy: null, createdAt: at }));
  try {
    await model.insertMany(docs, { ordered: false });
  } catch (err) {
    // Two starts seeding at once: the unique key kept one of each.
    if (!isDuplicateKey(err)) throw err;
  }
  return docs.length;
}

/** data/programmes.json: {programmes: [{key, name: {hi, en}}], categories: [...]}. Checked before anything is written. */
export async function readDefaults(dataDir: string): Promise<DefaultsFile> {
  const raw = JSON.parse(await readFile(path.join(dataDir, "programmes.json"), "utf8")) as Partial<DefaultsFile>;
  const problems: string[] = [];
  const check = (what: string, list: unknown) => {
    if (!Array.isArray(list)) {
      problems.push(`programmes.json: ${what} must be an array`);
      return [];
    }
    const keys = new Set<string>();
    for (const [i, it] of list.entries()) {
      const item = it as { key?: unknown; name?: { hi?: unknown; en?: unknown } };
      const key = typeof item?.key === "string" ? item.key : "";
      if (!ITEM_KEY_RE.test(key)) problems.push(`programmes.json: ${what}[${i}] key "${key}" must match ${ITEM_KEY_RE}`);
      if (keys.has(key)) problems.push(`programmes.json: ${what} key "${key}" appears twice`);
      keys.add(key);
      if (typeof item?.name?.hi !== "string" || typeof item?.name?.en !== "string") {
        problems.push(`programmes.json: ${what}[${i}] needs name.hi and name.en`);
      }
    }
    return list as DefaultsFile["programmes"];
  };
  const programmes = check("programmes", raw.programmes);
  const categories = check("categories", raw.categories);
  if (problems.length) throw new Error(problems.join("; "));
  return { programmes, categories };
}
