// Starts the test database server once for the whole run: TEST_MONGODB_URI if set; else a mongod on PATH; else
// FerretDB 1.24.2 (SQLite backend, built with Go on first use); else mongodb-memory-server's download.
// Each test file then opens its own database on it (test/helpers/db.ts).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startLocalServer, type LocalServer } from "../src/db/localServer.js";
import { BROWSER_SKIP_LINE, skipBrowserTests } from "./helpers/chromium.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The first server; mongoUris lists them all (test/helpers/db.ts spreads test files over them). */
    mongoUri: string;
    mongoUris: string[];
    mongoKind: string;
  }
}

// One server per test worker: FerretDB's SQLite backend serialises writes, so two workers sharing one server
// mostly wait for each other. TEST_DB_SERVERS overrides the count.
const SERVER_COUNT = Math.max(1, Number(process.env.TEST_DB_SERVERS ?? 2));

const servers: LocalServer[] = [];
const dataDirs: string[] = [];

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
  for (let i = 0; i < SERVER_COUNT; i++) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "sanyojak-test-db-"));
    dataDirs.push(dataDir);
    servers.push(await startLocalServer({ dataDir, log: (m) => console.log(`[test db] ${m}`) }));
  }
  project.provide("mongoUri", servers[0]!.uri);
  project.provide("mongoUris", servers.map((s) => s.uri));
  project.provide("mongoKind", servers[0]!.kind);
  console.log(`[test db] tests run on ${servers[0]!.kind}: ${servers.map((s) => s.uri).join(", ")}`);
}

export async function teardown(): Promise<void> {
  for (const server of servers) await server.stop();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
}
