// The sandbox's database: kept apart from the real bot's, and new at every start.
//
// Apart, because its demo people hold real roles (a national office admin among them) and its demo events would
// count in real rollups. Without MONGODB_URI its local server keeps its data in DATA_DIR/sandbox/db instead of
// DATA_DIR/db; with MONGODB_URI it uses the same server but the database "<name>_sandbox".
//
// New at every start, because the local Bot API keeps its chats in memory: after a restart every chat is empty and
// message ids start again at 1, and the bot's exactly-once keys ("<chat>:<message>" of a confirm press) would then
// match presses from the previous run and silently return old events instead of creating new ones. With MONGODB_URI
// its collections are emptied rather than dropped, and the map's constituencies (read-only, synced with the data files
// by the seed at start-up) are kept: making some forty collections and seeding 4,700 constituencies again took most
// of a sandbox start on FerretDB.
import { rmSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config.js";
import { connectDatabase } from "../db/connection.js";
import { emptyForReuse } from "../db/emptyForReuse.js";
import { DEFAULT_DATA_DIR, readMapData } from "../services/mapService.js";

/** Database name used when the URI names none (the app's local server uses "sanyojak"). */
const DEFAULT_DB = "sanyojak";
const SANDBOX_DIR = "sandbox";

export function withSandboxDatabase(config: Config): Config {
  if (!config.mongodbUri) return { ...config, dataDir: path.join(config.dataDir, SANDBOX_DIR) };
  return { ...config, mongodbUri: sandboxUri(config.mongodbUri) };
}

/** mongodb://host:port,host2/name?opts → mongodb://host:port,host2/name_sandbox?opts (hosts may be a list). */
export function sandboxUri(uri: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]*)(?:\/([^?]*))?(\?.*)?$/.exec(uri);
  if (!match) throw new Error("MONGODB_URI is not a mongodb:// or mongodb+srv:// URI");
  const [, prefix, name, query = ""] = match;
  const base = name ? decodeURIComponent(name) : DEFAULT_DB;
  return `${prefix}/${encodeURIComponent(sandboxDbName(base))}${query}`;
}

export function sandboxDbName(name: string): string {
  return name.endsWith("_sandbox") ? name : `${name}_sandbox`;
}

/** Empties the sandbox's database but its map; `config` is the one withSandboxDatabase returned. */
export async function resetSandboxDatabase(config: Config): Promise<void> {
  if (config.mongodbUri) {
    if (!/_sandbox(\?|$)/.test(config.mongodbUri.split("/").pop() ?? "")) throw new Error("refusing to empty a database not named *_sandbox");
    const db = await connectDatabase({ uri: config.mongodbUri });
    try {
      const { State, Pc, Ac } = db.models;
      // Collections dropped because their indexes were an older version's are made again by start-up.
      await emptyForReuse(db, new Set([State, Pc, Ac].map((m) => m.collection.name)));
      // The clusters are editable (from the page, as the national office), so they start again from the defaults.
      // With the map there, start-up does not seed (and put them back) itself.
      if (await State.exists({})) await db.models.Cluster.insertMany((await readMapData(DEFAULT_DATA_DIR)).clusters);
    } finally {
      await db.close();
    }
    return;
  }
  // The local server is not running yet: its files can simply go.
  if (path.basename(config.dataDir) !== SANDBOX_DIR) throw new Error("refusing to delete a data folder not named sandbox");
  rmSync(path.join(config.dataDir, "db"), { recursive: true, force: true });
}
