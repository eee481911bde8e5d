// Telegram fixtures for bot tests: a bot identity, users, hand-built updates, and `drive`, which feeds the
// updates a LocalBotApi has queued to a grammY Bot and returns the Bot API calls that made.
import type { ApiClientOptions } from "grammy";
import type { CallbackQuery, Message, Update, User, UserFromGetMe } from "grammy/types";
import { DEFAULT_BOT_INFO, LocalBotApi, type CallRecord } from "../../src/localBotApi/index.js";

export const botInfo: UserFromGetMe = {
  // The capability flags are the local Bot API's defaults; only the identity differs.
  ...DEFAULT_BOT_INFO,
  id: 7_000_000_042,
  first_name: "Sanyojak Test",
  username: "sanyojak_test_bot",
};

/** A token the LocalBotApi accepts for botInfo (its id before the colon). */
export const token = `${botInfo.id}:TEST-local-token`;

/** Any root works with createFetch; it never leaves the process. */
export const apiRoot = "http://local.test";

/** A LocalBotApi that is this bot. */
export function localApi(options: { now?: () => number } = {}): LocalBotApi {
  return new LocalBotApi({ botInfo, ...options });
}

/** grammY client options that route every call, conversations' included, to `api`. */
export function clientFor(api: LocalBotApi): ApiClientOptions {
  return { apiRoot, fetch: api.createFetch() };
}

/** A user; ids above 2^32 are realistic, so tests should use some. */
export function makeUser(id: number, opts: Partial<Omit<User, "id" | "is_bot">> = {}): User {
  return { id, is_bot: false, first_name: opts.first_name ?? `User${id}`, ...opts };
}

let fixtureUpdateId = 1_000_000;
let fixtureMessageId = 1;
let fixtureQueryId = 1;

function privateChat(user: User): Message["chat"] {
  return {
    id: user.id,
    type: "private",
    first_name: user.first_name,
    ...(user.last_name ? { last_name: user.last_name } : {}),
    ...(user.username ? { username: user.username } : {}),
  };
}

/** A private-chat text message update, with a bot_command entity for a leading "/command" as Telegram adds. */
export function textUpdate(user: User, text: string, updateId = fixtureUpdateId++): Update {
  const command = /^\/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?/.exec(text);
  return {
    update_id: updateId,
    message: {
      message_id: fixtureMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: privateChat(user) as Extract<Message["chat"], { type: "private" }>,
      from: user,
      text,
      ...(command ? { entities: [{ type: "bot_command" as const, offset: 0, length: command[0].length }] } : {}),
    },
  };
}

/**
 * A callback_query update for a button on `message` (no check that the button exists: forge freely). A
 * LocalBotApi refuses to answer a query it did not issue, as Telegram would; api.clickButton gives answerable ones.
 */
export function callbackUpdate(user: User, message: Message, data: string, updateId = fixtureUpdateId++): Update {
  const query: CallbackQuery = {
    id: String(9_000_000 + fixtureQueryId++),
    from: user,
    message,
    chat_instance: String(-message.chat.id),
    data,
  };
  return { update_id: updateId, callback_query: query };
}

/** What drive needs of a Bot (any context type). */
export interface UpdateHandler {
  handleUpdate(update: Update): Promise<unknown>;
}

/**
 * Feeds every queued update (including any queued meanwhile) to bot.handleUpdate, one at a time, awaiting each;
 * returns the Bot API calls made during that.
 */
export async function drive(api: LocalBotApi, bot: UpdateHandler): Promise<CallRecord[]> {
  const start = api.calls.length;
  for (let update = api.nextUpdate(); update; update = api.nextUpdate()) await bot.handleUpdate(update);
  return api.calls.slice(start);
}
