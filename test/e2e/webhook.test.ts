// The real process (npm start's entry point) in webhook mode: it sets the webhook with its secret, answers a POST
// carrying the secret after storing the update and replies through the local Bot API, refuses one without it, serves
// /readyz, and stops cleanly on SIGTERM.
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { LocalBotApi } from "../../src/localBotApi/index.js";
import { botInfo, makeUser } from "../helpers/telegram.js";
import { startBotProcess } from "../helpers/botProcess.js";
import { waitUntil } from "../helpers/waitUntil.js";

/** A port nothing listens on now (the process is told it; port 0 would leave the test guessing). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe("npm start in webhook mode", () => {
  it("sets the webhook, handles a POSTed update, refuses one without the secret, and stops on SIGTERM", async () => {
    const token = `${botInfo.id}:E2E-${randomBytes(12).toString("hex")}`;
    const secret = randomBytes(24).toString("hex");
    const api = new LocalBotApi({ botInfo, token });
    const server = await api.listen();
    const port = await freePort();
    const proc = await startBotProcess({
      token,
      apiRoot: server.url,
      label: "webhook",
      env: { WEBHOOK_URL: "https://bot.example.org/tg", WEBHOOK_SECRET: secret, WEBHOOK_PORT: String(port), HTTP_HOST: "127.0.0.1" },
    });
    try {
      expect(api.webhook).toMatchObject({ url: "https://bot.example.org/tg", secret_token: secret });
      const person = makeUser(6_300_000_001, { language_code: "en", first_name: "Meera" });
      api.sendUserMessage(person, "/start");
      const update = JSON.stringify(api.nextUpdate());
      const post = (headers: Record<string, string>) =>
        fetch(`http://127.0.0.1:${port}/tg`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: update });
      expect((await post({})).status).toBe(401);
      expect((await post({ "X-Telegram-Bot-Api-Secret-Token": secret })).status).toBe(200);
      expect(await waitUntil("the reply", () => api.lastBotMessage(person.id)?.text)).toContain("Namaste Meera");
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      proc.child.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
      expect(proc.output()).toContain("bot receives updates by webhook");
      expect(proc.output()).not.toContain(secret);
    } finally {
      await proc.close();
      await server.close();
    }
  }, 120_000);
});
