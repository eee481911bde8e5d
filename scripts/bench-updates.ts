// Throughput of the whole bot per update, against a bare grammY bot on the same database server. A benchmark, not a
// test: numbers on a shared 2-core machine are noisy, so run each configuration briefly and compare within one run.
//   npx tsx scripts/bench-updates.ts [--people 100,1000,10000] [--backend sqlite|postgresql|sqlite,postgresql]
//     [--chats 100] [--updates 1000] [--parked 1000] [--parked-share 0.1] [--parked-real 20] [--think-ms 0] [--gin]
//     [--source-maps] [--cpu-profile FILE]
//
// For each backend it starts FerretDB 1.24.2 (SQLite files in a temporary folder, or a throwaway PostgreSQL cluster
// on a private port and socket folder, run as the `postgres` user when we are root), and for each size N a fresh
// database with the real map, N people with roles (mostly PC/AC in-charges), a few events each (some reported), and
// min(--parked, N × --parked-share) half-finished conversations in conversation_states: up to --parked-real of them
// driven for real through the bot, the rest copies of those with the person's id replaced.
//
// Then it drives /newevent and /report through the real createBot with the real services, from --chats chats at
// once (each chat's updates in order, chats concurrently), with the buttons the bot actually sent, whole
// conversations until each chat has sent its share of --updates (so a little more in all); and the same number of updates, as concurrently, through a bare grammY Bot whose only middleware
// inserts one document and replies once. Prints a table and one `BENCH_JSON {...}` line per backend and size.
//
// With --think-ms 0 (the default) every chat sends its next update as soon as the last is handled: a saturation
// test, whose latencies are mostly queueing (100 chats at 90 updates/s wait about a second each, on any server).
// --think-ms T makes each chat pause 0.5–1.5 × T before each action, as a person reading and tapping does: the
// latencies then are those of a bot under that load (100 chats with T = 3000 offer about 33 updates/s).
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { Bot } from "grammy";
import type { Update, User } from "grammy/types";
import { DateTime } from "luxon";
import { createBot } from "../src/bot/index.js";
import type { BotContext, BotDeps } from "../src/bot/context.js";
import { connectDatabase, ensureIndexes, type Database } from "../src/db/connection.js";
import { startBenchServer } from "./lib/benchServer.js";
import { seed } from "./lib/benchSeed.js";
import { createI18n, type I18n } from "../src/i18n.js";
import { LocalBotApi } from "../src/localBotApi/index.js";
import { createLogger } from "../src/logger.js";
import { createServices } from "../src/services/index.js";
import { createConversationStore } from "../src/services/conversationStore.js";
import { botInfo, clientFor, token } from "../test/helpers/telegram.js";

const run = promisify(execFile);

// --- Options -------------------------------------------------------------------------------------------------------

function option(name: string, fallback: string): string {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  if (i >= 0 && args[i + 1] !== undefined) return args[i + 1]!;
  const eq = args.find((a) => a.startsWith(`--${name}=`));
  return eq ? eq.slice(name.length + 3) : fallback;
}

const SIZES = option("people", "100,1000,10000").split(",").map(Number);
const BACKENDS = option("backend", "sqlite").split(",") as Backend[];
const CHATS = Number(option("chats", "100"));
const UPDATES = Number(option("updates", "1000"));
const PARKED_MAX = Number(option("parked", "1000"));
const PARKED_SHARE = Number(option("parked-share", "0.1"));
const PARKED_REAL = Number(option("parked-real", "20"));
const THINK_MS = Number(option("think-ms", "0"));
/** --cpu-profile FILE: a V8 CPU profile of the whole stack's measured run only (open in Chrome's DevTools). */
const CPU_PROFILE = option("cpu-profile", "");
/** --gin: on PostgreSQL, GIN indexes on _id after seeding (FerretDB 1.24's own indexes are never used there). */
const GIN = process.argv.includes("--gin");
const ZONE = "Asia/Kolkata";

type Backend = "sqlite" | "postgresql";
for (const b of BACKENDS) if (b !== "sqlite" && b !== "postgresql") throw new Error(`--backend: sqlite or postgresql, not ${b}`);
for (const n of [...SIZES, CHATS, UPDATES]) if (!Number.isInteger(n) || n <= 0) throw new Error(`bad number in the options: ${n}`);

const log = (m: string) => process.stderr.write(`[bench-updates] ${m}\n`);

// tsx maps every stack trace through the sources' source maps; production runs the build without them
// (npm run start:dist), and every Error the stack creates (timeouts, aborts, retries) would cost more here than
// there. --source-maps keeps them on, as `npm start` has them.
if (!process.argv.includes("--source-maps")) process.setSourceMapsEnabled(false);

// --- CPU time of processes (Linux /proc) ---------------------------------------------------------------------------

const CLK_TCK = Number((await run("getconf", ["CLK_TCK"]).catch(() => ({ stdout: "100" }))).stdout.trim()) || 100;

interface ProcStat {
  ppid: number;
  /** utime + stime, and cutime + cstime (children already reaped), in ms. */
  own: number;
  children: number;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after "(comm)": 3 state, 4 ppid, ... 14 utime, 15 stime, 16 cutime, 17 cstime.
    const f = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
    const ms = (i: number) => (Number(f[i]) * 1000) / CLK_TCK;
    return { ppid: Number(f[1]), own: ms(11) + ms(12), children: ms(13) + ms(14) };
  } catch {
    return undefined;
  }
}

/** CPU ms of one process (FerretDB: SQLite runs inside it). */
function cpuOf(pid: number): number {
  return procStat(pid)?.own ?? 0;
}

/**
 * CPU ms of a PostgreSQL cluster: the postmaster, its live children (backends, walwriter, checkpointer, ...) and, via
 * its cutime/cstime, the children that have exited and been reaped in between.
 */
function cpuOfTree(rootPid: number): number {
  const root = procStat(rootPid);
  if (!root) return 0;
  let total = root.own + root.children;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const s = procStat(Number(entry));
    if (s && s.ppid === rootPid) total += s.own + s.children;
  }
  return total;
}

// --- Database servers ----------------------------------------------------------------------------------------------

interface Server {
  backend: Backend;
  uri: string;
  /** CPU ms so far: FerretDB, and PostgreSQL (0 on SQLite). */
  cpu(): { ferret: number; postgres: number };
  /** --gin on PostgreSQL: GIN indexes on every table's _id (src/db/postgresCluster.ts); nothing otherwise. */
  indexIds(): Promise<void>;
  stop(): Promise<void>;
}

async function startServer(backend: Backend): Promise<Server> {
  const server = await startBenchServer(backend, log);
  return {
    backend,
    uri: server.uri,
    cpu: () => ({ ferret: cpuOf(server.ferretPid), postgres: server.postgresPid ? cpuOfTree(server.postgresPid) : 0 }),
    indexIds: async () => {
      if (GIN) await server.indexIds();
    },
    stop: () => server.stop(),
  };
}

// --- Chats ---------------------------------------------------------------------------------------------------------

interface Sample {
  kind: "newevent" | "report" | "bare";
  step: number;
  ms: number;
}

/** lastOnly: look for the button on the bot's last message only (a step the bot may skip, whose older copies remain). */
type Action = { send: string } | { tap: RegExp; optional?: boolean; lastOnly?: boolean };

/** Registrations so far: each at a time of its own (a second event of a seat at one time is asked about). */
let registrations = 0;

/** The English buttons and answers of a complete /newevent (the seat step only for those offered one). */
function newEventScript(): Action[] {
  const n = registrations++;
  const day = DateTime.now().setZone(ZONE).plus({ days: 7 + Math.floor(n / 720) }).toFormat("dd/MM");
  const time = `${String(8 + Math.floor((n % 720) / 60)).padStart(2, "0")}:${String(n % 60).padStart(2, "0")}`;
  return [
    { send: "/newevent" },
    { tap: /^Sneh Samvad$/ },
    { tap: /^★/, optional: true },
    { send: `${day} ${time}` },
    { send: "Town hall, Lanka" },
    { tap: /^Skip/ },
    { send: "150" },
    { tap: /^Skip/ },
    { tap: /^✅ Confirm$/ },
  ];
}

/** A complete /report of the newest event waiting: total 60, then the five default categories, no photos or notes. */
const REPORT_SCRIPT: Action[] = [
  { send: "/report" },
  // The list of events awaiting a report; with one event only, /report opens it at once.
  { tap: /^📝/, optional: true, lastOnly: true },
  { send: "60" },
  ...["10", "5", "0", "5", "20"].map((send) => ({ send })),
  { tap: /^✅ Done/ },
  { tap: /^Skip/ },
  { tap: /^✅ Confirm$/ },
];

const DONE_TEXT = { newevent: "Event registered", report: "Report saved" } as const;

class Chat {
  /** Updates handled for this chat (measured ones). */
  handled = 0;

  constructor(
    readonly api: LocalBotApi,
    readonly user: User,
    readonly handler: { handleUpdate(u: Update): Promise<unknown> },
    readonly samples: Sample[],
  ) {}

  /** Performs one action; false when an optional button is not offered (nothing sent). */
  async act(action: Action, kind: Sample["kind"], step: number): Promise<boolean> {
    // The person reads the answer before the next tap (not in the warm-up, step 0).
    if (THINK_MS > 0 && step > 0) await new Promise((r) => setTimeout(r, THINK_MS * (0.5 + Math.random())));
    if ("send" in action) this.api.sendUserMessage(this.user, action.send);
    else {
      const button = this.findButton(action.tap, action.lastOnly);
      if (!button) {
        if (action.optional) return false;
        throw new Error(`no button ${String(action.tap)}; last message: ${this.lastText().slice(0, 200)}`);
      }
      this.api.clickButton(this.user, button.messageId, button.data);
    }
    // Taken at once (no await in between): the queue holds only what this action queued.
    for (const update of this.api.takeUpdates()) {
      const t0 = performance.now();
      await this.handler.handleUpdate(update);
      this.samples.push({ kind, step, ms: performance.now() - t0 });
      this.handled++;
    }
    return true;
  }

  /**
   * Runs a conversation script, at most `budget` updates (a cut-short conversation stays stored, half finished).
   * Returns the updates sent and whether it ended as it should.
   */
  async converse(kind: "newevent" | "report", script: Action[], budget: number): Promise<{ sent: number; ok: boolean }> {
    let sent = 0;
    for (const action of script) {
      if (sent >= budget) return { sent, ok: true };
      if (await this.act(action, kind, sent + 1)) sent++;
    }
    return { sent, ok: this.lastText().includes(DONE_TEXT[kind]) };
  }

  findButton(label: RegExp, lastOnly = false): { messageId: number; data: string } | undefined {
    const entries = this.api.messages(this.user.id).filter((e) => e.from === "bot").reverse().slice(0, lastOnly ? 1 : undefined);
    for (const e of entries) {
      for (const row of e.message.reply_markup?.inline_keyboard ?? []) {
        for (const b of row) if (label.test(b.text) && "callback_data" in b && b.callback_data) return { messageId: e.message.message_id, data: b.callback_data };
      }
    }
    return undefined;
  }

  lastText(): string {
    const m = this.api.lastBotMessage(this.user.id);
    return m?.text ?? m?.caption ?? "";
  }
}

// --- Seeding -------------------------------------------------------------------------------------------------------

/**
 * Leaves `people` half-way through /newevent or /report: the first `real` driven through the bot (as many chats at
 * once as measured), the rest copies of those rows with the person's id swapped (same size and shape).
 */
async function park(db: Database, api: LocalBotApi, bot: Bot<BotContext>, people: User[], real: number): Promise<void> {
  const driven = people.slice(0, real);
  const sink: Sample[] = [];
  const depthOf = (i: number) => 2 + (i % 6); // 2..7 updates in
  for (let i = 0; i < driven.length; i += CHATS) {
    await Promise.all(
      driven.slice(i, i + CHATS).map(async (user, j) => {
        api.addUser(user);
        const chat = new Chat(api, user, bot, sink);
        const n = i + j;
        await (n % 2 ? chat.converse("report", REPORT_SCRIPT, depthOf(n)) : chat.converse("newevent", newEventScript(), depthOf(n)));
      }),
    );
  }
  // Each stored conversation is a small head and its replay log (see db/models/conversationState.ts).
  const rows: { _id: string; value: string }[] = [];
  const store = createConversationStore(db.models, () => new Date());
  for (const user of driven) {
    const record = await store.read(`chat:${user.id}`);
    if (record?.value) rows.push({ _id: record._id, value: record.value });
  }
  if (rows.length < driven.length) log(`  only ${rows.length} of ${driven.length} driven conversations are stored`);
  const copies: { _id: string; logId: string; handledUpdateIds: number[]; updatedAt: Date }[] = [];
  const logs: { _id: string; value: string; at: Date }[] = [];
  for (const [k, user] of people.slice(real).entries()) {
    const row = rows[k % rows.length];
    if (!row) break;
    const from = row._id.slice("chat:".length);
    const logId = `chat:${user.id}#parked`;
    logs.push({ _id: logId, value: row.value.split(from).join(String(user.id)), at: new Date() });
    copies.push({ _id: `chat:${user.id}`, logId, handledUpdateIds: [], updatedAt: new Date() });
  }
  for (let i = 0; i < logs.length; i += 500) await db.models.ConversationLog.collection.insertMany(logs.slice(i, i + 500) as never[], { ordered: false });
  for (let i = 0; i < copies.length; i += 500) await db.models.ConversationState.collection.insertMany(copies.slice(i, i + 500) as never[], { ordered: false });
}

// --- One size on one server ----------------------------------------------------------------------------------------

interface Measured {
  updates: number;
  seconds: number;
  samples: Sample[];
  cpu: { ferret: number; postgres: number; node: number };
}

/** A V8 CPU profile of this process from now until stop() (node:inspector, no flags needed). */
async function startCpuProfile(): Promise<{ stop(): Promise<object> }> {
  const session = new Session();
  session.connect();
  const post = <T>(method: string): Promise<T> =>
    new Promise((resolve, reject) => session.post(method, (err, result) => (err ? reject(err) : resolve(result as T))));
  await post("Profiler.enable");
  await post("Profiler.start");
  return {
    async stop() {
      const { profile } = await post<{ profile: object }>("Profiler.stop");
      session.disconnect();
      return profile;
    },
  };
}

async function measure(server: Server, body: () => Promise<Sample[]>): Promise<Measured> {
  const cpu0 = server.cpu();
  const node0 = process.cpuUsage();
  const t0 = performance.now();
  const samples = await body();
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = server.cpu();
  const node = process.cpuUsage(node0);
  return {
    updates: samples.length,
    seconds,
    samples,
    cpu: { ferret: cpu1.ferret - cpu0.ferret, postgres: cpu1.postgres - cpu0.postgres, node: (node.user + node.system) / 1000 },
  };
}

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

const round = (x: number, d = 1) => Number(x.toFixed(d));

async function runSize(server: Server, i18n: I18n, people: number): Promise<Record<string, unknown>> {
  const dbName = `bench_updates_${people}`;
  const db = await connectDatabase({ uri: server.uri, dbName });
  try {
    await ensureIndexes(db.models);
    const now = () => new Date();
    const services = createServices({ models: db.models, now });
    const logger = createLogger({ level: process.env.BENCH_LOG_LEVEL ?? "silent" });
    const deps: BotDeps = { services, i18n, logger, now, timeZone: ZONE };
    const api = new LocalBotApi({ botInfo });
    const bot = createBot({ token, deps, botInfo, client: clientFor(api) });

    const t0 = performance.now();
    await services.map.seedMap();
    // Some people are mid-way through a conversation (--parked, --parked-share); the chats are others.
    const parkedCount = Math.min(PARKED_MAX, Math.floor(people * PARKED_SHARE));
    const driverCount = Math.min(CHATS, people - parkedCount);
    const seeded = await seed(db, deps, people, driverCount, parkedCount);
    const seededAt = performance.now();
    await park(db, api, bot, seeded.parkedPeople, Math.min(PARKED_REAL, seeded.parkedPeople.length));
    const parked = await db.models.ConversationState.countDocuments({});
    await server.indexIds();
    log(
      `  ${server.backend} N=${people}: seeded ${seeded.events} events, ${seeded.reports} reports in ${((seededAt - t0) / 1000).toFixed(1)} s; ` +
        `${parked} stored conversations in ${((performance.now() - seededAt) / 1000).toFixed(1)} s`,
    );

    // The whole stack: each chat alternates /newevent and /report (odd chats start with /report), whole
    // conversations, until it has sent its share of --updates.
    const perChat = Math.ceil(UPDATES / driverCount);
    const [events0, reports0] = [await db.models.Event.countDocuments({}), await db.models.Report.countDocuments({})];
    const failures: string[] = [];
    const perChatSent = new Map<number, number>();
    let completed = 0;
    const profiler = CPU_PROFILE ? await startCpuProfile() : undefined;
    const full = await measure(server, async () => {
      const samples: Sample[] = [];
      await Promise.all(
        seeded.drivers.map(async (user, c) => {
          api.addUser(user);
          const chat = new Chat(api, user, bot, samples);
          for (let used = 0, k = c % 2; used < perChat; k++) {
            const kind = k % 2 ? "report" : "newevent";
            try {
              // Whole conversations: a chat may go past its share by the rest of its last one.
              const r = await chat.converse(kind, kind === "report" ? REPORT_SCRIPT : newEventScript(), Infinity);
              used += r.sent;
              if (r.ok && chat.lastText().includes(DONE_TEXT[kind])) completed++;
              else if (!r.ok) failures.push(`${kind}: ${chat.lastText().slice(0, 160)}`);
              if (r.sent === 0) break;
            } catch (err) {
              failures.push(`${kind}: ${(err as Error).message}`);
              await chat.act({ send: "/cancel" }, kind, 99).catch(() => {});
              used++;
            }
          }
          perChatSent.set(user.id, chat.handled);
        }),
      );
      return samples;
    });
    if (profiler) {
      const file = SIZES.length > 1 || BACKENDS.length > 1 ? CPU_PROFILE.replace(/(\.cpuprofile)?$/, `-${server.backend}-${people}.cpuprofile`) : CPU_PROFILE;
      writeFileSync(file, JSON.stringify(await profiler.stop()));
      log(`  CPU profile of the measured run: ${file}`);
    }
    const stored = {
      events: (await db.models.Event.countDocuments({})) - events0,
      reports: (await db.models.Report.countDocuments({})) - reports0,
    };
    if (failures.length) log(`  ${failures.length} conversations went wrong, e.g. ${failures.slice(0, 3).join(" | ")}`);

    // The bare bot: one insert and one reply per update; each chat sends as many updates as it did above.
    const bare = new Bot(token, { botInfo, client: clientFor(api) });
    const sink = db.connection.collection("bench_bare_updates");
    bare.use(async (ctx) => {
      await sink.insertOne({ updateId: ctx.update.update_id, chatId: ctx.chat?.id ?? null, at: new Date() });
      await ctx.reply("ok");
    });
    // Warm-up, not measured: one update per chat (the full stack was warmed by the stored conversations).
    await Promise.all(seeded.drivers.map((user) => new Chat(api, user, bare, []).act({ send: "warm-up" }, "bare", 0)));
    const baseline = await measure(server, async () => {
      const samples: Sample[] = [];
      await Promise.all(
        seeded.drivers.map(async (user) => {
          const chat = new Chat(api, user, bare, samples);
          for (let i = 0; i < (perChatSent.get(user.id) ?? 0); i++) await chat.act({ send: `hello ${i}` }, "bare", i + 1);
        }),
      );
      return samples;
    });

    const rate = (m: Measured) => m.updates / m.seconds;
    const ms = (m: Measured) => m.samples.map((s) => s.ms);
    const stepP50 = (kind: Sample["kind"]) => {
      const out: Record<string, number> = {};
      const max = Math.max(0, ...full.samples.filter((s) => s.kind === kind && s.step < 99).map((s) => s.step));
      for (let step = 1; step <= max; step++) {
        const xs = full.samples.filter((s) => s.kind === kind && s.step === step).map((s) => s.ms);
        if (xs.length) out[step] = round(quantile(xs, 0.5));
      }
      return out;
    };
    // Where the slowest 1% fall: "kind:step" → how many of them (the tail p99 sits at).
    const tail = (m: Measured) => {
      const slowest = [...m.samples].sort((a, b) => b.ms - a.ms).slice(0, Math.max(1, Math.ceil(m.samples.length / 100)));
      const out: Record<string, number> = {};
      for (const { kind, step } of slowest) out[`${kind}:${step}`] = (out[`${kind}:${step}`] ?? 0) + 1;
      return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
    };
    const perUpdate = (m: Measured) => ({
      ferretCpuMs: round(m.cpu.ferret / m.updates, 2),
      postgresCpuMs: round(m.cpu.postgres / m.updates, 2),
      nodeCpuMs: round(m.cpu.node / m.updates, 2),
    });
    return {
      backend: server.backend,
      people,
      chats: driverCount,
      events: seeded.events,
      storedConversations: parked,
      full: {
        updates: full.updates,
        seconds: round(full.seconds, 2),
        updatesPerSecond: round(rate(full)),
        p50Ms: round(quantile(ms(full), 0.5)),
        p99Ms: round(quantile(ms(full), 0.99)),
        conversationsCompleted: completed,
        conversationsFailed: failures.length,
        stored,
        stepP50Ms: { newevent: stepP50("newevent"), report: stepP50("report") },
        slowestPercent: tail(full),
        ...perUpdate(full),
      },
      bare: {
        updates: baseline.updates,
        seconds: round(baseline.seconds, 2),
        updatesPerSecond: round(rate(baseline)),
        p50Ms: round(quantile(ms(baseline), 0.5)),
        p99Ms: round(quantile(ms(baseline), 0.99)),
        ...perUpdate(baseline),
      },
      bareOverFull: round(rate(baseline) / rate(full), 1),
      rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
      loadAverage: os.loadavg().map((x) => round(x)),
    };
  } finally {
    await db.connection.dropDatabase().catch(() => {});
    await db.close();
  }
}

// --- Main ----------------------------------------------------------------------------------------------------------

function printTable(results: Record<string, unknown>[]): void {
  type R = {
    backend: string; people: number; storedConversations: number; bareOverFull: number; rssMb: number;
    full: {
      updates: number; updatesPerSecond: number; p50Ms: number; p99Ms: number; ferretCpuMs: number; postgresCpuMs: number; nodeCpuMs: number;
      conversationsFailed: number; stepP50Ms: Record<string, Record<string, number>>; slowestPercent: Record<string, number>;
    };
    bare: { updatesPerSecond: number; p50Ms: number; p99Ms: number; ferretCpuMs: number; postgresCpuMs: number };
  };
  const rows = results as unknown as R[];
  const line = (cells: (string | number)[]) => cells.map((c, i) => String(c).padStart(i < 2 ? 10 : 9)).join(" ");
  console.log(
    line(["backend", "people", "convs", "updates", "full/s", "bare/s", "bare÷full", "full p50", "full p99", "bare p50", "bare p99", "db ms/u", "bare db", "node ms/u", "RSS MB", "failed"]),
  );
  for (const r of rows) {
    const db = (x: { ferretCpuMs: number; postgresCpuMs: number }) => round(x.ferretCpuMs + x.postgresCpuMs, 2);
    console.log(
      line([
        r.backend, r.people, r.storedConversations, r.full.updates, r.full.updatesPerSecond, r.bare.updatesPerSecond, r.bareOverFull,
        r.full.p50Ms, r.full.p99Ms, r.bare.p50Ms, r.bare.p99Ms, db(r.full), db(r.bare), r.full.nodeCpuMs, r.rssMb, r.full.conversationsFailed,
      ]),
    );
  }
  console.log("\np50 ms by step of the conversation (1 = the command):");
  for (const r of rows) {
    for (const kind of ["newevent", "report"]) {
      const steps = r.full.stepP50Ms[kind] ?? {};
      console.log(`${r.backend.padStart(10)} ${String(r.people).padStart(6)} ${kind.padEnd(8)} ${Object.entries(steps).map(([s, v]) => `${s}:${v}`).join("  ")}`);
    }
  }
  console.log("\nthe slowest 1% of updates, by step (kind:step ×n):");
  for (const r of rows) {
    const tail = Object.entries(r.full.slowestPercent).map(([k, n]) => `${k}×${n}`).join("  ");
    console.log(`${r.backend.padStart(10)} ${String(r.people).padStart(6)} ${tail}`);
  }
  console.log("\n(db ms/u: FerretDB CPU + PostgreSQL CPU per update; node ms/u: this process's CPU per update.)");
}

const i18n = await createI18n();
const results: Record<string, unknown>[] = [];
log(`sizes ${SIZES.join(", ")}; backends ${BACKENDS.join(", ")}; ${CHATS} chats; about ${UPDATES} updates per size; load ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
// Ctrl-C: stop the servers (a PostgreSQL cluster would outlive us) and the temporary folders go with them.
let current: Server | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the database servers`);
    void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}
for (const backend of BACKENDS) {
  const server = (current = await startServer(backend));
  try {
    for (const people of SIZES) {
      const result = await runSize(server, i18n, people);
      results.push(result);
      console.log(`BENCH_JSON ${JSON.stringify(result)}`);
    }
  } finally {
    current = undefined;
    await server.stop();
  }
}
console.log("");
printTable(results);
console.log("\nNoisy figures: a shared 2-core machine; compare rows of one run, not runs.");
