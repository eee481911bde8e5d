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
});
