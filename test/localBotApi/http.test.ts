// The same Bot API over real HTTP (node:http): grammY's default fetch, long polling with bot.start()/bot.stop(),
// multipart uploads, file downloads, and plain GET calls like curl would make.
import { Bot, HttpError, InputFile } from "grammy";
import type { Message } from "grammy/types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { networkFailure, type LocalBotApi, type RunningServer } from "../../src/localBotApi/index.js";
import { botInfo, clientFor, localApi, makeUser, token } from "../helpers/telegram.js";
import { waitUntil } from "../helpers/waitUntil.js";

const deepa = makeUser(5_500_000_031, { first_name: "Deepa" });

let api: LocalBotApi;
let server: RunningServer;
let bot: Bot;

beforeEach(async () => {
  api = localApi();
  server = await api.listen();
  bot = new Bot(token, { botInfo, client: { apiRoot: server.url } });
});

afterEach(async () => {
  await server.close();
});

/** Resolves with the next message the bot sends. */
function nextBotMessage(from: LocalBotApi): Promise<Message> {
  return new Promise((resolve) => from.events.once("botMessage", resolve));
}

describe("over HTTP", () => {
  it("listens on 127.0.0.1 on a free port", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("sends and stores a message", async () => {
    api.sendUserMessage(deepa, "hi");
    const sent = await bot.api.sendMessage(deepa.id, "नमस्ते", { reply_markup: { inline_keyboard: [[{ text: "ok", callback_data: "ok" }]] } });
    expect(api.lastBotMessage(deepa.id)).toEqual(sent);
  });

  it("uploads a photo as multipart/form-data and serves it back under /file/", async () => {
    api.sendUserMessage(deepa, "hi");
    const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);
    const sent = await bot.api.sendPhoto(deepa.id, new InputFile(bytes, "x.jpg"), { caption: "photo" });
    const file = await bot.api.getFile(sent.photo?.[0]?.file_id ?? "");
    const response = await fetch(`${server.url}/file/bot${token}/${file.file_path}`);
    expect(response.status).toBe(200);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes);
  });

  it("takes GET query parameters and answers errors with Telegram's status codes", async () => {
    api.sendUserMessage(deepa, "hi");
    const ok = await fetch(`${server.url}/bot${token}/sendMessage?chat_id=${deepa.id}&text=${encodeURIComponent("via GET")}`);
    expect(await ok.json()).toMatchObject({ ok: true, result: { text: "via GET" } });
    const bad = await fetch(`${server.url}/bot${token}/sendMessage?chat_id=1&text=x`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ ok: false, error_code: 400, description: "Bad Request: chat not found" });
    const unknown = await fetch(`${server.url}/bot${token}/noSuchMethod`);
    expect(unknown.status).toBe(404);
    const unauthorized = await fetch(`${server.url}/bot1:bad/getMe`);
    expect(await unauthorized.json()).toEqual({ ok: false, error_code: 401, description: "Unauthorized" });
  });

  it("answers 429 with retry_after and drops the connection for a network fault", async () => {
    api.sendUserMessage(deepa, "hi");
    api.failNext("sendMessage");
    await expect(bot.api.sendMessage(deepa.id, "a")).rejects.toMatchObject({ error_code: 429, parameters: { retry_after: 1 } });
    api.failNext("sendMessage", networkFailure());
    await expect(bot.api.sendMessage(deepa.id, "b")).rejects.toBeInstanceOf(HttpError);
    await expect(bot.api.sendMessage(deepa.id, "c")).resolves.toMatchObject({ text: "c" });
  });

  it("bot.start() long-polls: receives a message, replies, stops and confirms the offset", async () => {
    bot.on("message:text", (ctx) => ctx.reply(`got: ${ctx.message.text}`));
    const replied = nextBotMessage(api);
    const running = bot.start({ timeout: 5 });
    // The message arrives while the poll is waiting, so the long poll itself must wake.
    await waitUntil("a long poll to be waiting", () => api.callsTo("getUpdates").some((c) => c.ok === undefined));
    api.sendUserMessage(deepa, "hello bot");
    expect((await replied).text).toBe("got: hello bot");
    await bot.stop();
    await running;
    expect(api.pendingUpdateCount).toBe(0);
    expect(api.callsTo("deleteWebhook")).toHaveLength(1);
  });
});

describe("bot.start() on the in-process fetch", () => {
  it("round-trips and stops cleanly (the abort ends the pending poll)", async () => {
    const local = new Bot(token, { botInfo, client: clientFor(api) });
    local.command("start", (ctx) => ctx.reply("welcome"));
    const replied = nextBotMessage(api);
    const running = local.start({ timeout: 30 });
    api.sendUserMessage(deepa, "/start");
    expect((await replied).text).toBe("welcome");
    await waitUntil("a long poll to be waiting", () => api.callsTo("getUpdates").some((c) => c.ok === undefined));
    await local.stop();
    await running;
    // The waiting poll (30 s) was ended by the abort, not by its timeout: no getUpdates call is left open.
    expect(api.callsTo("getUpdates").filter((c) => c.ok === undefined)).toEqual([]);
    expect(api.callsTo("getUpdates").at(-1)).toMatchObject({ ok: true, result: [] });
    expect(api.pendingUpdateCount).toBe(0);
  });
});
