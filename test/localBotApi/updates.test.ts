// Updates: what users do becomes queued updates; getUpdates' offset, limit and long-polling rules; and the
// drive/fixture helpers that feed updates to a Bot directly.
import { Bot, GrammyError, InlineKeyboard } from "grammy";
import type { Update } from "grammy/types";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LocalBotApi } from "../../src/localBotApi/index.js";
import { botInfo, callbackUpdate, clientFor, drive, localApi, makeUser, textUpdate, token } from "../helpers/telegram.js";
import { waitUntil } from "../helpers/waitUntil.js";

const arjun = makeUser(9_100_000_001, { first_name: "Arjun", language_code: "en" });
const priya = makeUser(9_100_000_002, { first_name: "Priya" });

let api: LocalBotApi;
let bot: Bot;

beforeEach(() => {
  api = localApi();
  bot = new Bot(token, { botInfo, client: clientFor(api) });
});

describe("user messages", () => {
  it("queue a message update with bot_command entities like Telegram's", () => {
    const message = api.sendUserMessage(arjun, "/start invite_42");
    expect(message).toMatchObject({
      message_id: 1,
      from: { id: arjun.id, is_bot: false, first_name: "Arjun", language_code: "en" },
      chat: { id: arjun.id, type: "private", first_name: "Arjun" },
      text: "/start invite_42",
      entities: [{ type: "bot_command", offset: 0, length: 6 }],
    });
    const [update] = api.takeUpdates();
    expect(update).toEqual({ update_id: 1, message });
  });

  it("are handled by grammY's command routing when driven", async () => {
    bot.command("start", (ctx) => ctx.reply(`payload=${ctx.match}`));
    bot.on("message:text", (ctx) => ctx.reply(`echo ${ctx.message.text}`));
    api.sendUserMessage(arjun, "/start abc");
    api.sendUserMessage(priya, "hello");
    const calls = await drive(api, bot);
    expect(calls.map((c) => [c.method, c.params.chat_id, c.params.text])).toEqual([
      ["sendMessage", arjun.id, "payload=abc"],
      ["sendMessage", priya.id, "echo hello"],
    ]);
    expect(api.pendingUpdateCount).toBe(0);
  });

  it("in a group, reply to a stored message", () => {
    const group = { id: -100_200_300, type: "supergroup" as const, title: "Varanasi volunteers" };
    const first = api.sendUserMessage(arjun, "first", { chat: group });
    const reply = api.sendUserMessage(priya, "second", { chat: group, replyTo: first.message_id });
    expect(reply).toMatchObject({ chat: group, message_id: 2, reply_to_message: { message_id: 1, text: "first" } });
  });
});

describe("button clicks", () => {
  it("queue a callback_query for the bot's message; the bot answers and edits", async () => {
    bot.command("vote", (ctx) => ctx.reply("Attend?", { reply_markup: new InlineKeyboard().text("Yes", "rsvp:yes").text("No", "rsvp:no") }));
    bot.callbackQuery(/^rsvp:(.+)$/, async (ctx) => {
      await ctx.answerCallbackQuery({ text: "Saved" });
      await ctx.editMessageText(`You said ${ctx.match[1]}`);
    });
    api.sendUserMessage(arjun, "/vote");
    await drive(api, bot);
    const prompt = api.lastBotMessage(arjun.id);
    const query = api.clickButton(arjun, prompt?.message_id ?? 0, "rsvp:yes");
    expect(query).toMatchObject({ from: { id: arjun.id }, message: prompt, data: "rsvp:yes" });
    const calls = await drive(api, bot);
    expect(calls.map((c) => c.method)).toEqual(["answerCallbackQuery", "editMessageText"]);
    expect(api.callbackAnswer(query.id)).toEqual({ text: "Saved" });
    expect(api.lastBotMessage(arjun.id)).toMatchObject({ text: "You said yes" });
    expect(api.lastBotMessage(arjun.id)).not.toHaveProperty("reply_markup");
  });

  it("refuse data that no button carries, unless forced (clients can send anything)", async () => {
    api.sendUserMessage(arjun, "hi");
    const sent = await bot.api.sendMessage(arjun.id, "x", { reply_markup: new InlineKeyboard().text("ok", "ok") });
    expect(() => api.clickButton(arjun, sent.message_id, "admin:delete-all")).toThrow(/no button/);
    const forged = api.clickButton(arjun, sent.message_id, "admin:delete-all", { force: true });
    expect(forged.data).toBe("admin:delete-all");
    const onMissing = api.clickButton(arjun, 999, "x", { force: true });
    expect(onMissing.message).toEqual({ chat: { id: arjun.id, type: "private", first_name: "Arjun" }, message_id: 999, date: 0 });
  });
});

describe("getUpdates", () => {
  beforeEach(() => {
    api.sendUserMessage(arjun, "one");
    api.sendUserMessage(arjun, "two");
    api.sendUserMessage(priya, "three");
  });

  const texts = (updates: { message?: { text?: string } }[]) => updates.map((u) => u.message?.text);

  it("keeps updates until an offset above them confirms them", async () => {
    const all = await bot.api.getUpdates();
    expect(all.map((u) => u.update_id)).toEqual([1, 2, 3]);
    expect(texts(await bot.api.getUpdates())).toEqual(["one", "two", "three"]); // not confirmed yet
    expect(texts(await bot.api.getUpdates({ offset: 2 }))).toEqual(["two", "three"]);
    expect(texts(await bot.api.getUpdates({ offset: 1 }))).toEqual(["two", "three"]); // 1 is gone for good
    expect(await bot.api.getUpdates({ offset: 4 })).toEqual([]);
    expect(api.pendingUpdateCount).toBe(0);
  });

  it("honours limit, and a negative offset keeps only the newest", async () => {
    expect(texts(await bot.api.getUpdates({ limit: 2 }))).toEqual(["one", "two"]);
    expect(texts(await bot.api.getUpdates({ offset: -1 }))).toEqual(["three"]);
    expect(api.pendingUpdateCount).toBe(1);
  });

  it("drops update types outside allowed_updates", async () => {
    const sent = await bot.api.sendMessage(arjun.id, "x", { reply_markup: new InlineKeyboard().text("ok", "ok") });
    api.clickButton(arjun, sent.message_id, "ok");
    const updates = await bot.api.getUpdates({ allowed_updates: ["callback_query"] });
    expect(updates.map((u) => Object.keys(u)[1])).toEqual(["callback_query"]);
  });

  describe("long polling, on fake timers (no real second passes)", () => {
    beforeEach(() => void vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] }));
    afterEach(() => void vi.useRealTimers());

    /** A getUpdates call that is waiting in the LocalBotApi (its long-poll timer is set when the call is logged). */
    async function waitingPoll(params: { offset: number; timeout: number }) {
      let answer: Update[] | undefined;
      const calls = api.callsTo("getUpdates").length;
      const done = bot.api.getUpdates(params).then((u) => (answer = u));
      await waitUntil("the getUpdates call to arrive", () => api.callsTo("getUpdates").length > calls);
      return { done, answer: () => answer };
    }

    it("answers as soon as an update arrives", async () => {
      await bot.api.getUpdates({ offset: 4 });
      const started = Date.now();
      const poll = await waitingPoll({ offset: 4, timeout: 10 });
      api.sendUserMessage(priya, "four");
      expect(texts(await poll.done)).toEqual(["four"]);
      // Woken by the update: not one (fake) millisecond passed.
      expect(Date.now()).toBe(started);
    });

    it("answers [] when the timeout passes, not before", async () => {
      const poll = await waitingPoll({ offset: 4, timeout: 1 });
      await vi.advanceTimersByTimeAsync(999);
      expect(poll.answer()).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(await poll.done).toEqual([]);
    });
  });

  it("a second poller ends the first with 409 Conflict", async () => {
    const first = bot.api.getUpdates({ offset: 4, timeout: 10 });
    const second = bot.api.getUpdates({ offset: 4, timeout: 0 });
    await expect(first).rejects.toMatchObject({
      error_code: 409,
      description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    });
    await expect(second).resolves.toEqual([]);
  });

  it("is refused while a webhook is set; deleteWebhook can drop what is pending", async () => {
    await bot.api.setWebhook("https://bot.example.org/hook", { secret_token: "s3cret" });
    expect(api.webhook).toEqual({ url: "https://bot.example.org/hook", secret_token: "s3cret" });
    expect(await bot.api.getWebhookInfo()).toMatchObject({ url: "https://bot.example.org/hook", pending_update_count: 3 });
    const error = await bot.api.getUpdates().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrammyError);
    expect(error).toMatchObject({ error_code: 409 });
    await bot.api.deleteWebhook({ drop_pending_updates: true });
    expect(await bot.api.getUpdates()).toEqual([]);
  });
});

describe("fixtures for hand-fed updates", () => {
  it("textUpdate and callbackUpdate drive a bot without the queue", async () => {
    bot.command("help", (ctx) => ctx.reply("Help text"));
    bot.callbackQuery("x", (ctx) => ctx.answerCallbackQuery());
    api.addUser(priya);
    await bot.handleUpdate(textUpdate(priya, "/help"));
    const reply = api.lastBotMessage(priya.id);
    expect(reply?.text).toBe("Help text");
    if (!reply) return;
    // A query the api never issued cannot be answered: Telegram would say the same.
    await expect(bot.handleUpdate(callbackUpdate(priya, reply, "x"))).rejects.toThrow(/query is too old/);
  });
});
