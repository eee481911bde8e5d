// Starts the test database server once for the whole run: TEST_MONGODB_URI if set; else a mongod on PATH; else
// FerretDB 1.24.2 (SQLite backend, built with Go on first use); else mongodb-memory-server's download.
// Each test file then opens its own database on it (test/helpers/db.ts).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startLocalServer, type LocalServer } from "../src/db/localServer.js";

declare module "vitest" {
  export interface ProvidedContext {
    mongoUri: string;
    mongoKind: string;
  }
}

let server: LocalServer | undefined;
let dataDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  const explicit = process.env.TEST_MONGODB_URI;
  if (explicit) {
    project.provide("mongoUri", explicit);
    project.provide("mongoKind", "TEST_MONGODB_URI");
    console.log(`[test db] using TEST_MONGODB_URI`);
    return;
  }
  dataDir = mkdtempSync(path.join(os.tmpdir(), "sanyojak-test-db-"));
  server = await startLocalServer({ dataDir, log: (m) => console.log(`[test db] ${m}`) });
  project.provide("mongoUri", server.uri);
  project.provide("mongoKind", server.kind);
  console.log(`[test db] tests run on ${server.kind} at ${server.uri}`);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
