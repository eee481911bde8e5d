// Memory of the bot process with a large organisation and many open conversations. A benchmark, not a test.
//   npx tsx scripts/bench-memory.ts [--people 10000] [--open 1000] [--chats 50] [--backend postgresql|sqlite] [--gin] [--heap-mb N]
//                                   [--snapshot DIR] [--sources] [--no-build] [--export]
//
// Starts FerretDB 1.24.2 (scripts/lib/benchServer.ts), seeds the map and --people people with their events
// (scripts/lib/benchSeed.ts, as bench-updates does), then runs the real process as the Dockerfile and the systemd
// unit do (`npm run build`, then node with `npm run start:dist`'s flags on dist/main.js; --sources: tsx on the
// sources, as `npm start`) against a local Bot API over HTTP, polling. --open of the people then start
// /newevent and tap the programme, --chats at a time, which leaves that many conversations open and stored by the
// process itself. Prints the process's resident memory (VmRSS from /proc) when idle after start, its peak while the
// conversations were opened, and after; and one `BENCH_JSON {...}` line. The Bot API, the seeding and the
// measuring all live in this process, so none of them counts in the figures.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import type { User } from "grammy/types";
import { connectDatabase, ensureIndexes } from "../src/db/connection.js";
import { LocalBotApi } from "../src/localBotApi/index.js";
import { createServices } from "../src/services/index.js";
import { botInfo } from "../test/helpers/telegram.js";
import { parseBackend, startBenchServer } from "./lib/benchServer.js";
import { seed } from "./lib/benchSeed.js";

function option(name: string, fallback: string): string {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

const PEOPLE = Number(option("people", "10000"));
const OPEN = Number(option("open", "1000"));
const CHATS = Number(option("chats", "50"));
const BACKEND = parseBackend(option("backend", "postgresql"));
const GIN = process.argv.includes("--gin");
/** --heap-mb N: the process's V8 old space capped at N MB (NODE_OPTIONS=--max-old-space-size), as a container would. */
const HEAP_MB = option("heap-mb", "");
/** --snapshot DIR: heap snapshots of the process written to DIR when idle and after the conversations (to find what grows). */
const SNAPSHOT_DIR = option("snapshot", "");
/** --export: after the conversations, the national office exports every event as XLSX through the bot (peak counted). */
const EXPORT = process.argv.includes("--export");
const ADMIN_ID = 5_999_000_001;
/** --sources: the sources through tsx, as `npm start` runs them, instead of the build as `npm run start:dist` does. */
const SOURCES = process.argv.includes("--sources");
const ZONE = "Asia/Kolkata";
// In the shape the configuration accepts (a BotFather token), unlike the in-process tests' token.
const token = `${botInfo.id}:BENCH-${randomBytes(16).toString("hex")}`;
const log = (m: string) => process.stderr.write(`[bench-memory] ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The process's resident set now and its peak so far, in MB (Linux /proc). */
function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  return { rssMb: Math.round(kb("VmRSS") / 1024), peakMb: Math.round(kb("VmHWM") / 1024) };
}

/** Polls `check` until it returns something truthy, or fails after `timeoutMs` saying what was awaited. */
async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Asks the process for a heap snapshot (SIGUSR2) and waits until the new file in SNAPSHOT_DIR stops growing. */
async function heapSnapshot(pid: number): Promise<string> {
  const before = new Set(readdirSync(SNAPSHOT_DIR));
  process.kill(pid, "SIGUSR2");
  const file = await until("the heap snapshot", () => readdirSync(SNAPSHOT_DIR).find((f) => !before.has(f) && f.endsWith(".heapsnapshot")), 300_000);
  const path = `${SNAPSHOT_DIR}/${file}`;
  for (let size = -1; ; ) {
    await sleep(1000);
    const now = statSync(path).size;
    if (now === size && now > 0) return path;
    size = now;
  }
}

if (SNAPSHOT_DIR) mkdirSync(SNAPSHOT_DIR, { recursive: true });
// The process as production runs it (npm run start:dist: the build, its heap flags), or with --sources as `npm start`
// runs it on a laptop (tsx compiling the sources, node's default heap). --heap-mb replaces the old-space limit.
const startDist = (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> }).scripts["start:dist"]!;
const heapFlag = (flags: string[]) => (HEAP_MB ? [...flags.filter((f) => !f.startsWith("--max-old-space-size=")), `--max-old-space-size=${Number(HEAP_MB)}`] : flags);
const nodeArgs = SOURCES ? [...heapFlag([]), "--import", "tsx", "src/main.ts"] : heapFlag(startDist.split(/\s+/).slice(1, -1)).concat("dist/main.js");
if (!SOURCES && !process.argv.includes("--no-build")) {
  const t = Date.now();
  const build = spawnSync("npm", ["run", "build"], { stdio: ["ignore", "ignore", "inherit"] });
  if (build.status !== 0) throw new Error("npm run build failed");
  log(`built dist/ in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}
log(`the bot process: node ${nodeArgs.join(" ")}`);
const server = await startBenchServer(BACKEND, (m) => log(`[db] ${m}`));
const dbName = `bench_memory_${Date.now()}`;
const db = await connectDatabase({ uri: server.uri, dbName });
const api = new LocalBotApi({ botInfo, token });
const http = await api.listen();
let child: ReturnType<typeof spawn> | undefined;
try {
  await ensureIndexes(db.models);
  const services = createServices({ models: db.models, now: () => new Date(), timeZone: ZONE });
  await services.map.seedMap();
  let t = Date.now();
  const seeded = await seed(db, { services }, PEOPLE, OPEN, 0);
  log(`seeded ${PEOPLE} people, ${seeded.events} events, ${seeded.reports} reports in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  if (GIN) {
    t = Date.now();
    await server.indexIds();
    log(`GIN indexes in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }

  child = spawn(process.execPath, nodeArgs, {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      // As the Dockerfile and the systemd unit set it (glibc's malloc arenas, one per thread by default, hold memory).
      ...(SOURCES ? {} : { MALLOC_ARENA_MAX: "2" }),
      BOT_TOKEN: token,
      MONGODB_URI: `${server.uri.replace(/\/?$/, "/")}${dbName}`,
      BOT_API_ROOT: http.url,
      BOOTSTRAP_ADMIN_IDS: String(ADMIN_ID),
      TZ: ZONE,
      LOG_LEVEL: "info",
      NODE_OPTIONS: [
        SNAPSHOT_DIR ? `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${SNAPSHOT_DIR}` : "",
        process.env.BENCH_CHILD_NODE_OPTIONS ?? "",
      ].join(" ").trim(),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid!;
  let started = "";
  // BENCH_CHILD_LOG=file keeps the process's output (start-up problems).
  const childLog = process.env.BENCH_CHILD_LOG ? createWriteStream(process.env.BENCH_CHILD_LOG) : undefined;
  const listen = (d: Buffer) => {
    childLog?.write(d);
    if (started.length < 1_000_000) started += d.toString();
  };
  child.stdout!.on("data", listen);
  child.stderr!.on("data", listen);
  t = Date.now();
  const exited = new Promise<number | null>((resolve) => child!.once("exit", resolve));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  await until("the bot to poll", () => {
    if (exitCode !== undefined) throw new Error(`the bot exited (${exitCode}):\n${started.slice(-3000)}`);
    return started.includes("bot is polling");
  }, 900_000);
  log(`the bot polls after ${((Date.now() - t) / 1000).toFixed(1)} s`);
  // Start-up work (migrations, the catch-up of jobs) settles first.
  await sleep(5000);
  const idle = memoryOf(pid);
  log(`idle: RSS ${idle.rssMb} MB (peak so far ${idle.peakMb} MB)`);
  if (SNAPSHOT_DIR) log(`idle heap snapshot: ${await heapSnapshot(pid)}`);

  // The open conversations: /newevent, then the programme, from CHATS chats at a time.
  let peakMb = idle.rssMb;
  const sampler = setInterval(() => (peakMb = Math.max(peakMb, memoryOf(pid).rssMb)), 100);
  const button = (user: User, label: RegExp) => {
    for (const e of api.messages(user.id).filter((m) => m.from === "bot").reverse()) {
      for (const row of e.message.reply_markup?.inline_keyboard ?? []) {
        for (const b of row) if (label.test(b.text) && "callback_data" in b && b.callback_data) return { messageId: e.message.message_id, data: b.callback_data };
      }
    }
    return undefined;
  };
  const snapshot = (user: User) => JSON.stringify(api.messages(user.id).filter((m) => m.from === "bot"));
  t = Date.now();
  const drivers = seeded.drivers;
  for (let i = 0; i < drivers.length; i += CHATS) {
    await Promise.all(
      drivers.slice(i, i + CHATS).map(async (user) => {
        api.sendUserMessage(user, "/newevent");
        const programme = await until(`/newevent's programme buttons for ${user.id}`, () => button(user, /^Sneh Samvad$/));
        const before = snapshot(user);
        api.clickButton(user, programme.messageId, programme.data);
        await until(`the step after the programme for ${user.id}`, () => snapshot(user) !== before);
      }),
    );
  }
  const drivingS = (Date.now() - t) / 1000;
  let exported: { rows: string; seconds: number } | undefined;
  if (EXPORT) {
    const admin: User = { id: ADMIN_ID, is_bot: false, first_name: "Export", language_code: "en" };
    const te = Date.now();
    api.sendUserMessage(admin, "/export");
    const kind = await until("the export menu", () => button(admin, /Events/));
    api.clickButton(admin, kind.messageId, kind.data);
    const format = await until("the export's formats", () => button(admin, /XLSX/));
    api.clickButton(admin, format.messageId, format.data);
    const caption = await until(
      "the exported file",
      () => api.messages(admin.id).find((m) => m.from === "bot" && m.message.document)?.message.caption,
      600_000,
    );
    exported = { rows: /[\d,]+/.exec(caption)?.[0] ?? "?", seconds: (Date.now() - te) / 1000 };
    log(`exported events as XLSX (${caption}) in ${exported.seconds.toFixed(1)} s`);
  }
  await sleep(2000);
  clearInterval(sampler);
  const after = memoryOf(pid);
  const open = await db.models.ConversationState.countDocuments({});
  if (SNAPSHOT_DIR) log(`heap snapshot after the conversations: ${await heapSnapshot(pid)}`);
  log(`${drivers.length} conversations opened in ${drivingS.toFixed(1)} s (${open} stored); peak RSS ${Math.max(peakMb, after.peakMb)} MB, after ${after.rssMb} MB`);

  const result = {
    backend: BACKEND,
    gin: GIN,
    process: `node ${nodeArgs.join(" ")}`,
    people: PEOPLE,
    openConversations: open,
    idleRssMb: idle.rssMb,
    peakRssMb: Math.max(peakMb, after.peakMb),
    afterRssMb: after.rssMb,
    updates: drivers.length * 2,
    updatesPerS: Number(((drivers.length * 2) / drivingS).toFixed(1)),
    export: exported ?? null,
  };
  console.log(
    `bot process with ${PEOPLE} people and ${open} open conversations: idle ${result.idleRssMb} MB, peak ${result.peakRssMb} MB, after ${result.afterRssMb} MB ` +
      `(${result.updates} updates at ${result.updatesPerS}/s)`,
  );
  console.log(`BENCH_JSON ${JSON.stringify(result)}`);
  console.log(`load average: ${os.loadavg().map((l) => l.toFixed(1)).join(", ")} on ${os.cpus().length} cores`);
} finally {
  if (child && child.exitCode === null) {
    child.kill("SIGTERM");
    await Promise.race([new Promise((r) => child!.once("exit", r)), sleep(10_000)]);
    if (child.exitCode === null) child.kill("SIGKILL");
  }
  await http.close();
  await db.connection.dropDatabase().catch(() => {});
  await db.close();
  await server.stop();
}
