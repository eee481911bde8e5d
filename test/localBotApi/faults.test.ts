// Failures a bot must survive: 429 flood waits, users who block the bot, lost connections and lost answers.
import { Bot, GrammyError, HttpError } from "grammy";
import { beforeEach, describe, expect, it } from "vitest";
import { networkFailure, sendTimeout, type LocalBotApi } from "../../src/localBotApi/index.js";
import { botInfo, clientFor, localApi, makeUser, token } from "../helpers/telegram.js";

const meera = makeUser(7_300_000_011, { first_name: "Meera" });
const kabir = makeUser(7_300_000_012, { first_name: "Kabir" });

let clock: number;
let api: LocalBotApi;
let bot: Bot;

beforeEach(() => {
  clock = Date.UTC(2025, 2, 1);
  api = localApi({ now: () => clock });
  bot = new Bot(token, { botInfo, client: clientFor(api) });
  api.sendUserMessage(meera, "hi");
  api.sendUserMessage(kabir, "hi");
});

async function failure(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => expect.unreachable("the call should have failed"),
    (e: unknown) => e,
  );
}

describe("failNext", () => {
  it("answers 429 with retry_after by default, then succeeds", async () => {
    api.failNext(1);
    const error = await failure(bot.api.sendMessage(meera.id, "one"));
    expect(error).toBeInstanceOf(GrammyError);
    expect(error).toMatchObject({
      error_code: 429,
      description: "Too Many Requests: retry after 1",
      parameters: { retry_after: 1 },
    });
    await expect(bot.api.sendMessage(meera.id, "one")).resolves.toMatchObject({ text: "one" });
    // The refused call stored nothing.
    expect(api.messages(meera.id).filter((e) => e.from === "bot").map((e) => e.message.text)).toEqual(["one"]);
  });

  it("fails the calls a predicate picks, as often as asked", async () => {
    api.failNext(({ method, params }) => method === "sendMessage" && params.chat_id === kabir.id, { error_code: 429, description: "Too Many Requests: retry after 7", parameters: { retry_after: 7 } }, { times: 2 });
    await expect(bot.api.sendMessage(meera.id, "fine")).resolves.toBeDefined();
    expect(await failure(bot.api.sendMessage(kabir.id, "a"))).toMatchObject({ parameters: { retry_after: 7 } });
    expect(await failure(bot.api.sendMessage(kabir.id, "b"))).toMatchObject({ error_code: 429 });
    await expect(bot.api.sendMessage(kabir.id, "c")).resolves.toBeDefined();
  });

  it("a numeric count skips getUpdates, which polling would otherwise use up", async () => {
    api.failNext(2);
    await expect(bot.api.getUpdates({ timeout: 0 })).resolves.toHaveLength(2);
    expect(await failure(bot.api.sendMessage(meera.id, "a"))).toMatchObject({ error_code: 429 });
    expect(await failure(bot.api.getMe())).toMatchObject({ error_code: 429 });
    await expect(bot.api.getMe()).resolves.toEqual(botInfo);
  });

  it("a network failure reaches grammY as an HttpError", async () => {
    api.failNext("sendMessage", networkFailure());
    expect(await failure(bot.api.sendMessage(meera.id, "lost"))).toBeInstanceOf(HttpError);
    expect(api.messages(meera.id)).toHaveLength(1);
  });

  it("a send timeout: with afterEffect the message was sent but the answer lost; without, nothing was sent", async () => {
    api.failNext("sendMessage", sendTimeout(), { afterEffect: true });
    const lost = await failure(bot.api.sendMessage(meera.id, "sent, answer lost"));
    expect(lost).toBeInstanceOf(HttpError);
    expect((lost as HttpError).error).toMatchObject({ name: "TimeoutError" });
    expect(api.lastBotMessage(meera.id)?.text).toBe("sent, answer lost");
    api.failNext("sendMessage", sendTimeout());
    expect(await failure(bot.api.sendMessage(kabir.id, "never sent"))).toBeInstanceOf(HttpError);
    expect(api.messages(kabir.id).filter((e) => e.from === "bot")).toHaveLength(0);
  });

  it("a network failure before the call is a refused connection; after it, a reset one (what the errno tells the bot)", async () => {
    api.failNext("sendMessage", networkFailure());
    const refused = (await failure(bot.api.sendMessage(meera.id, "a"))) as HttpError;
    expect((refused.error as Error).cause).toMatchObject({ code: "ECONNREFUSED" });
    api.failNext("sendMessage", networkFailure(), { afterEffect: true });
    const reset = (await failure(bot.api.sendMessage(meera.id, "b"))) as HttpError;
    expect((reset.error as Error).cause).toMatchObject({ code: "ECONNRESET" });
  });

  it("afterEffect: the message is delivered but the bot sees a failure (why sends need our own idempotency)", async () => {
    api.failNext("sendMessage", networkFailure(), { afterEffect: true });
    expect(await failure(bot.api.sendMessage(meera.id, "delivered?"))).toBeInstanceOf(HttpError);
    expect(api.lastBotMessage(meera.id)?.text).toBe("delivered?");
  });
});

describe("rate limits", () => {
  it("refuses a second message to a chat within a second, with the seconds to wait", async () => {
    api.setRateLimits({ perChat: { limit: 1, windowMs: 1000 }, global: { limit: 30, windowMs: 1000 } });
    await bot.api.sendMessage(meera.id, "1");
    expect(await failure(bot.api.sendMessage(meera.id, "2"))).toMatchObject({ error_code: 429, parameters: { retry_after: 1 } });
    await expect(bot.api.sendMessage(kabir.id, "other chat")).resolves.toBeDefined();
    clock += 1000;
    await expect(bot.api.sendMessage(meera.id, "2")).resolves.toBeDefined();
  });

  it("limits all chats together", async () => {
    api.setRateLimits({ global: { limit: 2, windowMs: 3000 } });
    await bot.api.sendMessage(meera.id, "1");
    await bot.api.sendMessage(kabir.id, "2");
    expect(await failure(bot.api.sendMessage(meera.id, "3"))).toMatchObject({ parameters: { retry_after: 3 } });
    expect(await bot.api.sendChatAction(meera.id, "typing")).toBe(true); // not a send
  });
});

describe("blocked by the user", () => {
  it("sends fail with 403 and the bot is told with my_chat_member", async () => {
    api.takeUpdates();
    api.blockBot(meera.id);
    const error = await failure(bot.api.sendMessage(meera.id, "still there?"));
    expect(error).toBeInstanceOf(GrammyError);
    expect(error).toMatchObject({ error_code: 403, description: "Forbidden: bot was blocked by the user" });
    expect(await failure(bot.api.sendChatAction(meera.id, "typing"))).toMatchObject({ error_code: 403 });
    await expect(bot.api.sendMessage(kabir.id, "others still get messages")).resolves.toBeDefined();
    const [update] = api.takeUpdates();
    expect(update?.my_chat_member).toMatchObject({
      chat: { id: meera.id },
      old_chat_member: { status: "member" },
      new_chat_member: { status: "kicked", user: { id: botInfo.id } },
    });
  });

  it("writing to the bot again unblocks it", async () => {
    api.blockBot(meera.id, { notify: false });
    expect(api.isBlocked(meera.id)).toBe(true);
    api.sendUserMessage(meera, "/start");
    expect(api.isBlocked(meera.id)).toBe(false);
    await expect(bot.api.sendMessage(meera.id, "welcome back")).resolves.toBeDefined();
  });
});
