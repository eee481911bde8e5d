// The sandbox never writes into the database the real bot uses: its demo people hold real roles (a national office
// admin among them) and its demo events would count in real rollups. Without MONGODB_URI its local server keeps its
// data in DATA_DIR/sandbox/db instead of DATA_DIR/db; with MONGODB_URI it uses the same server but the database
// "<name>_sandbox".
import path from "node:path";
import type { Config } from "../config.js";

/** Database name used when the URI names none (the app's local server uses "sanyojak"). */
const DEFAULT_DB = "sanyojak";

export function withSandboxDatabase(config: Config): Config {
  if (!config.mongodbUri) return { ...config, dataDir: path.join(config.dataDir, "sandbox") };
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
