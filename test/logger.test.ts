import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLoggerTo, redactToken, resolveLogFormat } from "../src/logger.js";
import { loadConfig } from "../src/config.js";
import { waitUntil } from "./helpers/waitUntil.js";

const TOKEN = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ms";

describe("logger", () => {
  it("scrubs the token from strings, whatever their shape", () => {
    expect(redactToken(`GET https://api.telegram.org/bot${TOKEN}/getMe failed`, TOKEN)).not.toContain("AAEh");
    expect(redactToken("token 987654321:ZZEhBOweik6ad9r_QXMENQjcrGbqCr4K-ms", undefined)).toContain("<bot-token>");
  });

  it("scrubs the token from logged errors", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const err = new Error(`Network request for 'sendMessage' failed: https://api.telegram.org/bot${TOKEN}/sendMessage`);
    const captured = createLoggerTo({ level: "info", botToken: TOKEN }, sink);
    captured.error({ err, updateId: 7 }, "update failed");
    captured.info(`calling bot${TOKEN}`);
    await waitUntil("both lines to be written", () => lines.length >= 2);
    const out = lines.join("");
    expect(out).toContain('"updateId":7');
    expect(out).not.toContain("AAEh");
    expect(out).toContain("<bot-token>");
  });

  it("writes readable lines when pretty, still without the token", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const pretty = createLoggerTo({ level: "info", botToken: TOKEN, format: "pretty" }, sink);
    pretty.info({ updateId: 7 }, `update from bot${TOKEN}`);
    await waitUntil("the line to be written", () => lines.length >= 1);
    const out = lines.join("");
    expect(out).toMatch(/INFO.*update from bot<bot-token>/);
    expect(out).toContain("updateId: 7");
    expect(out).not.toContain("AAEh");
    expect(() => JSON.parse(out)).toThrow();
  });

  it("is pretty at a terminal outside production, JSON otherwise, unless LOG_FORMAT says which", () => {
    expect(resolveLogFormat("auto", { isTTY: true, production: false })).toBe("pretty");
    expect(resolveLogFormat("auto", { isTTY: false, production: false })).toBe("json");
    expect(resolveLogFormat("auto", { isTTY: true, production: true })).toBe("json");
    expect(resolveLogFormat("pretty", { isTTY: false, production: true })).toBe("pretty");
    expect(resolveLogFormat("json", { isTTY: true, production: false })).toBe("json");
    expect(loadConfig({})).toMatchObject({ logFormat: "auto", production: false });
    expect(loadConfig({ LOG_FORMAT: "json", NODE_ENV: "production" })).toMatchObject({ logFormat: "json", production: true });
    expect(() => loadConfig({ LOG_FORMAT: "fancy" })).toThrow(/LOG_FORMAT/);
  });
});
