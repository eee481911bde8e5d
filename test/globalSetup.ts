// Starts the test database server once for the whole run: TEST_MONGODB_URI if set; else a mongod on PATH; else
// FerretDB 1.24.2 (built with Go on first use) on a throwaway PostgreSQL cluster when Debian's PostgreSQL is
// installed, or on SQLite; else mongodb-memory-server's download. TEST_DB_BACKEND=sqlite|postgresql chooses.
// Each test file then opens its own database on it (test/helpers/db.ts).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { defaultCacheDir, ensureFerretDb, findMongod, startFerretDb, startLocalServer, type LocalServer } from "../src/db/localServer.js";
import { findPostgres, startPostgresCluster, type PostgresCluster } from "../src/db/postgresCluster.js";
import { BROWSER_SKIP_LINE, skipBrowserTests } from "./helpers/chromium.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The first server; mongoUris lists them all (test/helpers/db.ts spreads test files over them). */
    mongoUri: string;
    mongoUris: string[];
    mongoKind: string;
  }
}

// On SQLite, one server per test worker: that backend serialises writes, so two workers sharing one server mostly
// wait for each other. On PostgreSQL one FerretDB serves both. TEST_DB_SERVERS overrides the count.
const serverCount = (postgres: boolean) => Math.max(1, Number(process.env.TEST_DB_SERVERS ?? (postgres ? 1 : 2)));

const servers: LocalServer[] = [];
const dataDirs: string[] = [];
let cluster: PostgresCluster | undefined;

/**
 * FerretDB on PostgreSQL: its finds and updates use indexes and writers do not queue behind one lock, which made
 * `npm test` about 10 % faster on two cores than on SQLite. Only when no mongod is there to use instead.
 */
async function usePostgres(): Promise<boolean> {
  const chosen = process.env.TEST_DB_BACKEND;
  if (chosen !== undefined && chosen !== "sqlite" && chosen !== "postgresql") {
    throw new Error(`TEST_DB_BACKEND is sqlite or postgresql, not ${chosen}`);
  }
  if (chosen === "sqlite") return false;
  if (chosen === "postgresql") {
    if (!findPostgres()) throw new Error("TEST_DB_BACKEND=postgresql, but no PostgreSQL under /usr/lib/postgresql/*/bin");
    return true;
  }
  return findPostgres() !== undefined && (await findMongod()) === undefined;
}

export async function setup(project: TestProject): Promise<void> {
  if (skipBrowserTests) console.log(BROWSER_SKIP_LINE);
  const explicit = process.env.TEST_MONGODB_URI;
  if (explicit) {
    project.provide("mongoUri", explicit);
    project.provide("mongoUris", [explicit]);
    project.provide("mongoKind", "TEST_MONGODB_URI");
    console.log(`[test db] using TEST_MONGODB_URI`);
    return;
  }
  const log = (m: string) => console.log(`[test db] ${m}`);
  const postgres = await usePostgres();
  const ferret = postgres ? await ensureFerretDb(defaultCacheDir(), log) : undefined;
  if (postgres && !ferret && process.env.TEST_DB_BACKEND === "postgresql") throw new Error("FerretDB on PostgreSQL needs a FerretDB binary: install Go (see README)");
  if (ferret) {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sanyojak-test-pg-"));
    dataDirs.push(dir);
    cluster = await startPostgresCluster(dir, { throwaway: true, log });
  }
  for (let i = 0; i < serverCount(postgres); i++) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "sanyojak-test-db-"));
    dataDirs.push(dataDir);
    servers.push(
      ferret && cluster
        ? await startFerretDb(ferret, dataDir, log, { handler: "postgresql", url: cluster.url })
        : await startLocalServer({ dataDir, log }),
    );
  }
  project.provide("mongoUri", servers[0]!.uri);
  project.provide("mongoUris", servers.map((s) => s.uri));
  project.provide("mongoKind", servers[0]!.kind);
  console.log(`[test db] tests run on ${servers[0]!.kind}: ${servers.map((s) => s.uri).join(", ")}`);
}

export async function teardown(): Promise<void> {
  for (const server of servers) await server.stop();
  await cluster?.stop();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
}
