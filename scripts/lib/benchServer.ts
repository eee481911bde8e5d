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

export async function startBenchServer(backend: BenchBackend, log: (m: string) => void): Promise<BenchServer> {
  const binary = await ensureFerretDb(defaultCacheDir(), log);
  if (!binary) throw new Error("no FerretDB binary and no Go to build one");
  const dir = mkdtempSync(path.join(os.tmpdir(), `sanyojak-bench-${backend}-`));
  let pg: PostgresCluster | undefined;
  let ferret: LocalServer;
  try {
    if (backend === "postgresql") pg = await startPostgresCluster(dir, { throwaway: true, log });
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
      await ferret.stop();
      await pg?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
