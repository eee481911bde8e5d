// A MongoDB-compatible server on loopback, for a first run on a laptop (no MONGODB_URI) and for the tests.
// Preference: a real `mongod` (MONGOMS_SYSTEM_BINARY or PATH) through mongodb-memory-server; else FerretDB 1.24.2
// with its SQLite backend, built from its Go module when Go is installed; else mongodb-memory-server's download.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, cpSync, writeFileSync, chmodSync, readdirSync, rmSync, renameSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const FERRETDB_VERSION = "1.24.2";
const FERRETDB_MODULE = "github.com/FerretDB/FerretDB";

/** The database name used on a local server (npm start without MONGODB_URI, and the scripts). */
export const LOCAL_DB_NAME = "sanyojak";

export type LocalServerKind = "mongod" | "ferretdb" | "mongodb-memory-server-download";

export interface LocalServer {
  uri: string;
  kind: LocalServerKind;
  dataDir: string;
  /** The server's process id when this module spawned it (FerretDB); benchmarks read its CPU time. */
  pid?: number;
  stop(): Promise<void>;
}

/** FerretDB's storage: SQLite files in the data folder (the default), or a PostgreSQL database at `url`. */
export type FerretDbBackend = { handler: "sqlite" } | { handler: "postgresql"; url: string };

export interface LocalServerOptions {
  /** Where the data lives; kept between runs unless the caller removes it. */
  dataDir: string;
  /** Where a built FerretDB binary is cached (default ~/.cache/sanyojak). */
  cacheDir?: string;
  log?: (message: string) => void;
}

export function defaultCacheDir(): string {
  return process.env.SANYOJAK_CACHE_DIR ?? path.join(os.homedir(), ".cache", "sanyojak");
}

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const log = options.log ?? (() => {});
  mkdirSync(options.dataDir, { recursive: true });
  const mongod = await findMongod();
  if (mongod) {
    log(`Using mongod at ${mongod}`);
    return startMemoryServer(options.dataDir, mongod, "mongod");
  }
  const ferret = await ensureFerretDb(options.cacheDir ?? defaultCacheDir(), log);
  if (ferret) return startFerretDb(ferret, options.dataDir, log);
  log("No mongod and no Go toolchain: asking mongodb-memory-server to download MongoDB");
  return startMemoryServer(options.dataDir, undefined, "mongodb-memory-server-download");
}

/** A real `mongod`: MONGOMS_SYSTEM_BINARY, or one on PATH. */
export function findMongod(): Promise<string | undefined> {
  return findOnPath(process.env.MONGOMS_SYSTEM_BINARY, "mongod");
}

async function findOnPath(explicit: string | undefined, name: string): Promise<string | undefined> {
  if (explicit && existsSync(explicit)) return explicit;
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

async function startMemoryServer(
  dataDir: string,
  systemBinary: string | undefined,
  kind: LocalServerKind,
): Promise<LocalServer> {
  // Imported lazily: it is a dev dependency and most runs never need it.
  const { MongoMemoryServer } = await import("mongodb-memory-server");
  const server = await MongoMemoryServer.create({
    instance: { dbPath: dataDir, storageEngine: "wiredTiger" },
    ...(systemBinary ? { binary: { systemBinary } } : {}),
  });
  return {
    uri: server.getUri(),
    kind,
    dataDir,
    stop: async () => {
      await server.stop({ doCleanup: false });
    },
  };
}

/** Path of a FerretDB binary: FERRETDB_BIN, the cache, or one built now with Go. Undefined when none can be had. */
export async function ensureFerretDb(cacheDir: string, log: (m: string) => void): Promise<string | undefined> {
  if (process.env.FERRETDB_BIN && existsSync(process.env.FERRETDB_BIN)) return process.env.FERRETDB_BIN;
  const binary = path.join(cacheDir, `ferretdb-${FERRETDB_VERSION}`, "ferretdb");
  if (existsSync(binary)) return binary;
  const go = await findOnPath(undefined, "go");
  if (!go) return undefined;
  log(
    `Building FerretDB ${FERRETDB_VERSION} with Go into ${path.dirname(binary)}: once, then cached. ` +
      `It takes one to several minutes (downloading the module, then compiling); progress every ${PROGRESS_EVERY_MS / 1000} s.`,
  );
  const started = Date.now();
  await buildFerretDb(go, binary, log, started);
  log(`FerretDB ${FERRETDB_VERSION} built in ${seconds(Date.now() - started)}`);
  return binary;
}

/** How often a long build says it is still working: a silent minute looks like a hang. */
const PROGRESS_EVERY_MS = 10_000;

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

/** Runs one build step, logging what it is doing and the time since the build started every PROGRESS_EVERY_MS. */
async function withProgress<T>(log: (m: string) => void, started: number, doing: string, step: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => log(`Still building FerretDB: ${doing} (${seconds(Date.now() - started)} so far)`), PROGRESS_EVERY_MS);
  try {
    return await step();
  } finally {
    clearInterval(timer);
  }
}

/**
 * `go install .../cmd/ferretdb@v1.24.2` builds a binary that panics at start, because the module as published lacks
 * the generated build/version/version.txt. So: fetch the module with the Go toolchain, copy it, write that one file,
 * and build the same command from the copy.
 */
async function buildFerretDb(go: string, binary: string, log: (m: string) => void, started: number): Promise<void> {
  const { stdout } = await withProgress(log, started, `downloading ${FERRETDB_MODULE}@v${FERRETDB_VERSION}`, () =>
    run(go, ["mod", "download", "-json", `${FERRETDB_MODULE}@v${FERRETDB_VERSION}`], { maxBuffer: 16 * 1024 * 1024 }),
  );
  const moduleDir = (JSON.parse(stdout) as { Dir: string }).Dir;
  const work = path.join(os.tmpdir(), `sanyojak-ferretdb-src-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  cpSync(moduleDir, work, { recursive: true });
  makeWritable(work);
  writeFileSync(path.join(work, "build", "version", "version.txt"), `v${FERRETDB_VERSION}\n`);
  mkdirSync(path.dirname(binary), { recursive: true });
  const tmpBinary = `${binary}.tmp-${process.pid}`;
  log(`Compiling FerretDB (go build; module fetched after ${seconds(Date.now() - started)})`);
  await withProgress(log, started, "compiling with go build", () =>
    run(go, ["build", "-o", tmpBinary, "./cmd/ferretdb"], {
      cwd: work,
      env: { ...process.env, GOFLAGS: "-buildvcs=false", CGO_ENABLED: "0" },
      maxBuffer: 16 * 1024 * 1024,
    }),
  );
  // Rename is atomic: two processes building at once both end with a whole binary.
  renameSync(tmpBinary, binary);
  rmSync(work, { recursive: true, force: true });
}

function makeWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) makeWritable(p);
    else chmodSync(p, 0o644);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts FerretDB from `binary` on a free loopback port (exported for scripts/bench-updates.ts's --backend). */
export async function startFerretDb(
  binary: string,
  dataDir: string,
  log: (m: string) => void,
  backend: FerretDbBackend = { handler: "sqlite" },
): Promise<LocalServer> {
  const port = await freePort();
  const storage =
    backend.handler === "sqlite"
      ? // Write transactions take SQLite's write lock when they begin: FerretDB's updates read then write inside one
        // transaction, and under concurrent writers the upgrade from reader to writer fails at once with
        // SQLITE_BUSY ("database is locked"), whatever the busy timeout; begun as writers they wait their turn, up to
        // a minute (FerretDB's default of 10 s was exceeded with 100 chats writing at once on 2 cores).
        ["--handler=sqlite", `--sqlite-url=file:${path.resolve(dataDir)}/?_txlock=immediate&_pragma=busy_timeout(60000)`]
      : ["--handler=postgresql", `--postgresql-url=${backend.url}`];
  const child: ChildProcess = spawn(
    binary,
    [
      ...storage,
      `--state-dir=${path.resolve(dataDir)}`,
      `--listen-addr=127.0.0.1:${port}`,
      "--debug-addr=-",
      "--telemetry=disable",
      "--log-level=error",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  await waitForPort(port, child, () => stderr);
  const where = backend.handler === "sqlite" ? `SQLite, data in ${path.resolve(dataDir)}` : "PostgreSQL";
  log(`FerretDB ${FERRETDB_VERSION} (${where}) on 127.0.0.1:${port}`);
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    kind: "ferretdb",
    dataDir,
    ...(child.pid === undefined ? {} : { pid: child.pid }),
    stop: async () => {
      process.removeListener("exit", killOnExit);
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`FerretDB exited with code ${child.exitCode}: ${stderr()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`FerretDB did not open port ${port} within 30 s: ${stderr()}`);
}
