import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

describe("configuration", () => {
  it("applies defaults", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      botToken: undefined,
      mongodbUri: undefined,
      botApiRoot: "https://api.telegram.org",
      timeZone: "Asia/Kolkata",
      bootstrapAdminIds: [],
      logLevel: "info",
    });
  });

  it("parses every variable, including user ids above 32 bits", () => {
    const c = loadConfig({
      BOT_TOKEN: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_-abc",
      MONGODB_URI: "mongodb://localhost:27017/sanyojak",
      BOT_API_ROOT: "http://127.0.0.1:8081/",
      TZ: "Asia/Kolkata",
      BOOTSTRAP_ADMIN_IDS: " 5000000001, 42 ",
      LOG_LEVEL: "debug",
    });
    expect(c.bootstrapAdminIds).toEqual([5_000_000_001, 42]);
    expect(c.botApiRoot).toBe("http://127.0.0.1:8081");
  });

  it("treats empty values as unset (a copied .env.example)", () => {
    expect(loadConfig({ BOT_TOKEN: "", MONGODB_URI: " " }).botToken).toBeUndefined();
  });

  it("names every bad variable at once", () => {
    try {
      loadConfig({ BOT_TOKEN: "nope", MONGODB_URI: "postgres://x", TZ: "Mars/Olympus", BOOTSTRAP_ADMIN_IDS: "12,abc", LOG_LEVEL: "loud" });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join("\n");
      for (const v of ["BOT_TOKEN", "MONGODB_URI", "TZ", "BOOTSTRAP_ADMIN_IDS", "LOG_LEVEL"]) expect(problems).toContain(v);
    }
  });

  it("switches to webhook mode with WEBHOOK_URL, which needs a WEBHOOK_SECRET and HTTPS", () => {
    expect(loadConfig({}).webhook).toBeUndefined();
    expect(loadConfig({}).http).toEqual({ host: "0.0.0.0", healthPort: undefined });
    const c = loadConfig({ WEBHOOK_URL: "https://bot.example.org/tg/hook", WEBHOOK_SECRET: "0123456789abcdef_-X", WEBHOOK_PORT: "9000", HEALTH_PORT: "9100" });
    expect(c.webhook).toEqual({ url: "https://bot.example.org/tg/hook", path: "/tg/hook", secret: "0123456789abcdef_-X", port: 9000 });
    expect(c.http.healthPort).toBe(9100);
    expect(loadConfig({ WEBHOOK_URL: "https://bot.example.org/", WEBHOOK_SECRET: "0123456789abcdef" }).webhook?.port).toBe(8443);
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return "";
      } catch (err) {
        return (err as ConfigError).problems.join("\n");
      }
    };
    expect(problems({ WEBHOOK_URL: "https://bot.example.org/hook" })).toContain("WEBHOOK_SECRET: must be set when WEBHOOK_URL is");
    expect(problems({ WEBHOOK_URL: "http://bot.example.org/hook", WEBHOOK_SECRET: "0123456789abcdef" })).toContain("WEBHOOK_URL");
    expect(problems({ WEBHOOK_URL: "https://bot.example.org/hook", WEBHOOK_SECRET: "short" })).toContain("WEBHOOK_SECRET");
    expect(problems({ WEBHOOK_URL: "https://bot.example.org/hook", WEBHOOK_SECRET: "has spaces in it, sixteen+" })).toContain("WEBHOOK_SECRET");
    expect(problems({ HEALTH_PORT: "70000" })).toContain("HEALTH_PORT");
  });
});
