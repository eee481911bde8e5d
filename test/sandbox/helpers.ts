// A whole sandbox for tests: the real app (database on the test server, in its own database), the local Bot API
// over HTTP, the web server on a free port. Also small clients for the page's API and its event stream.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { crc32, deflateSync } from "node:zlib";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { sandboxDbName } from "../../src/sandbox/database.js";
import { testMongoUri } from "../helpers/db.js";

export interface TestSandbox extends Sandbox {
  /** Stops it and hands its database to the next sandbox this worker starts. */
  close(): Promise<void>;
  dbName: string;
}

/**
 * Database names of sandboxes this worker has closed (vitest runs with isolate off). A sandbox empties its database at
 * start but keeps the map's collections, as a restarted `npm start` does; reusing the name saves making forty
 * collections and seeding the map again.
 */
const closedBases: string[] = [];

/** A database name for a sandbox (in-process or `npm start`'s): one a closed sandbox left, or a new one. */
export function takeSandboxBase(label: string): string {
  return closedBases.pop() ?? `sbx_${label.replace(/[^a-z0-9]/gi, "").slice(0, 16)}_${randomBytes(3).toString("hex")}`;
}

/** For a sandbox that has stopped: its database may go to the next one. */
export function handBackSandboxBase(base: string): void {
  closedBases.push(base);
}

export async function startTestSandbox(label: string, env: Record<string, string> = {}): Promise<TestSandbox> {
  const base = takeSandboxBase(label);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "sanyojak-sandbox-test-"));
  const config = loadConfig({
    MONGODB_URI: `${testMongoUri().replace(/\/?$/, "/")}${base}`,
    LOG_LEVEL: "silent",
    DATA_DIR: dataDir,
    ...env,
  });
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const sandbox = await startSandbox({ config, logger, port: 0, host: "127.0.0.1" });
  const dbName = sandboxDbName(base);
  return {
    ...sandbox,
    dbName,
    async close() {
      await sandbox.stop();
      rmSync(dataDir, { recursive: true, force: true });
      handBackSandboxBase(base);
    },
  };
}

export interface FeedMessage {
  event: string;
  data: Record<string, unknown>;
}

/** Reads /api/events like EventSource does; `events` fills as they arrive. */
export async function openFeed(url: string): Promise<{ events: FeedMessage[]; close(): void }> {
  const controller = new AbortController();
  const response = await fetch(`${url}/api/events`, { signal: controller.signal });
  if (!response.ok || !response.body) throw new Error(`event stream: HTTP ${response.status}`);
  const events: FeedMessage[] = [];
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        }
      }
    } catch {
      // aborted
    }
  })();
  return { events, close: () => controller.abort() };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

/** A real PNG of one colour (the page shows it; the Bot API reads its size from the header). */
export function makePng(width: number, height: number, rgb: [number, number, number] = [255, 136, 0]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.byteLength);
    const typed = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3).map((_, i) => rgb[i % 3]!)]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", pixels),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
