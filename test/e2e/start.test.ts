// The real process: `npm start`'s entry point with MONGODB_URI pointing at the test server and BOT_API_ROOT at a
// local Bot API over HTTP. It must answer /start in the person's language and shut down cleanly on SIGTERM.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { LocalBotApi } from "../../src/localBotApi/index.js";
import { botInfo } from "../helpers/telegram.js";
import { makeUser } from "../helpers/telegram.js";

const TOKEN = `${botInfo.id}:E2E-${randomBytes(12).toString("hex")}`;

async function waitFor<T>(what: string, probe: () => T | undefined, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("npm start against a local Bot API and the test database", () => {
  const api = new LocalBotApi({ botInfo, token: TOKEN });
  let server: { url: string; close(): Promise<void> };
  let child: ChildProcess;
  let output = "";
  const dbName = `e2e_start_${randomBytes(4).toString("hex")}`;

  beforeAll(async () => {
    server = await api.listen();
    const uri = inject("mongoUri").replace(/\/?$/, `/${dbName}`);
    child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        BOT_TOKEN: TOKEN,
        MONGODB_URI: uri,
        BOT_API_ROOT: server.url,
        LOG_LEVEL: "info",
        BOOTSTRAP_ADMIN_IDS: "5000000777",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    await waitFor("the bot to start polling", () => (output.includes("bot is polling") ? true : undefined), 90_000);
  }, 120_000);

  afterAll(async () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    await server.close();
  });

  it("answers /start in Hindi and in English, as each person's Telegram is set", async () => {
    const hindi = makeUser(6_100_000_001, { language_code: "hi", first_name: "सीता" });
    const english = makeUser(6_100_000_002, { language_code: "en", first_name: "John" });
    api.sendUserMessage(hindi, "/start");
    api.sendUserMessage(english, "/start");
    const hi = await waitFor("a Hindi answer", () => api.lastBotMessage(hindi.id)?.text);
    const en = await waitFor("an English answer", () => api.lastBotMessage(english.id)?.text);
    expect(hi).toContain("नमस्ते सीता");
    expect(en).toContain("Namaste John");
    // Menus were set per language at start.
    expect(api.commands({ languageCode: "en" }).map((c) => c.command)).toContain("help");
    expect(api.commands({ languageCode: "hi" })[0]?.description).toMatch(/[\u0900-\u097F]/);
  });

  it("grants national office admin from BOOTSTRAP_ADMIN_IDS", async () => {
    const admin = makeUser(5_000_000_777, { language_code: "en" });
    api.sendUserMessage(admin, "/me");
    const text = await waitFor("/me", () => api.lastBotMessage(admin.id)?.text);
    expect(text).toContain("National office admin");
  });

  it("runs the delivery worker and the scheduler", async () => {
    expect(output).toContain("delivery worker started");
    // The start-up catch-up claims the scheduler's jobs in the database.
    const { connectDatabase } = await import("../../src/db/connection.js");
    const db = await connectDatabase({ uri: inject("mongoUri"), dbName });
    try {
      let jobRuns = 0;
      for (let i = 0; i < 300 && jobRuns === 0; i++) {
        jobRuns = await db.models.JobRun.countDocuments({});
        if (jobRuns === 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(jobRuns).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
  });

  it("never logs the bot token, and stops cleanly on SIGTERM", async () => {
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output).toContain("shutting down");
    expect(output).not.toContain(TOKEN.split(":")[1]!);
  });
});
