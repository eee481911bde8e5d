// `npm start` without BOT_TOKEN: the real process starts the sandbox, prints its address, serves the page, lets a
// demo person talk to the bot, and stops cleanly on SIGTERM. Its database is kept apart from the real bot's.
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mongoose from "mongoose";
import { DEMO_PEOPLE } from "../../src/sandbox/demoPeople.js";
import { handBackSandboxBase, postJson, takeSandboxBase } from "./helpers.js";
import { waitUntil } from "../helpers/waitUntil.js";
import { testMongoUri } from "../helpers/db.js";

interface SandboxProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** Milliseconds from spawning to the ready line. */
  startedIn: number;
  /** Kills it if still running and hands its database to the next sandbox (which empties it at start). */
  close(): Promise<void>;
}

/** `npm start` without a token, on its own database (`<base>_sandbox`) and any free port; resolves once ready. */
async function startSandboxProcess(base: string): Promise<SandboxProcess> {
  const started = Date.now();
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    // No BOT_TOKEN, no .env values: only what any shell has, the test database, and any free port.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, MONGODB_URI: `${testMongoUri().replace(/\/?$/, "/")}${base}`, SANDBOX_PORT: "0", LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
    handBackSandboxBase(base);
  };
  let url: string;
  try {
    url = await waitUntil("the ready line", () => /Sandbox ready: (http:\/\/127\.0\.0\.1:\d+) \(\d+\.\d s\)/.exec(output)?.[1], { timeoutMs: 90_000 });
  } catch (err) {
    await close();
    throw err;
  }
  return { child, url, output: () => output, startedIn: Date.now() - started, close };
}

describe("npm start without a bot token", () => {
  // One process for the file (each start seeds the map and the demo): a test that needs it running gets the current
  // one, or a fresh one if a test before it (in any order) stopped it.
  let current: { process: SandboxProcess; base: string } | undefined;
  const started: SandboxProcess[] = [];
  async function running(): Promise<{ process: SandboxProcess; base: string }> {
    if (!current || current.process.child.exitCode !== null || current.process.child.signalCode !== null) {
      const base = takeSandboxBase("process");
      current = { process: await startSandboxProcess(base), base };
      started.push(current.process);
    }
    return current;
  }

  beforeAll(async () => {
    await running();
  }, 120_000);

  afterAll(async () => {
    for (const p of started) await p.close();
  });

  it("prints the page's address once it is ready", async () => {
    const { process: sandbox } = await running();
    console.log(`[sandbox] ready in ${sandbox.startedIn} ms (process start to ready line, test database already running)`);
    expect(sandbox.output()).toMatch(/Sandbox ready: http:\/\/127\.0\.0\.1:\d+ \(\d+\.\d s\)/);
    const page = await fetch(sandbox.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("/app.js");
  }, 120_000);

  it("lets a demo person talk to the real bot", async () => {
    const { url } = (await running()).process;
    const newcomer = DEMO_PEOPLE.find((p) => p.key === "newcomer")!.user;
    expect((await postJson(`${url}/api/chats/${newcomer.id}/messages`, { text: "/start" })).status).toBe(202);
    const answer = await waitUntil("the bot's answer", async () => {
      const chat = (await (await fetch(`${url}/api/chats/${newcomer.id}`)).json()) as { messages: { from: string; text?: string }[] };
      return chat.messages.find((m) => m.from === "bot")?.text;
    });
    // No role yet: told how to join, in Hindi (their Telegram's language).
    expect(answer).toContain(`नमस्ते ${newcomer.first_name}`);
  }, 120_000);

  it("keeps its data in its own database, never the one the real bot would use", async () => {
    const { base } = await running();
    const connection = await mongoose.createConnection(testMongoUri(), { dbName: `${base}_sandbox` }).asPromise();
    try {
      expect(await connection.collection("people").countDocuments()).toBeGreaterThanOrEqual(DEMO_PEOPLE.length);
      const real = await mongoose.createConnection(testMongoUri(), { dbName: base }).asPromise();
      expect(await real.collection("people").countDocuments()).toBe(0);
      await real.close();
    } finally {
      await connection.close();
    }
  }, 120_000);

  it("stops cleanly on SIGTERM", async () => {
    const own = (await running()).process;
    current = undefined; // whatever runs after this starts its own
    const exited = new Promise<number | null>((resolve) => {
      if (own.child.exitCode !== null) resolve(own.child.exitCode);
      else own.child.once("exit", (code) => resolve(code));
    });
    own.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    await expect(fetch(own.url)).rejects.toThrow();
  }, 120_000);
});
