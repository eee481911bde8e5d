// getChat, sendChatAction, answerCallbackQuery, getFile.
import { compact } from "../compact.js";
import { badRequest, forbidden } from "../errors.js";
import { chatIdOf, optionalBool, optionalInt, optionalString } from "../params.js";
import type { Method } from "./context.js";

export const getChat: Method = ({ world }, params) => {
  const { chat } = world.chat(chatIdOf(params));
  // The fields ChatFullInfo requires, with the values an ordinary account has.
  return {
    ...chat,
    accent_color_id: 0,
    max_reaction_count: 11,
    accepted_gift_types: {
      unlimited_gifts: false,
      limited_gifts: false,
      unique_gifts: false,
      premium_subscription: false,
      gifts_from_channels: false,
    },
  };
};

const CHAT_ACTIONS = new Set([
  "typing",
  "upload_photo",
  "record_video",
  "upload_video",
  "record_voice",
  "upload_voice",
  "upload_document",
  "choose_sticker",
  "find_location",
  "record_video_note",
  "upload_video_note",
]);

export const sendChatAction: Method = ({ world }, params) => {
  const record = world.chat(chatIdOf(params));
  if (record.blocked) throw forbidden("bot was blocked by the user");
  const action = optionalString(params, "action") ?? "";
  if (!CHAT_ACTIONS.has(action)) throw badRequest("wrong parameter action in request");
  world.events.emit("chatAction", record.chat.id, action);
  return true;
};

const QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid";

export const answerCallbackQuery: Method = ({ world }, params) => {
  const id = optionalString(params, "callback_query_id");
  const record = id === undefined ? undefined : world.callbacks.get(id);
  // A query can be answered once; a second answer is refused like an unknown one.
  if (id === undefined || !record || record.answer) throw badRequest(QUERY_TOO_OLD);
  const text = optionalString(params, "text");
  if (text !== undefined && text.length > 200) throw badRequest("MESSAGE_TOO_LONG");
  const answer = compact({
    text,
    show_alert: optionalBool(params, "show_alert"),
    url: optionalString(params, "url"),
    cache_time: optionalInt(params, "cache_time"),
  });
  record.answer = answer;
  world.events.emit("callbackAnswer", id, answer);
  return true;
};

export const getFile: Method = ({ world }, params) => {
  const file = world.files.get(optionalString(params, "file_id") ?? "");
  if (!file) throw badRequest("invalid file_id");
  return compact({
    file_id: file.file_id,
    file_unique_id: file.file_unique_id,
    file_size: file.file_size,
    file_path: file.file_path,
  });
};
