import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLoggerTo, redactToken } from "../src/logger.js";
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
});
