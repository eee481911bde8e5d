// editMessageText, editMessageCaption, editMessageReplyMarkup, deleteMessage. As in Telegram, an edit that does
// not pass reply_markup removes the inline keyboard, and an edit that changes nothing is an error.
import type { InlineKeyboardMarkup, Message } from "grammy/types";
import { compact } from "../compact.js";
import { badRequest, forbidden } from "../errors.js";
import { checkText, formatText } from "../formatting.js";
import { readReplyMarkup } from "../keyboard.js";
import { chatIdOf, optionalInt, optionalJson, optionalString, type Params } from "../params.js";
import type { ChatRecord, TranscriptEntry, World } from "../state.js";
import type { Method } from "./context.js";
import { captionFields, readCaption } from "./send.js";

const NOT_MODIFIED =
  "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";

interface Editable {
  record: ChatRecord;
  entry: TranscriptEntry;
}

function findEditable(world: World, params: Params): Editable {
  // Messages sent via inline mode are never stored here, so their ids cannot be found.
  if (params.inline_message_id !== undefined) throw badRequest("message to edit not found");
  const record = world.chat(chatIdOf(params));
  if (record.blocked) throw forbidden("bot was blocked by the user");
  const messageId = optionalInt(params, "message_id");
  if (messageId === undefined) throw badRequest("message identifier is not specified");
  const entry = record.entries.get(messageId);
  if (!entry || entry.deleted) throw badRequest("message to edit not found");
  if (entry.from !== "bot") throw badRequest("message can't be edited");
  return { record, entry };
}

/** The inline keyboard an edit leaves on the message: the one passed, or none. */
function editedKeyboard(params: Params): InlineKeyboardMarkup | undefined {
  const markup = readReplyMarkup(params);
  if (markup?.client) throw badRequest("inline keyboard expected");
  return markup?.inline;
}

function applyEdit(world: World, entry: TranscriptEntry, changes: Partial<Message>): Message {
  const previous = entry.message;
  const next = compact({ ...previous, ...changes, edit_date: world.unixTime() }) as Message;
  if (canonical(contentOf(previous)) === canonical(contentOf(next))) throw badRequest(NOT_MODIFIED);
  entry.edits.push(previous);
  entry.message = next;
  world.events.emit("edit", next, previous);
  return next;
}

function contentOf(message: Message): unknown {
  const { text, entities, caption, caption_entities, reply_markup } = message;
  return { text, entities, caption, caption_entities, reply_markup };
}

/** JSON with sorted keys, so that {text, callback_data} equals {callback_data, text} as it does for Telegram. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

export const editMessageText: Method = ({ world }, params) => {
  const { entry } = findEditable(world, params);
  const text = optionalString(params, "text");
  if (text === undefined) throw badRequest("message text is empty");
  const formatted = formatText(text, optionalString(params, "parse_mode"), optionalJson(params, "entities", "can't parse entities JSON object"));
  checkText(formatted);
  if (entry.message.text === undefined) throw badRequest("there is no text in the message to edit");
  return applyEdit(world, entry, {
    text: formatted.text,
    entities: formatted.entities.length ? formatted.entities : undefined,
    reply_markup: editedKeyboard(params),
  });
};

export const editMessageCaption: Method = ({ world }, params) => {
  const { entry } = findEditable(world, params);
  const caption = readCaption(params);
  if (entry.message.text !== undefined) throw badRequest("there is no caption in the message to edit");
  return applyEdit(world, entry, {
    caption: undefined,
    caption_entities: undefined,
    ...captionFields(caption),
    reply_markup: editedKeyboard(params),
  });
};

export const editMessageReplyMarkup: Method = ({ world }, params) => {
  const { entry } = findEditable(world, params);
  return applyEdit(world, entry, { reply_markup: editedKeyboard(params) });
};

export const deleteMessage: Method = ({ world }, params) => {
  const record = world.chat(chatIdOf(params));
  const messageId = optionalInt(params, "message_id");
  if (messageId === undefined) throw badRequest("message identifier is not specified");
  const entry = record.entries.get(messageId);
  if (!entry || entry.deleted) throw badRequest("message to delete not found");
  entry.deleted = true;
  world.events.emit("delete", record.chat.id, messageId);
  return true;
};
