// A throwaway PostgreSQL cluster from Debian's packages (/usr/lib/postgresql/<version>/bin), for FerretDB's
// PostgreSQL backend in the tests and the benchmarks. FerretDB on PostgreSQL uses indexes for finds and updates
// and lets writers run side by side, where its SQLite backend scans and serialises them.
import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./localServer.js";

const run = promisify(execFile);

const DEBIAN_ROOT = "/usr/lib/postgresql";

export interface PostgresCluster {
  /** A libpq URL for FerretDB's --postgresql-url. */
  url: string;
  /** The postmaster's process id (benchmarks read the cluster's CPU time from it). */
  pid: number;
  /** Runs SQL in the cluster's database (as the `postgres` user). */
  psql(sql: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * FerretDB 1.24 turns `{field: value}` into `_jsonb -> 'field' @> value` and makes its own indexes as btrees on
 * `_jsonb -> 'field'`, which that operator cannot use: every lookup, `_id`'s included, scans the table
 * (FerretDB/FerretDB#4646; measured 1.4, 3.3 and 11.9 ms per find by _id at 1,000, 10,000 and 30,000 documents).
 * A GIN index on the same expression serves `@>`: 1.7-1.8 ms at any of those sizes.
 */
export const FERRETDB_GIN_FIELDS = [
  "_id",
  // The equalities the rollups' running totals read by (services/rollupTotals.ts): a seat's events and reports,
  // a day's seat days, a seat's days.
  "code",
  "day",
  "seat",
] as const;

/**
 * Adds a GIN index on each of FERRETDB_GIN_FIELDS to every FerretDB table that lacks it (run it again after new
 * collections appear), replacing one an earlier version made, then refreshes the statistics, and makes the
 * database plan every query for its own values (from FerretDB's next connection on). A table without the field gets
 * a small index of nulls.
 * - jsonb_path_ops: one index entry per path and value, so `_id @> {"$o": "…"}` (an ObjectId) is one lookup; the
 *   default jsonb_ops indexes keys and values apart, and every ObjectId shares the key "$o": a lookup read the
 *   posting list of the whole table (5.6 ms per find by _id of 28,000 events, 4 December).
 * - fastupdate off: with it on (PostgreSQL's default) new entries wait in a pending list that every lookup reads
 *   through (up to 4 MB of it until a vacuum merges it), and the hot path writes a conversation log and calendars
 *   at every step and reads by _id right after (bench-updates --gin, 10,000 people: 75 updates/s with it off, 66 on).
 * - plan_cache_mode force_custom_plan: FerretDB sends `_jsonb -> $1 @> $2` as a prepared statement; once PostgreSQL
 *   settles on a generic plan, `_jsonb -> $1` no longer matches the index's `_jsonb -> '_id'` and every lookup
 *   scans (24 ms per find by _id of 28,000 events; 69 updates/s at 10,000 people, 104 with the setting).
 */
export const FERRETDB_GIN_SQL = `DO $$
DECLARE r record; f text; idx text; old text;
BEGIN
  FOR r IN SELECT schemaname, tablename FROM pg_tables
           WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND tablename NOT LIKE '\\_ferretdb%'
  LOOP
    FOREACH f IN ARRAY ARRAY[${FERRETDB_GIN_FIELDS.map((f) => `'${f}'`).join(", ")}] LOOP
      idx := left(r.tablename, 45) || '_' || trim(both '_' from f) || '_pgin';
      old := left(r.tablename, 45) || '_' || trim(both '_' from f) || '_gin';
      EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I.%I USING gin ((_jsonb -> %L) jsonb_path_ops) WITH (fastupdate = off)', idx, r.schemaname, r.tablename, f);
      -- An index of an earlier version (jsonb_ops): the new one serves the same queries better.
      EXECUTE format('DROP INDEX IF EXISTS %I.%I', r.schemaname, old);
    END LOOP;
  END LOOP;
  EXECUTE format('ALTER DATABASE %I SET plan_cache_mode = force_custom_plan', current_database());
END $$;
ANALYZE;`;

export interface PostgresClusterOptions {
  /** Durability off (fsync, synchronous commit, full page writes): for tests and benchmarks, never for data kept. */
  throwaway?: boolean;
  /** Loads pg_stat_statements (the time spent per statement; for benchmarks). */
  trackStatements?: boolean;
  log?: (message: string) => void;
}

/** The folder of the newest PostgreSQL's programs, or undefined when none is installed. */
export function findPostgres(): string | undefined {
  if (!existsSync(DEBIAN_ROOT)) return undefined;
  const version = readdirSync(DEBIAN_ROOT)
    .filter((v) => existsSync(path.join(DEBIAN_ROOT, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a))[0];
  return version === undefined ? undefined : path.join(DEBIAN_ROOT, version, "bin");
}

/** Creates a cluster in `dir` (which must not hold one yet) on a private port and socket folder, and starts it. */
export async function startPostgresCluster(dir: string, options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
  const log = options.log ?? (() => {});
  const bin = findPostgres();
  if (!bin) throw new Error(`no PostgreSQL under ${DEBIAN_ROOT}/*/bin`);
  // PostgreSQL refuses to run as root: as root, its programs run as the `postgres` user, owning the folder.
  const asRoot = process.getuid?.() === 0;
  const pg = (name: string, args: string[]) =>
    asRoot ? run("runuser", ["-u", "postgres", "--", path.join(bin, name), ...args]) : run(path.join(bin, name), args);
  const data = path.join(dir, "data");
  const sockets = path.join(dir, "sockets");
  mkdirSync(sockets, { recursive: true });
  if (asRoot) {
    const uid = Number((await run("id", ["-u", "postgres"])).stdout.trim());
    const gid = Number((await run("id", ["-g", "postgres"])).stdout.trim());
    for (const p of [dir, sockets]) chownSync(p, uid, gid);
  }
  await pg("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-instructions"]);
  const port = await freePort();
  // plan_cache_mode: FerretDB's lookups use the GIN indexes only when planned for their values (FERRETDB_GIN_SQL).
  const settings = [`-p ${port}`, `-k ${sockets}`, "-c listen_addresses=127.0.0.1", "-c plan_cache_mode=force_custom_plan"];
  if (options.throwaway) settings.push("-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off");
  if (options.trackStatements) settings.push("-c shared_preload_libraries=pg_stat_statements", "-c pg_stat_statements.track=all");
  await pg("pg_ctl", ["-D", data, "-l", path.join(dir, "log"), "-w", "-t", "60", "-o", settings.join(" "), "start"]);
  const stop = async () => {
    await pg("pg_ctl", ["-D", data, "-m", options.throwaway ? "immediate" : "fast", "-w", "stop"]).catch((err: unknown) => log(`pg_ctl stop: ${String(err)}`));
  };
  try {
    await pg("createdb", ["-h", sockets, "-p", String(port), "-U", "postgres", "ferretdb"]);
    const pid = Number(readFileSync(path.join(data, "postmaster.pid"), "utf8").split("\n")[0]);
    log(`PostgreSQL (${bin}) on 127.0.0.1:${port}, cluster in ${data}`);
    const psql = async (sql: string) => {
      await pg("psql", ["-h", sockets, "-p", String(port), "-U", "postgres", "-d", "ferretdb", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]);
    };
    return { url: `postgres://postgres@127.0.0.1:${port}/ferretdb`, pid, psql, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
