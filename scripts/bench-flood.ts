// Real-time measurement of issue 15's flood: one person sends 300 messages in 3 s in the middle of /newevent while
// 16 others use the bot; prints the other chats' reply times (p50, p95, max) and what the flooding chat got. The
// whole stack: the poller, the real bot and services, FerretDB (as in the tests), a LocalBotApi over its fetch.
//   npx tsx scripts/bench-flood.ts
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { connectDatabase, ensureIndexes } from "../src/db/connection.js";
import { startLocalServer } from "../src/db/localServer.js";
import { createInbox } from "../src/db/inbox.js";
import { createLeases } from "../src/db/leases.js";
import { createI18n } from "../src/i18n.js";
import { LocalBotApi, DEFAULT_BOT_INFO } from "../src/localBotApi/index.js";
import { createLogger } from "../src/logger.js";
import { createServices } from "../src/services/index.js";
import { createBot } from "../src/bot/index.js";
import { createPoller } from "../src/telegram/poller.js";

const log = (m: string) => process.stdout.write(`[bench-flood] ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dataDir = mkdtempSync(path.join(os.tmpdir(), "bench-flood-"));
const server = await startLocalServer({ dataDir, log });
const db = await connectDatabase({ uri: server.uri, dbName: "bench" });
try {
  await ensureIndexes(db.models);
  const now = () => new Date();
  const services = createServices({ models: db.models, now });
  await services.map.seedMap();
  const i18n = await createI18n();
  const logger = createLogger({ level: "silent" });
  const api = new LocalBotApi();
  const token = `${DEFAULT_BOT_INFO.id}:bench`;
  const bot = createBot({
    token,
    deps: { services, i18n, logger, now, timeZone: "Asia/Kolkata" },
    botInfo: DEFAULT_BOT_INFO,
    client: { apiRoot: "http://local.test", fetch: api.createFetch() },
  });
  const chatLeases = createLeases(db.models.InboxChat, { owner: "bench", now, ttlMs: 30_000 });
  const poller = createPoller({ api: bot.api, inbox: createInbox(db.models, now), chatLeases, handle: (u) => bot.handleUpdate(u), logger });

  const flooder = { id: 7_300_000_000, first_name: "Flood", language_code: "en" };
  await services.people.touch(flooder);
  await services.people.grantRole(flooder.id, { role: "pc_incharge", code: "IN-UP:P77", grantedBy: null });
  const others = Array.from({ length: 16 }, (_, i) => ({ id: 7_300_000_100 + i, first_name: `O${i}`, language_code: "en" }));
  for (const u of [flooder, ...others]) api.addUser(u);
  void poller.start();

  const botMessages = (id: number) => api.messages(id).filter((e) => e.from === "bot").length;
  api.sendUserMessage(flooder, "/newevent");
  while (botMessages(flooder.id) === 0) await sleep(5);

  const latencies: number[] = [];
  const floodDone = (async () => {
    for (let i = 0; i < 300; i++) {
      api.sendUserMessage(flooder, `not a programme ${i}`);
      await sleep(10);
    }
  })();
  // The others, each sending /help once every ~200 ms while the flood goes on.
  const othersDone = Promise.all(
    others.map(async (o, k) => {
      await sleep(k * 13);
      for (let round = 0; round < 10; round++) {
        const before = botMessages(o.id);
        const sentAt = performance.now();
        api.sendUserMessage(o, "/help");
        const deadline = sentAt + 60_000;
        while (botMessages(o.id) === before && performance.now() < deadline) await sleep(2);
        latencies.push(botMessages(o.id) === before ? Infinity : performance.now() - sentAt);
        await sleep(200);
      }
    }),
  );
  await Promise.all([floodDone, othersDone]);
  await poller.stop();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  const unanswered = latencies.filter((l) => l === Infinity).length;
  log(`others: ${latencies.length} replies, p50 ${q(0.5).toFixed(0)} ms, p95 ${q(0.95).toFixed(0)} ms, max ${q(1).toFixed(0)} ms, unanswered ${unanswered}`);
  log(`flooding chat: 301 messages sent, ${botMessages(flooder.id)} bot messages back`);
  console.log(JSON.stringify({ bench: "flood", replies: latencies.length, p50: q(0.5), p95: q(0.95), max: q(1), unanswered }));
} finally {
  await db.close();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
