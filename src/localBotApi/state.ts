// Everything the local Bot API server remembers: chats and their transcripts, users, files, callback queries,
// bot settings and the update queue. Methods (methods/) and the test-control API (control.ts) both work on it.
import { EventEmitter } from "node:events";
import type { BotCommand, CallbackQuery, Chat, MenuButton, Message, Update, User, UserFromGetMe } from "grammy/types";
import { badRequest } from "./errors.js";
import { FileStore } from "./files.js";
import type { ClientKeyboard } from "./keyboard.js";
import { UpdateQueue, type NewUpdate } from "./updates.js";

/** One message in a chat's transcript, in either direction. */
export interface TranscriptEntry {
  /** The message as it is now (the latest edit applied). */
  message: Message;
  from: "user" | "bot";
  /** Earlier versions of the message, oldest first; empty if it was never edited. */
  edits: Message[];
  deleted: boolean;
  /** A reply keyboard, removal or force_reply sent with the message: the client shows it, the Message omits it. */
  clientKeyboard?: ClientKeyboard;
}

export interface ChatRecord {
  chat: Chat;
  nextMessageId: number;
  /** By message_id, in the order the messages were sent. */
  entries: Map<number, TranscriptEntry>;
  /** Private chats only: the user blocked the bot. */
  blocked: boolean;
  chatInstance: string;
}

export interface CallbackAnswer {
  text?: string;
  show_alert?: boolean;
  url?: string;
  cache_time?: number;
}

export interface CallbackRecord {
  query: CallbackQuery;
  answer?: CallbackAnswer;
}

export interface WebhookSettings {
  url: string;
  secret_token?: string;
  max_connections?: number;
  allowed_updates?: string[];
}

/** The record of one Bot API call, kept in `LocalBotApi.calls`. */
export interface CallRecord {
  method: string;
  params: Record<string, unknown>;
  /** `now()` when the call arrived. */
  time: number;
  ok?: boolean;
  result?: unknown;
  error?: { error_code: number; description: string; parameters?: { retry_after?: number } };
}

export interface LocalBotApiEvents {
  update: [update: Update];
  botMessage: [message: Message, entry: TranscriptEntry];
  userMessage: [message: Message, entry: TranscriptEntry];
  edit: [message: Message, previous: Message];
  delete: [chatId: number, messageId: number];
  chatAction: [chatId: number, action: string];
  callbackAnswer: [queryId: string, answer: CallbackAnswer];
  call: [call: CallRecord];
}

export class World {
  readonly bot: User;
  readonly chats = new Map<number, ChatRecord>();
  readonly users = new Map<number, User>();
  readonly files = new FileStore();
  readonly updates = new UpdateQueue();
  readonly callbacks = new Map<string, CallbackRecord>();
  /** setMyCommands, by scope and language (see commandsKey). */
  readonly commands = new Map<string, BotCommand[]>();
  /** setChatMenuButton, by chat id; key 0 is the default for all chats. */
  readonly menuButtons = new Map<number, MenuButton>();
  readonly events = new EventEmitter<LocalBotApiEvents>();
  webhook: WebhookSettings | undefined;
  private callbackCounter = 0;
  private mediaGroupCounter = 0;

  constructor(
    readonly botInfo: UserFromGetMe,
    readonly now: () => number,
  ) {
    this.bot = { id: botInfo.id, is_bot: true, first_name: botInfo.first_name, username: botInfo.username };
  }

  unixTime(): number {
    return Math.floor(this.now() / 1000);
  }

  /** The chat a method's chat_id names, or Telegram's "chat not found". */
  chat(chatId: number | string): ChatRecord {
    const record =
      typeof chatId === "number"
        ? this.chats.get(chatId)
        : [...this.chats.values()].find((c) => c.chat.type !== "private" && "username" in c.chat && `@${c.chat.username}` === chatId);
    if (!record) throw badRequest("chat not found");
    return record;
  }

  ensureChat(chat: Chat): ChatRecord {
    let record = this.chats.get(chat.id);
    if (!record) {
      record = { chat, nextMessageId: 1, entries: new Map(), blocked: false, chatInstance: String(-4_000_000_000 - chat.id) };
      this.chats.set(chat.id, record);
    } else {
      record.chat = chat; // names and usernames change
    }
    return record;
  }

  /** Stores a message under the chat's next message_id. */
  addEntry(record: ChatRecord, from: TranscriptEntry["from"], build: (messageId: number) => Message, clientKeyboard?: ClientKeyboard): TranscriptEntry {
    const message = build(record.nextMessageId++);
    const entry: TranscriptEntry = { message, from, edits: [], deleted: false, ...(clientKeyboard ? { clientKeyboard } : {}) };
    record.entries.set(message.message_id, entry);
    this.events.emit(from === "bot" ? "botMessage" : "userMessage", message, entry);
    return entry;
  }

  enqueue(update: NewUpdate): Update {
    const full = this.updates.enqueue(update);
    this.events.emit("update", full);
    return full;
  }

  nextCallbackQueryId(): string {
    return String(7_000_000_000_000 + ++this.callbackCounter);
  }

  /** Albums' media_group_id, increasing like Telegram's. */
  nextMediaGroupId(): number {
    return 13_000_000_000_000 + ++this.mediaGroupCounter;
  }
}

/** Telegram keeps one command list per (scope, language); getMyCommands reads exactly that pair back. */
export function commandsKey(scope: unknown, languageCode: string | undefined): string {
  const s = (typeof scope === "object" && scope !== null ? scope : {}) as Record<string, unknown>;
  return [s.type ?? "default", s.chat_id ?? "", s.user_id ?? "", languageCode ?? ""].join("|");
}
