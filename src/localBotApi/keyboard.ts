// reply_markup as Telegram checks it. Inline keyboards are stored on the message (that is where Telegram returns
// them); reply keyboards, removals and force_reply only change what the user's client shows, so they are kept aside.
import type { ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove } from "grammy/types";
import { badRequest } from "./errors.js";
import { isRecord, optionalJson, type Params } from "./params.js";

export type ClientKeyboard = ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply;

export interface ReplyMarkup {
  /** Undefined when there is no inline keyboard (an empty one counts as none, as in Telegram). */
  inline?: InlineKeyboardMarkup;
  client?: ClientKeyboard;
}

const MAX_CALLBACK_DATA_BYTES = 64;
const MAX_BUTTONS = 100;
const BUTTON_KINDS = [
  "url",
  "callback_data",
  "web_app",
  "login_url",
  "switch_inline_query",
  "switch_inline_query_current_chat",
  "switch_inline_query_chosen_chat",
  "copy_text",
  "callback_game",
  "pay",
];

/** Returns undefined when reply_markup is absent. */
export function readReplyMarkup(params: Params): ReplyMarkup | undefined {
  const markup = optionalJson(params, "reply_markup", "can't parse reply keyboard markup JSON object");
  if (markup === undefined) return undefined;
  if (!isRecord(markup)) throw badRequest("can't parse reply keyboard markup JSON object");
  if ("inline_keyboard" in markup) return { inline: checkInlineKeyboard(markup.inline_keyboard) };
  if ("keyboard" in markup) {
    if (!isRowList(markup.keyboard)) throw badRequest("field \"keyboard\" of the ReplyKeyboardMarkup must be an Array of Arrays");
    return { client: markup as unknown as ReplyKeyboardMarkup };
  }
  if (markup.remove_keyboard === true) return { client: markup as unknown as ReplyKeyboardRemove };
  if (markup.force_reply === true) return { client: markup as unknown as ForceReply };
  throw badRequest("can't parse reply keyboard markup JSON object");
}

function isRowList(value: unknown): value is unknown[][] {
  return Array.isArray(value) && value.every((row) => Array.isArray(row));
}

function checkInlineKeyboard(rows: unknown): InlineKeyboardMarkup | undefined {
  if (!isRowList(rows)) throw badRequest("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays");
  let count = 0;
  for (const row of rows) {
    for (const button of row) {
      count++;
      checkButton(button);
    }
  }
  if (count > MAX_BUTTONS) throw badRequest("reply markup is too long");
  return count === 0 ? undefined : { inline_keyboard: rows as InlineKeyboardButton[][] };
}

function checkButton(button: unknown): void {
  if (!isRecord(button) || typeof button.text !== "string") {
    throw badRequest("can't parse inline keyboard button: Text must be a String");
  }
  const kinds = BUTTON_KINDS.filter((kind) => button[kind] !== undefined);
  if (kinds.length === 0) {
    throw badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
  }
  if (button.callback_data !== undefined) {
    const data = button.callback_data;
    // The limit is in bytes: a Devanagari letter takes 3 of the 64.
    if (typeof data !== "string" || data.length === 0 || Buffer.byteLength(data, "utf8") > MAX_CALLBACK_DATA_BYTES) {
      throw badRequest("BUTTON_DATA_INVALID");
    }
  }
  if (button.url !== undefined) {
    const url = String(button.url);
    if (!/^(https?|tg):\/\/\S+$/i.test(url)) {
      throw badRequest(`inline keyboard button URL '${url}' is invalid: Wrong HTTP URL`);
    }
  }
}

/** True if the keyboard has a callback button with exactly this data. */
export function hasCallbackButton(markup: InlineKeyboardMarkup | undefined, data: string): boolean {
  return markup?.inline_keyboard.some((row) => row.some((b) => "callback_data" in b && b.callback_data === data)) ?? false;
}
