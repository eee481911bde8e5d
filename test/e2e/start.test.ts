// The real process: `npm start`'s entry point with MONGODB_URI pointing at the test server and BOT_API_ROOT at a
// local Bot API over HTTP. It must answer /start in the person's language and shut down cleanly on SIGTERM.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testMongoUri } from "../helpers/db.js";
import { LocalBotApi } from "../../src/localBotApi/index.js";
import { botInfo } from "../helpers/telegram.js";
import { makeUser } from "../helpers/telegram.js";
import { startBotProcess, type BotProcess } from "../helpers/botProcess.js";
import { waitUntil } from "../helpers/waitUntil.js";

const TOKEN = `${botInfo.id}:E2E-${randomBytes(12).toString("hex")}`;

describe("npm start against a local Bot API and the test database", () => {
  const api = new LocalBotApi({ botInfo, token: TOKEN });
  let server: { url: string; close(): Promise<void> };
  // One process for the file (each start costs seconds): a test gets the current one, or a fresh one if a
  // test before it (in any order) stopped it.
  let current: BotProcess | undefined;
  const started: BotProcess[] = [];
  async function running(): Promise<BotProcess> {
    if (!current || current.child.exitCode !== null || current.child.signalCode !== null) {
      current = await startBotProcess({ token: TOKEN, apiRoot: server.url, label: "start", env: { BOOTSTRAP_ADMIN_IDS: "5000000777" } });
      started.push(current);
    }
    return current;
  }

  beforeAll(async () => {
    server = await api.listen();
    await running();
  }, 120_000);

  afterAll(async () => {
    for (const p of started) await p.close();
    await server.close();
  });

  it("answers /start in Hindi and in English, as each person's Telegram is set", async () => {
    await running();
    const hindi = makeUser(6_100_000_001, { language_code: "hi", first_name: "सीता" });
    const english = makeUser(6_100_000_002, { language_code: "en", first_name: "John" });
    api.sendUserMessage(hindi, "/start");
    api.sendUserMessage(english, "/start");
    const hi = await waitUntil("a Hindi answer", () => api.lastBotMessage(hindi.id)?.text);
    const en = await waitUntil("an English answer", () => api.lastBotMessage(english.id)?.text);
    expect(hi).toContain("नमस्ते सीता");
    expect(en).toContain("Namaste John");
    // Menus were set per language at start.
    expect(api.commands({ languageCode: "en" }).map((c) => c.command)).toContain("help");
    expect(api.commands({ languageCode: "hi" })[0]?.description).toMatch(/[\u0900-\u097F]/);
  }, 120_000);

  it("grants national office admin from BOOTSTRAP_ADMIN_IDS", async () => {
    await running();
    const admin = makeUser(5_000_000_777, { language_code: "en" });
    api.sendUserMessage(admin, "/me");
    const text = await waitUntil("/me", () => api.lastBotMessage(admin.id)?.text);
    expect(text).toContain("National office admin");
  }, 120_000);

  it("runs the delivery worker and the scheduler", async () => {
    const bot = await running();
    expect(bot.output()).toContain("delivery worker started");
    // The start-up catch-up claims the scheduler's jobs in the database.
    const { connectDatabase } = await import("../../src/db/connection.js");
    const db = await connectDatabase({ uri: testMongoUri(), dbName: bot.dbName });
    try {
      // The start-up catch-up runs the reminder scan at once, to its end; the scheduler recorded its installation.
      await waitUntil("the start-up reminder scan to finish", () => db.models.JobRun.exists({ job: "reminders", kind: "done" }), { everyMs: 100 });
      expect(await db.models.JobRun.exists({ _id: "scheduler:installed" })).not.toBeNull();
    } finally {
      await db.close();
    }
  }, 120_000);

  // One process for both ends of its life (each start costs seconds): a 409, then SIGTERM.
  it("on 409 Conflict says so, gives up the poller lease and stands by (no silent exit); on SIGTERM stops cleanly; never logs the token", async () => {
    const proc = await running();
    current = undefined; // whatever runs after this starts its own
    await waitUntil("the copy to become the poller", () => proc.output().includes("this copy is the poller now"));
    const person = makeUser(6_100_000_003, { language_code: "en" });
    api.sendUserMessage(person, "/start");
    await waitUntil("an answer", () => api.lastBotMessage(person.id)?.text);

    api.failNext("getUpdates", { error_code: 409, description: "Conflict: terminated by other getUpdates request" });
    // End the long poll in progress so that the next getUpdates meets the conflict.
    api.sendUserMessage(makeUser(6_100_000_009), "/help");
    await waitUntil("the copy to stand by", () => proc.output().includes("this copy stands by"));
    expect(proc.output()).toContain("409 Conflict: another process polls with this token, or a webhook is set");
    expect(proc.child.exitCode).toBeNull();

    proc.child.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    expect(proc.output()).toContain("shutting down");
    expect(proc.output()).not.toContain(TOKEN.split(":")[1]!);
  }, 120_000);
});
