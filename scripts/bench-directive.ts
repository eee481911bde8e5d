// Real-time benchmark of a directive broadcast: N recipients (default 5,000) through the delivery worker on the wall
// clock, a local database (FerretDB, as in the tests) and a LocalBotApi that enforces Telegram's limits (30/s overall,
// 1/s per chat: any excess would come back as 429). Prints the sending rate against the 30/s ceiling and the time
// from "Send" to the last delivery.
//   npx tsx scripts/bench-directive.ts [N] [--faults]
//   --faults: 1 % 429 with retry_after 1 s, 1 % blocked, 1 % send timeouts after Telegram sent the message (the
//   answer is lost), 0.5 % connections reset after the send; reports the recipients who got more than one copy
//   (target 0) and how every message ended.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Api } from "grammy";
import { connectDatabase, ensureIndexes } from "../src/db/connection.js";
import { startLocalServer } from "../src/db/localServer.js";
import { createDeliveryWorker } from "../src/delivery/index.js";
import { createDirectiveRenderer } from "../src/bot/directiveMessages.js";
import { createI18n } from "../src/i18n.js";
import { LocalBotApi, DEFAULT_BOT_INFO, networkFailure, sendTimeout, tooManyRequests } from "../src/localBotApi/index.js";
import { createLogger } from "../src/logger.js";
import { createServices } from "../src/services/index.js";

const args = process.argv.slice(2);
const N = Number(args.find((a) => /^\d+$/.test(a)) ?? 5000);
const faults = args.includes("--faults");
const log = (m: string) => process.stdout.write(`[bench-directive] ${m}\n`);

const dataDir = mkdtempSync(path.join(os.tmpdir(), "bench-directive-"));
const server = await startLocalServer({ dataDir, log });
const db = await connectDatabase({ uri: server.uri, dbName: "bench" });
try {
  await ensureIndexes(db.models);
  const now = () => new Date();
  const services = createServices({ models: db.models, now });
  await services.map.seedMap();
  const admin = 1_000_000_001;
  await services.people.ensureNationalAdmins([admin]);

  const api = new LocalBotApi();
  api.setRateLimits({ global: { limit: 30, windowMs: 1000 }, perChat: { limit: 1, windowMs: 1000 } });
  const acs = await db.models.Ac.find({}, { _id: 0, code: 1 }).lean<{ code: string }[]>();
  const ids = Array.from({ length: N }, (_, i) => 6_000_000_000 + i);
  await db.models.Person.insertMany(
    ids.map((id, i) => ({
      _id: id,
      telegramId: id,
      firstName: `AC${i}`,
      language: i % 3 ? "hi" : "en",
      roles: [{ role: "ac_incharge", level: "ac", code: acs[i % acs.length]!.code, grantedBy: admin, grantedAt: now() }],
    })),
    { lean: true },
  );
  for (const [i, id] of ids.entries()) {
    api.addUser({ id, first_name: `U${id}` });
    if (faults && i % 100 === 37) api.blockBot(id, { notify: false });
  }
  let injected = 0;
  if (faults) {
    const seen = new Set<number>();
    api.failNext(
      ({ params }) => {
        const chat = Number(params.chat_id);
        if ((chat - ids[0]!) % 100 !== 11 || seen.has(chat)) return false;
        seen.add(chat);
        injected++;
        return true;
      },
      tooManyRequests(1),
      { times: 1e9 },
    );
    // The answer is lost after Telegram sent the message: a retry would be a second copy.
    const once = (pick: (i: number) => boolean) => {
      const left = new Set(ids.filter((_, i) => pick(i)));
      return ({ method, params }: { method: string; params: Record<string, unknown> }) => method === "sendMessage" && left.delete(Number(params.chat_id));
    };
    api.failNext(once((i) => i % 100 === 53), sendTimeout(), { times: 1e9, afterEffect: true });
    api.failNext(once((i) => i % 200 === 87), networkFailure(), { times: 1e9, afterEffect: true });
  }

  let finals = 0;
  const worker = createDeliveryWorker({
    models: db.models,
    api: new Api(`${DEFAULT_BOT_INFO.id}:bench-token`, { apiRoot: "http://local.test", fetch: api.createFetch() }),
    services,
    logger: createLogger({ level: "warn" }),
    hooks: [{ onSent: () => void finals++, onFinalFailure: () => void finals++ }],
  });
  worker.start();

  const i18n = await createI18n();
  const sendAt = Date.now();
  const created = await services.directives.create(
    {
      actor: { telegramId: admin, scopes: [{ role: "national_admin", level: "country", code: "IN" }] },
      requestKey: "bench",
      text: "Benchmark directive: hold one Sneh Samvad meeting before 15 December.",
      media: null,
      audience: { roles: ["ac_incharge"], area: { level: "country", code: "IN" } },
      senderLang: "en",
    },
    createDirectiveRenderer(i18n, "Asia/Kolkata"),
  );
  if (!created.ok) throw new Error(`not created: ${created.reason}`);
  const createdMs = Date.now() - sendAt;
  log(`directive created for ${created.recipients} recipients in ${createdMs} ms; sending…`);
  let lastReport = Date.now();
  while (finals < N) {
    await new Promise((r) => setTimeout(r, 200));
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      log(`${finals}/${N} after ${((Date.now() - sendAt) / 1000).toFixed(0)} s`);
    }
  }
  await worker.stop();

  const sends = api.calls.filter((c) => c.method === "sendMessage");
  const ok = sends.filter((c) => c.ok);
  const times = sends.map((c) => c.time).sort((a, b) => a - b);
  let maxWindow = 0;
  for (let lo = 0, hi = 0; hi < times.length; hi++) {
    while (times[hi]! - times[lo]! >= 1000) lo++;
    maxWindow = Math.max(maxWindow, hi - lo + 1);
  }
  const last = Math.max(...ok.map((c) => c.time));
  const firstSend = Math.min(...sends.map((c) => c.time));
  const organic429 = sends.filter((c) => c.error?.error_code === 429).length - injected;
  const seconds = (last - sendAt) / 1000;
  // Copies per recipient, from what the local Bot API stored in each chat.
  let duplicates = 0;
  let received = 0;
  for (const id of ids) {
    const n = api.messages(id).filter((e) => e.from === "bot").length;
    if (n > 0) received++;
    if (n > 1) duplicates++;
  }
  const outcomes: Record<string, number> = {};
  for (const d of await db.models.OutboxDone.find({ purpose: "directive" }, { status: 1, reason: 1 }).lean()) {
    const k = d.status === "sent" ? "sent" : `${d.status}:${d.reason ?? "?"}`;
    outcomes[k] = (outcomes[k] ?? 0) + 1;
  }
  log(
    JSON.stringify({
      recipients: N,
      faults,
      sent: ok.length,
      sendCalls: sends.length,
      injected429: injected,
      recipientsWithTwoOrMoreCopies: duplicates,
      recipientsWhoGotIt: received,
      outcomes,
      accountedFor: Object.values(outcomes).reduce((a, b) => a + b, 0),
      extra429FromFloodControl: organic429,
      maxSendsInAnySecond: maxWindow,
      // Deliveries per second from "Send" to the last one (the quiet first second and any 429 pauses included).
      meanRatePerSecond: Number((ok.length / seconds).toFixed(2)),
      firstSendAfterMs: firstSend - sendAt,
      createOnSendMs: createdMs,
      sendToLastDeliverySeconds: Number(seconds.toFixed(1)),
      loadAverage: os.loadavg().map((x) => Number(x.toFixed(1))),
    }),
  );
} finally {
  await db.close();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
