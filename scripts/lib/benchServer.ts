// The database server a benchmark runs on: FerretDB 1.24.2 on SQLite files in a temporary folder, or on a throwaway
// PostgreSQL cluster (Debian's), optionally with GIN indexes on every table's _id (FerretDB's own indexes are never
// used; src/db/postgresCluster.ts). Everything is removed on stop().
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { defaultCacheDir, ensureFerretDb, startFerretDb, type LocalServer } from "../../src/db/localServer.js";
import { FERRETDB_GIN_SQL, startPostgresCluster, type PostgresCluster } from "../../src/db/postgresCluster.js";

export type BenchBackend = "sqlite" | "postgresql";

export interface BenchServer {
  backend: BenchBackend;
  uri: string;
  ferretPid: number;
  /** The PostgreSQL postmaster's pid (0 on SQLite). */
  postgresPid: number;
  /** GIN indexes on every table's _id, for the tables there are now (PostgreSQL only; nothing on SQLite). */
  indexIds(): Promise<void>;
  /** Runs SQL in FerretDB's PostgreSQL database (nothing on SQLite). */
  psql(sql: string): Promise<void>;
  stop(): Promise<void>;
}

export function parseBackend(value: string): BenchBackend {
  if (value !== "sqlite" && value !== "postgresql") throw new Error(`--backend: sqlite or postgresql, not ${value}`);
  return value;
}

/**
 * BENCH_PG_STATEMENTS=<file> (PostgreSQL only): on stop, the 30 statements the server spent most time on (with
 * pg_stat_statements; seeding included) as CSV: total ms, calls, ms per call (wall time, CPU waits included), rows.
 */
export async function startBenchServer(backend: BenchBackend, log: (m: string) => void): Promise<BenchServer> {
  const statementsFile = process.env.BENCH_PG_STATEMENTS || undefined;
  const binary = await ensureFerretDb(defaultCacheDir(), log);
  if (!binary) throw new Error("no FerretDB binary and no Go to build one");
  const dir = mkdtempSync(path.join(os.tmpdir(), `sanyojak-bench-${backend}-`));
  let pg: PostgresCluster | undefined;
  let ferret: LocalServer;
  try {
    if (backend === "postgresql") pg = await startPostgresCluster(dir, { throwaway: true, trackStatements: statementsFile !== undefined, log });
    ferret = await startFerretDb(binary, path.join(dir, "ferretdb"), log, pg ? { handler: "postgresql", url: pg.url } : { handler: "sqlite" });
  } catch (err) {
    await pg?.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    backend,
    uri: ferret.uri,
    ferretPid: ferret.pid ?? 0,
    postgresPid: pg?.pid ?? 0,
    indexIds: async () => {
      if (pg) await pg.psql(FERRETDB_GIN_SQL);
    },
    psql: async (sql) => {
      if (pg) await pg.psql(sql);
    },
    stop: async () => {
      if (pg && statementsFile) {
        // Written by the server (as its user): a folder it may write to, such as /tmp.
        await pg.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        await pg.psql(
          `COPY (SELECT round(total_exec_time) AS total_ms, calls, round((total_exec_time / calls)::numeric, 2) AS ms_per_call, rows, ` +
            `left(regexp_replace(query, '\\s+', ' ', 'g'), 200) AS query FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 30) ` +
            `TO '${statementsFile.replace(/'/g, "''")}' WITH (FORMAT csv, HEADER)`,
        );
        log(`PostgreSQL's statements by time spent: ${statementsFile}`);
      }
      await ferret.stop();
      await pg?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
