// The test-control side: what users do (write, send media, press buttons, block the bot), turned into stored
// messages and queued updates exactly as Telegram would deliver them.
import type { CallbackQuery, Chat, Message, Update, User } from "grammy/types";
import { compact } from "./compact.js";
import { photoSizes, type NewFile } from "./files.js";
import { commandEntities } from "./formatting.js";
import { hasCallbackButton } from "./keyboard.js";
import type { ChatRecord, World } from "./state.js";

export interface UserSpec {
  id: number;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export interface MediaSpec {
  /** The file's bytes; omit for a file the bot never downloads. */
  data?: Uint8Array;
  file_name?: string;
  mime_type?: string;
  width?: number;
  height?: number;
}

export type UserContent =
  | string
  | { photo: MediaSpec; caption?: string }
  | { document: MediaSpec; caption?: string }
  | { sticker: { emoji?: string } }
  | { voice: { duration?: number; data?: Uint8Array } }
  | { location: { latitude: number; longitude: number } }
  | { contact: { phone_number: string; first_name?: string; last_name?: string; user_id?: number } };

export interface UserMessageOptions {
  /** A group the user writes in; default: the user's private chat with the bot. */
  chat?: Chat.GroupChat | Chat.SupergroupChat;
  /** message_id of a message in the same chat that this one replies to. */
  replyTo?: number;
}

export interface ClickOptions {
  /** Skip the check that the message has a button with this data: tests forge callback data like clients can. */
  force?: boolean;
  /** The chat of the message; default: the user's private chat. */
  chatId?: number;
}

export function toUser(spec: UserSpec): User {
  return compact({
    id: spec.id,
    is_bot: false,
    first_name: spec.first_name,
    last_name: spec.last_name,
    username: spec.username,
    language_code: spec.language_code,
  });
}

function privateChat(user: User): Chat.PrivateChat {
  return compact({ id: user.id, type: "private", first_name: user.first_name, last_name: user.last_name, username: user.username });
}

/** A user who has a private chat with the bot but has not written yet (seeding, or hand-built updates). */
export function addUser(world: World, spec: UserSpec): Chat.PrivateChat {
  const user = toUser(spec);
  world.users.set(user.id, user);
  return world.ensureChat(privateChat(user)).chat as Chat.PrivateChat;
}

/** Stores the user's message and queues its `message` update (after a my_chat_member one if this unblocks). */
export function sendUserMessage(world: World, spec: UserSpec, content: UserContent, options: UserMessageOptions = {}): Message {
  const user = toUser(spec);
  world.users.set(user.id, user);
  const record = world.ensureChat(options.chat ?? privateChat(user));
  if (record.blocked) setBlocked(world, record, user, false, true); // writing to a bot you blocked unblocks it
  const replied = options.replyTo === undefined ? undefined : record.entries.get(options.replyTo);
  if (options.replyTo !== undefined && (!replied || replied.deleted)) {
    throw new Error(`sendUserMessage: no message ${options.replyTo} in chat ${record.chat.id} to reply to`);
  }
  const body = contentFields(world, content);
  const entry = world.addEntry(record, "user", (messageId) =>
    compact({
      message_id: messageId,
      from: user,
      chat: record.chat,
      date: world.unixTime(),
      ...body,
      reply_to_message: replied ? { ...replied.message, reply_to_message: undefined } : undefined,
    }) as Message,
  );
  world.enqueue({ message: entry.message as Message & Update.NonChannel });
  return entry.message;
}

function contentFields(world: World, content: UserContent): Partial<Message> {
  if (typeof content === "string") {
    if (content.length === 0 || content.length > 4096) throw new Error("sendUserMessage: text must be 1-4096 characters");
    const entities = commandEntities(content);
    return compact({ text: content, entities: entities.length ? entities : undefined });
  }
  const caption = "caption" in content && content.caption ? content.caption : undefined;
  const captionFields = caption
    ? compact({ caption, caption_entities: commandEntities(caption).length ? commandEntities(caption) : undefined })
    : {};
  if ("photo" in content) return { photo: photoSizes(world.files.add("photo", media(content.photo))), ...captionFields };
  if ("document" in content) {
    const file = world.files.add("document", { ...media(content.document), file_name: content.document.file_name ?? "document.dat" });
    return {
      document: compact({
        file_id: file.file_id,
        file_unique_id: file.file_unique_id,
        file_name: file.file_name,
        mime_type: file.mime_type,
        file_size: file.file_size,
      }),
      ...captionFields,
    };
  }
  if ("sticker" in content) {
    const file = world.files.add("sticker", { file_name: "sticker.webp", width: 512, height: 512 });
    return {
      sticker: compact({
        file_id: file.file_id,
        file_unique_id: file.file_unique_id,
        type: "regular" as const,
        width: 512,
        height: 512,
        is_animated: false,
        is_video: false,
        emoji: content.sticker.emoji,
      }),
    };
  }
  if ("voice" in content) {
    const file = world.files.add("voice", compact({ data: content.voice.data, mime_type: "audio/ogg" }));
    return {
      voice: compact({
        file_id: file.file_id,
        file_unique_id: file.file_unique_id,
        duration: content.voice.duration ?? 1,
        mime_type: "audio/ogg",
        file_size: file.file_size,
      }),
    };
  }
  if ("location" in content) return { location: { ...content.location } };
  return { contact: compact({ ...content.contact, first_name: content.contact.first_name ?? "" }) };
}

function media(spec: MediaSpec): NewFile {
  return compact({ data: spec.data, file_name: spec.file_name, mime_type: spec.mime_type, width: spec.width, height: spec.height });
}

/** Queues a callback_query for a button on one of the bot's messages; returns the query (its id answers it). */
export function clickButton(world: World, spec: UserSpec, messageId: number, data: string, options: ClickOptions = {}): CallbackQuery {
  const user = toUser(spec);
  world.users.set(user.id, user);
  const chatId = options.chatId ?? user.id;
  const record = world.chats.get(chatId);
  if (!record) throw new Error(`clickButton: no chat ${chatId}`);
  const entry = record.entries.get(messageId);
  if (!options.force) {
    if (!entry || entry.deleted) throw new Error(`clickButton: no message ${messageId} in chat ${chatId}`);
    if (entry.from !== "bot") throw new Error(`clickButton: message ${messageId} is not the bot's`);
    if (!hasCallbackButton(entry.message.reply_markup, data)) {
      throw new Error(`clickButton: message ${messageId} has no button with callback_data ${JSON.stringify(data)}`);
    }
  }
  // A message Telegram no longer has arrives as an InaccessibleMessage (date 0).
  const message = entry && !entry.deleted ? entry.message : { chat: record.chat, message_id: messageId, date: 0 as const };
  const query: CallbackQuery = { id: world.nextCallbackQueryId(), from: user, message, chat_instance: record.chatInstance, data };
  world.callbacks.set(query.id, { query });
  world.enqueue({ callback_query: query });
  return query;
}

/** Blocks or unblocks the bot in a user's private chat; Telegram tells the bot with a my_chat_member update. */
export function setBlockedByUser(world: World, userId: number, blocked: boolean, notify: boolean): void {
  const record = world.chats.get(userId);
  const user = world.users.get(userId);
  if (!record || !user || record.chat.type !== "private") throw new Error(`blockBot: user ${userId} has no chat with the bot`);
  if (record.blocked !== blocked) setBlocked(world, record, user, blocked, notify);
}

function setBlocked(world: World, record: ChatRecord, user: User, blocked: boolean, notify: boolean): void {
  record.blocked = blocked;
  if (!notify) return;
  const member = { status: "member" as const, user: world.bot };
  const kicked = { status: "kicked" as const, user: world.bot, until_date: 0 };
  world.enqueue({
    my_chat_member: {
      chat: record.chat,
      from: user,
      date: world.unixTime(),
      old_chat_member: blocked ? member : kicked,
      new_chat_member: blocked ? kicked : member,
    },
  });
}
