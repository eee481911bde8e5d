// Webhook mode and the HTTP port, through the real app (startApp) on the test database and a local Bot API over
// HTTP: the webhook refuses a request without the right secret (nothing stored), answers a good one at once after
// storing it and handles it once, even when Telegram sends it twice; /readyz follows the database; /metrics counts.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trusted } from "mongoose";
import { LocalBotApi } from "../../src/localBotApi/index.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startApp, ALLOWED_UPDATES } from "../../src/app.js";
import { botInfo, makeUser } from "../helpers/telegram.js";
import { testMongoUri } from "../helpers/db.js";
import { waitUntil } from "../helpers/waitUntil.js";

const logger = createLogger({ level: "silent" });
const SECRET = `s3cret-${randomBytes(12).toString("hex")}`;
const HOOK_PATH = "/telegram/hook";

async function startWith(env: Record<string, string>, label: string) {
  const token = `${botInfo.id}:WEBHOOK-${randomBytes(12).toString("hex")}`;
  const api = new LocalBotApi({ botInfo, token });
  const server = await api.listen();
  const dbName = `test_${label}_${randomBytes(4).toString("hex")}`;
  const config = loadConfig({
    BOT_TOKEN: token,
    MONGODB_URI: testMongoUri().replace(/\/?$/, `/${dbName}`),
    BOT_API_ROOT: server.url,
    SCHEDULER_ENABLED: "false",
    HTTP_HOST: "127.0.0.1",
    ...env,
  });
  const app = await startApp(config, logger);
  return { api, server, app, url: (path: string) => `http://127.0.0.1:${app.http!.port}${path}` };
}

describe("webhook mode", () => {
  let t: Awaited<ReturnType<typeof startWith>>;
  const post = (update: unknown, secret?: string) =>
    fetch(t.url(HOOK_PATH), {
      method: "POST",
      headers: { "content-type": "application/json", ...(secret !== undefined ? { "x-telegram-bot-api-secret-token": secret } : {}) },
      body: JSON.stringify(update),
    });
  const stored = async () => ({
    inHand: await t.app.db.models.InboxUpdate.countDocuments({}),
    seen: await t.app.db.models.InboxSeen.countDocuments({}),
  });
  /** What the person sends, as Telegram would post it (the local Bot API knows the chat, so replies go through). */
  const incoming = (user: ReturnType<typeof makeUser>, text: string) => {
    t.api.sendUserMessage(user, text);
    return t.api.nextUpdate()!;
  };
  const repliesTo = (chatId: number) => t.api.callsTo("sendMessage").filter((c) => Number(c.params.chat_id) === chatId && c.ok).length;

  beforeAll(async () => {
    t = await startWith(
      { WEBHOOK_URL: `https://bot.example.org${HOOK_PATH}`, WEBHOOK_SECRET: SECRET, WEBHOOK_PORT: "0" },
      "webhook",
    );
  }, 120_000);
  afterAll(async () => {
    await t.app.stop();
    await t.server.close();
  });

  it("sets the webhook at start, with the secret and the update kinds polling asks for", () => {
    expect(t.api.webhook).toEqual({ url: `https://bot.example.org${HOOK_PATH}`, secret_token: SECRET, allowed_updates: [...ALLOWED_UPDATES] });
  });

  it("refuses a request without the secret or with a wrong one (401), and stores nothing", async () => {
    const person = makeUser(6_200_000_001, { language_code: "en" });
    expect((await post(incoming(person, "/start"))).status).toBe(401);
    expect((await post(incoming(person, "/start"), "wrong-secret-but-long-enough")).status).toBe(401);
    expect((await post(incoming(person, "/start"), SECRET.slice(0, -1))).status).toBe(401);
    expect(await stored()).toEqual({ inHand: 0, seen: 0 });
    expect(repliesTo(person.id)).toBe(0);
  });

  it("answers a good request at once after storing it, and handles it once (the reply goes out)", async () => {
    const person = makeUser(6_200_000_002, { language_code: "en", first_name: "Asha" });
    const update = incoming(person, "/start");
    const started = performance.now();
    const response = await post(update, SECRET);
    const ms = performance.now() - started;
    expect(response.status).toBe(200);
    expect(ms).toBeLessThan(1_000);
    expect(await t.app.db.models.InboxSeen.exists({ _id: update.update_id })).not.toBeNull();
    const text = await waitUntil("the reply to /start", () => t.api.lastBotMessage(person.id)?.text);
    expect(text).toContain("Namaste Asha");
    await waitUntil("the update to leave the inbox", async () => (await stored()).inHand === 0);
    expect(repliesTo(person.id)).toBe(1);
  });

  it("stores and handles an update sent twice (one after the other, and both at once) only once", async () => {
    const person = makeUser(6_200_000_003, { language_code: "en" });
    const update = incoming(person, "/start");
    expect((await post(update, SECRET)).status).toBe(200);
    await waitUntil("the first reply", () => repliesTo(person.id) === 1);
    await waitUntil("the update to leave the inbox", async () => (await stored()).inHand === 0);
    // Telegram retries (it was unsure of the first answer): acknowledged, not handled again.
    expect((await post(update, SECRET)).status).toBe(200);
    const other = makeUser(6_200_000_004, { language_code: "en" });
    const twin = incoming(other, "/start");
    const answers = await Promise.all([post(twin, SECRET), post(twin, SECRET)]);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    await waitUntil("the twin's reply", () => repliesTo(other.id) === 1);
    // A marker update handled after them shows that nothing else was still coming.
    const marker = makeUser(6_200_000_005, { language_code: "en" });
    await post(incoming(marker, "/start"), SECRET);
    await waitUntil("the marker's reply", () => repliesTo(marker.id) === 1);
    await waitUntil("the inbox to empty", async () => (await stored()).inHand === 0);
    expect(repliesTo(person.id)).toBe(1);
    expect(repliesTo(other.id)).toBe(1);
    expect(await t.app.db.models.InboxSeen.countDocuments({ _id: trusted({ $in: [update.update_id, twin.update_id] }) })).toBe(2);
  });

  it("refuses what is not an update (400) and other methods (405)", async () => {
    expect((await post({ hello: "world" }, SECRET)).status).toBe(400);
    expect((await fetch(t.url(HOOK_PATH))).status).toBe(405);
  });

  it("serves /healthz, /readyz and /metrics on the webhook port, with the counts of what came", async () => {
    expect((await fetch(t.url("/healthz"))).status).toBe(200);
    const ready = await fetch(t.url("/readyz"));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { database: true, intake: true } });
    const scrape = async () => (await fetch(t.url("/metrics"))).text();
    const value = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1] ?? 0);
    const FRESH = 'sanyojak_updates_received_total{kind="message",source="webhook",fresh="true"}';
    const AGAIN = 'sanyojak_updates_received_total{kind="message",source="webhook",fresh="false"}';
    const HANDLED = 'sanyojak_updates_handled_total{kind="message",outcome="ok"}';
    const TIMED = 'sanyojak_update_handling_seconds_count{kind="message"}';
    const before = await scrape();
    // Two people write; one update comes twice.
    const a = makeUser(6_200_000_006, { language_code: "en" });
    const b = makeUser(6_200_000_007, { language_code: "en" });
    const twice = incoming(a, "/start");
    for (const u of [twice, twice, incoming(b, "/start")]) expect((await post(u, SECRET)).status).toBe(200);
    await waitUntil("both replies", () => repliesTo(a.id) === 1 && repliesTo(b.id) === 1);
    const metrics = await waitUntil("the handling to be counted", async () => {
      const text = await scrape();
      return value(text, TIMED) - value(before, TIMED) === 2 ? text : undefined;
    });
    expect(value(metrics, FRESH) - value(before, FRESH)).toBe(2);
    expect(value(metrics, AGAIN) - value(before, AGAIN)).toBe(1);
    expect(value(metrics, HANDLED) - value(before, HANDLED)).toBe(2);
    expect(metrics).toMatch(/sanyojak_inbox_depth \d+/);
    expect(metrics).toMatch(/sanyojak_outbox_depth \d+/);
    expect(metrics).toContain("# TYPE sanyojak_outbox_sends_total counter");
    expect(metrics).toContain("# TYPE sanyojak_telegram_429_total counter");
    expect(metrics).toContain("# TYPE sanyojak_job_runs_total counter");
    expect(metrics).toContain("sanyojak_process_resident_memory_bytes");
  });
});

describe("polling mode with HEALTH_PORT", () => {
  it("serves /readyz: 200 with the database up, 503 once its connection is closed (/healthz stays 200)", async () => {
    const t = await startWith({ HEALTH_PORT: "0" }, "health");
    try {
      expect(t.api.webhook).toBeUndefined();
      const ready = await fetch(t.url("/readyz"));
      expect(ready.status).toBe(200);
      await t.app.db.close();
      const down = await fetch(t.url("/readyz"));
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ ready: false, checks: { database: false } });
      expect((await fetch(t.url("/healthz"))).status).toBe(200);
      // No webhook path in polling mode.
      expect((await fetch(t.url(HOOK_PATH), { method: "POST", body: "{}" })).status).toBe(405);
    } finally {
      await t.app.stop();
      await t.server.close();
    }
  }, 120_000);

  it("has no HTTP server without HEALTH_PORT", async () => {
    const t = await startWith({}, "nohttp");
    try {
      expect(t.app.http).toBeUndefined();
    } finally {
      await t.app.stop();
      await t.server.close();
    }
  }, 120_000);
});

