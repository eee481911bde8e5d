// What Telegram refuses, the local Bot API refuses too, and grammY surfaces it as a GrammyError with Telegram's text.
import { Bot, GrammyError, InlineKeyboard } from "grammy";
import { beforeEach, describe, expect, it } from "vitest";
import type { LocalBotApi } from "../../src/localBotApi/index.js";
import { botInfo, clientFor, localApi, makeUser, token } from "../helpers/telegram.js";

const ravi = makeUser(6_100_000_007, { first_name: "Ravi" });

let api: LocalBotApi;
let bot: Bot;

beforeEach(() => {
  api = localApi();
  bot = new Bot(token, { botInfo, client: clientFor(api) });
  api.sendUserMessage(ravi, "hello");
});

/** The GrammyError a call fails with (the test fails if it succeeds). */
async function rejection(call: Promise<unknown>): Promise<GrammyError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GrammyError);
  return error as GrammyError;
}

describe("message text", () => {
  it("must not be empty", async () => {
    const error = await rejection(bot.api.sendMessage(ravi.id, ""));
    expect(error).toMatchObject({ error_code: 400, description: "Bad Request: message text is empty" });
  });

  it("may be 4096 characters but not 4097 (counted after entity parsing)", async () => {
    await expect(bot.api.sendMessage(ravi.id, "क".repeat(4096))).resolves.toMatchObject({ text: "क".repeat(4096) });
    await expect(bot.api.sendMessage(ravi.id, `<b>${"a".repeat(4096)}</b>`, { parse_mode: "HTML" })).resolves.toBeDefined();
    const error = await rejection(bot.api.sendMessage(ravi.id, "a".repeat(4097)));
    expect(error.description).toBe("Bad Request: message is too long");
  });

  it("caption may be 1024 characters but not 1025", async () => {
    await expect(bot.api.sendPhoto(ravi.id, "https://example.org/a.jpg", { caption: "c".repeat(1024) })).resolves.toBeDefined();
    const error = await rejection(bot.api.sendPhoto(ravi.id, "https://example.org/a.jpg", { caption: "c".repeat(1025) }));
    expect(error.description).toBe("Bad Request: message caption is too long");
  });
});

describe("callback_data", () => {
  it("may be 64 bytes", async () => {
    await expect(bot.api.sendMessage(ravi.id, "x", { reply_markup: new InlineKeyboard().text("ok", "a".repeat(64)) })).resolves.toBeDefined();
  });

  it("is limited in bytes, not characters: 22 Devanagari letters are 66 bytes", async () => {
    const data = "क".repeat(22);
    expect(data.length).toBe(22);
    const error = await rejection(bot.api.sendMessage(ravi.id, "x", { reply_markup: new InlineKeyboard().text("ok", data) }));
    expect(error.description).toBe("Bad Request: BUTTON_DATA_INVALID");
  });

  it("must not be empty", async () => {
    const error = await rejection(bot.api.sendMessage(ravi.id, "x", { reply_markup: { inline_keyboard: [[{ text: "ok", callback_data: "" }]] } }));
    expect(error.description).toBe("Bad Request: BUTTON_DATA_INVALID");
  });

  it("is checked on edits too", async () => {
    const sent = await bot.api.sendMessage(ravi.id, "x");
    const error = await rejection(
      bot.api.editMessageText(ravi.id, sent.message_id, "y", { reply_markup: new InlineKeyboard().text("ok", "z".repeat(65)) }),
    );
    expect(error.description).toBe("Bad Request: BUTTON_DATA_INVALID");
  });
});

describe("chats", () => {
  it("unknown chat_id: chat not found", async () => {
    const error = await rejection(bot.api.sendMessage(123456, "hi"));
    expect(error).toMatchObject({ error_code: 400, description: "Bad Request: chat not found" });
    expect((await rejection(bot.api.getChat(123456))).description).toBe("Bad Request: chat not found");
  });
});

describe("parse_mode", () => {
  it("rejects an unknown parse_mode", async () => {
    const error = await rejection(bot.api.sendMessage(ravi.id, "hi", { parse_mode: "Html5" as "HTML" }));
    expect(error.description).toBe("Bad Request: unsupported parse_mode");
  });

  it.each([
    ["<b>bold", 'Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "b"'],
    ["<b>x</i>", 'Bad Request: can\'t parse entities: Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'],
    ["<br>", 'Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 0'],
    ["a < b", 'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2'],
    ["Tom & Jerry", "Bad Request: can't parse entities: Unescaped '&' at byte offset 4: write it as &amp;"],
    ["x</b>", "Bad Request: can't parse entities: Unexpected end tag at byte offset 1"],
    ['<span class="red">x</span>', 'Bad Request: can\'t parse entities: Tag "span" must have class "tg-spoiler" at byte offset 0'],
  ])("rejects malformed HTML %j", async (text, description) => {
    const error = await rejection(bot.api.sendMessage(ravi.id, text, { parse_mode: "HTML" }));
    expect(error.description).toBe(description);
  });

  it("reports byte offsets, so Devanagari before a mistake counts 3 bytes a letter", async () => {
    const error = await rejection(bot.api.sendMessage(ravi.id, "नमस्ते <x>", { parse_mode: "HTML" }));
    expect(error.description).toBe('Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 19');
  });

  it("refuses Markdown modes by name: the bot speaks HTML only", async () => {
    const error = await rejection(bot.api.sendMessage(ravi.id, "Done.", { parse_mode: "MarkdownV2" }));
    expect(error.description).toBe("Bad Request: parse_mode MarkdownV2 is not supported by the local Bot API (use HTML)");
  });

  it("rejects a caption with broken HTML", async () => {
    const error = await rejection(bot.api.sendPhoto(ravi.id, "https://example.org/a.jpg", { caption: "<i>x", parse_mode: "HTML" }));
    expect(error.description).toMatch(/^Bad Request: can't parse entities: /);
  });
});

describe("edits", () => {
  it("identical text and keyboard: message is not modified", async () => {
    const keyboard = new InlineKeyboard().text("a", "a");
    const sent = await bot.api.sendMessage(ravi.id, "same", { reply_markup: keyboard });
    const error = await rejection(bot.api.editMessageText(ravi.id, sent.message_id, "same", { reply_markup: keyboard }));
    expect(error.description).toMatch(/^Bad Request: message is not modified: specified new message content and reply markup are exactly the same/);
  });

  it("the same keyboard with keys in another order is still not modified", async () => {
    const sent = await bot.api.sendMessage(ravi.id, "same", { reply_markup: { inline_keyboard: [[{ text: "a", callback_data: "a" }]] } });
    const error = await rejection(
      bot.api.editMessageReplyMarkup(ravi.id, sent.message_id, { reply_markup: { inline_keyboard: [[{ callback_data: "a", text: "a" }]] } }),
    );
    expect(error.description).toMatch(/^Bad Request: message is not modified/);
  });

  it("unknown or deleted message: message to edit not found", async () => {
    expect((await rejection(bot.api.editMessageText(ravi.id, 999, "x"))).description).toBe("Bad Request: message to edit not found");
    const sent = await bot.api.sendMessage(ravi.id, "x");
    await bot.api.deleteMessage(ravi.id, sent.message_id);
    expect((await rejection(bot.api.editMessageText(ravi.id, sent.message_id, "y"))).description).toBe(
      "Bad Request: message to edit not found",
    );
  });

  it("the user's own message: message can't be edited", async () => {
    expect((await rejection(bot.api.editMessageText(ravi.id, 1, "x"))).description).toBe("Bad Request: message can't be edited");
  });

  it("deleting twice: message to delete not found", async () => {
    const sent = await bot.api.sendMessage(ravi.id, "x");
    await bot.api.deleteMessage(ravi.id, sent.message_id);
    expect((await rejection(bot.api.deleteMessage(ravi.id, sent.message_id))).description).toBe("Bad Request: message to delete not found");
  });
});

describe("callback queries", () => {
  it("unknown query id: query is too old", async () => {
    const error = await rejection(bot.api.answerCallbackQuery("12345"));
    expect(error.description).toBe("Bad Request: query is too old and response timeout expired or query ID is invalid");
  });

  it("a query can be answered once", async () => {
    const sent = await bot.api.sendMessage(ravi.id, "x", { reply_markup: new InlineKeyboard().text("go", "go") });
    const query = api.clickButton(ravi, sent.message_id, "go");
    await bot.api.answerCallbackQuery(query.id, { text: "done" });
    expect(api.callbackAnswer(query.id)).toEqual({ text: "done" });
    expect((await rejection(bot.api.answerCallbackQuery(query.id))).description).toMatch(/query is too old/);
  });
});

describe("tokens and methods", () => {
  it("a wrong token: 401 Unauthorized", async () => {
    const stranger = new Bot("123:wrong", { botInfo, client: clientFor(api) });
    const error = await rejection(stranger.api.getMe());
    expect(error).toMatchObject({ error_code: 401, description: "Unauthorized" });
  });

  it("an unknown method: 404 Not Found", async () => {
    const error = await rejection(bot.api.raw.sendPoll({ chat_id: ravi.id, question: "?", options: [{ text: "a" }, { text: "b" }] }));
    expect(error).toMatchObject({ error_code: 404, description: "Not Found" });
  });

  it("the failed call is logged with its error", async () => {
    await rejection(bot.api.sendMessage(ravi.id, ""));
    expect(api.calls.at(-1)).toMatchObject({ method: "sendMessage", ok: false, error: { error_code: 400 } });
  });
});
