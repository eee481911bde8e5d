// Sending, editing and deleting through a real grammY Bot on the in-process fetch: what is stored and returned.
import { Bot, InlineKeyboard } from "grammy";
import { beforeEach, describe, expect, it } from "vitest";
import type { LocalBotApi } from "../../src/localBotApi/index.js";
import { botInfo, clientFor, localApi, makeUser, token } from "../helpers/telegram.js";

const asha = makeUser(5_000_000_001, { first_name: "Asha", language_code: "hi" });

let api: LocalBotApi;
let bot: Bot;

beforeEach(() => {
  api = localApi({ now: () => Date.UTC(2025, 0, 15, 10, 0, 0) });
  bot = new Bot(token, { botInfo, client: clientFor(api) });
  api.sendUserMessage(asha, "/start");
});

describe("getMe", () => {
  it("answers the configured bot", async () => {
    expect(await bot.api.getMe()).toEqual(botInfo);
  });
});

describe("sendMessage", () => {
  it("returns a Telegram-shaped Message and stores it after the user's", async () => {
    const keyboard = new InlineKeyboard().text("हाँ", "yes:1").text("नहीं", "no:1");
    const sent = await bot.api.sendMessage(asha.id, "नमस्ते <b>आशा</b>", { parse_mode: "HTML", reply_markup: keyboard });
    expect(sent).toEqual({
      message_id: 2,
      from: { id: botInfo.id, is_bot: true, first_name: botInfo.first_name, username: botInfo.username },
      chat: { id: asha.id, type: "private", first_name: "Asha" },
      date: Date.UTC(2025, 0, 15, 10, 0, 0) / 1000,
      text: "नमस्ते आशा",
      entities: [{ type: "bold", offset: 7, length: 3 }],
      reply_markup: { inline_keyboard: keyboard.inline_keyboard },
    });
    const transcript = api.messages(asha.id);
    expect(transcript.map((e) => [e.from, e.message.message_id, e.message.text])).toEqual([
      ["user", 1, "/start"],
      ["bot", 2, "नमस्ते आशा"],
    ]);
    expect(api.lastBotMessage(asha.id)).toEqual(sent);
  });

  it("records every call with its params and result", async () => {
    const sent = await bot.api.sendMessage(asha.id, "hello");
    const call = api.callsTo("sendMessage")[0];
    expect(call).toMatchObject({ method: "sendMessage", params: { chat_id: asha.id, text: "hello" }, ok: true, result: sent });
  });

  it("keeps a reply keyboard beside the message, since Message.reply_markup is inline-only", async () => {
    const sent = await bot.api.sendMessage(asha.id, "choose", { reply_markup: { keyboard: [[{ text: "A" }]], resize_keyboard: true } });
    expect(sent.reply_markup).toBeUndefined();
    expect(api.message(asha.id, sent.message_id)?.clientKeyboard).toEqual({ keyboard: [[{ text: "A" }]], resize_keyboard: true });
  });

  it("attaches the replied-to message", async () => {
    const sent = await bot.api.sendMessage(asha.id, "reply", { reply_parameters: { message_id: 1 } });
    expect(sent.reply_to_message?.text).toBe("/start");
  });

  it("emits botMessage events for a live view", async () => {
    const seen: string[] = [];
    api.events.on("botMessage", (m) => seen.push(m.text ?? ""));
    await bot.api.sendMessage(asha.id, "one");
    await bot.api.sendMessage(asha.id, "two");
    expect(seen).toEqual(["one", "two"]);
  });
});

describe("editing", () => {
  it("applies the edit, keeps the history and emits 'edit'", async () => {
    const sent = await bot.api.sendMessage(asha.id, "draft", { reply_markup: new InlineKeyboard().text("ok", "ok") });
    const edits: string[] = [];
    api.events.on("edit", (m, previous) => edits.push(`${previous.text} -> ${m.text}`));
    const edited = await bot.api.editMessageText(asha.id, sent.message_id, "final", {
      reply_markup: new InlineKeyboard().text("ok", "ok"),
    });
    expect(edited).toMatchObject({ message_id: sent.message_id, text: "final", edit_date: expect.any(Number) });
    const entry = api.message(asha.id, sent.message_id);
    expect(entry?.message.text).toBe("final");
    expect(entry?.edits.map((m) => m.text)).toEqual(["draft"]);
    expect(edits).toEqual(["draft -> final"]);
  });

  it("drops the inline keyboard when an edit does not repeat it, as Telegram does", async () => {
    const sent = await bot.api.sendMessage(asha.id, "pick", { reply_markup: new InlineKeyboard().text("a", "a") });
    const edited = await bot.api.editMessageText(asha.id, sent.message_id, "picked");
    expect(edited).not.toHaveProperty("reply_markup");
  });

  it("edits only the keyboard with editMessageReplyMarkup", async () => {
    const sent = await bot.api.sendMessage(asha.id, "pick", { reply_markup: new InlineKeyboard().text("a", "a") });
    const edited = await bot.api.editMessageReplyMarkup(asha.id, sent.message_id, { reply_markup: new InlineKeyboard().text("b", "b") });
    expect(edited).toMatchObject({ text: "pick", reply_markup: { inline_keyboard: [[{ text: "b", callback_data: "b" }]] } });
  });

  it("edits a photo's caption", async () => {
    const sent = await bot.api.sendPhoto(asha.id, "https://example.org/p.jpg", { caption: "old" });
    const edited = await bot.api.editMessageCaption(asha.id, sent.message_id, { caption: "<i>new</i>", parse_mode: "HTML" });
    expect(edited).toMatchObject({ caption: "new", caption_entities: [{ type: "italic", offset: 0, length: 3 }] });
  });
});

describe("deleteMessage", () => {
  it("removes the message from the transcript but can still show it", async () => {
    const sent = await bot.api.sendMessage(asha.id, "oops");
    expect(await bot.api.deleteMessage(asha.id, sent.message_id)).toBe(true);
    expect(api.messages(asha.id).map((e) => e.message.text)).toEqual(["/start"]);
    expect(api.messages(asha.id, { includeDeleted: true }).at(-1)).toMatchObject({ deleted: true });
  });
});

describe("chat actions, getChat, commands and menu button", () => {
  it("accepts and records them", async () => {
    const actions: string[] = [];
    api.events.on("chatAction", (_chat, action) => actions.push(action));
    expect(await bot.api.sendChatAction(asha.id, "typing")).toBe(true);
    expect(actions).toEqual(["typing"]);
    expect(await bot.api.getChat(asha.id)).toMatchObject({ id: asha.id, type: "private", first_name: "Asha" });

    await bot.api.setMyCommands([{ command: "start", description: "शुरू" }], { language_code: "hi" });
    await bot.api.setMyCommands([{ command: "help", description: "Help" }], { scope: { type: "chat", chat_id: asha.id } });
    expect(await bot.api.getMyCommands({ language_code: "hi" })).toEqual([{ command: "start", description: "शुरू" }]);
    expect(await bot.api.getMyCommands()).toEqual([]);
    expect(api.commands({ scope: { type: "chat", chat_id: asha.id } })).toEqual([{ command: "help", description: "Help" }]);
    await bot.api.deleteMyCommands({ language_code: "hi" });
    expect(await bot.api.getMyCommands({ language_code: "hi" })).toEqual([]);

    await bot.api.setChatMenuButton({ chat_id: asha.id, menu_button: { type: "commands" } });
    expect(await bot.api.getChatMenuButton({ chat_id: asha.id })).toEqual({ type: "commands" });
  });
});

describe("method names", () => {
  it("are case-insensitive like Telegram's", async () => {
    const response = await api.handle(token, "SENDMESSAGE", { chat_id: asha.id, text: "hi" });
    expect(response).toMatchObject({ ok: true, result: { text: "hi" } });
  });
});
