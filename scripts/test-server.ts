// The test database server, by hand.
//   npm run test-server -- --prepare   build/find it only (CI does this before the tests, so its time shows apart)
//   npm run test-server                start it on a free loopback port, print its URI, run until Ctrl-C
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { defaultCacheDir, ensureFerretDb, startLocalServer } from "../src/db/localServer.js";

const log = (m: string) => console.log(`[test-server] ${m}`);

if (process.argv.includes("--prepare")) {
  const started = Date.now();
  const binary = await ensureFerretDb(defaultCacheDir(), log);
  log(binary ? `FerretDB ready at ${binary} (${Date.now() - started} ms)` : "no Go toolchain: tests will need a mongod or TEST_MONGODB_URI");
} else {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "sanyojak-test-server-"));
  const server = await startLocalServer({ dataDir, log });
  console.log(server.uri);
  const stop = async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
