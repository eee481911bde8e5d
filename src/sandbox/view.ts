// What the page shows of a chat: each transcript entry reduced to plain JSON (text with Telegram's entities, media
// as file ids the page fetches, keyboards), and the reply keyboard currently open. The page renders text from the
// entities, never as HTML, so nothing the bot or a user typed can inject markup.
import type { KeyboardButton, Message, MessageEntity } from "grammy/types";
import type { TranscriptEntry } from "../localBotApi/index.js";

export interface ButtonView {
  text: string;
  /** callback_data: tapping sends a callback query. */
  data?: string;
  url?: string;
}

export interface ReplyButtonView {
  text: string;
  /** What tapping sends: the label as text, or the person's contact or a location. */
  kind: "text" | "contact" | "location";
}

export interface ReplyKeyboardView {
  rows: ReplyButtonView[][];
  oneTime: boolean;
  placeholder?: string;
}

export interface MessageView {
  id: number;
  from: "bot" | "user";
  /** Unix seconds. */
  date: number;
  edited: boolean;
  /** Text, or a media caption. */
  text?: string;
  entities?: MessageEntity[];
  photo?: { fileId: string; width: number; height: number };
  /** media_group_id: the messages of one album (sendMediaGroup) share it, and the page shows them together. */
  album?: string;
  document?: { fileId: string; name: string; size?: number };
  /** A short description of content the page does not render (sticker, location, contact, voice). */
  other?: { kind: "sticker" | "location" | "contact" | "voice"; label: string };
  replyTo?: number;
  buttons?: ButtonView[][];
  /** Set when the message opened or removed a reply keyboard. */
  replyKeyboard?: ReplyKeyboardView | "remove";
}

export function messageView(entry: TranscriptEntry): MessageView {
  const m: Message = entry.message;
  const view: MessageView = { id: m.message_id, from: entry.from, date: m.date, edited: m.edit_date !== undefined };
  const text = m.text ?? m.caption;
  if (text !== undefined) view.text = text;
  const entities = m.entities ?? m.caption_entities;
  if (entities?.length) view.entities = entities;
  const largest = m.photo?.at(-1);
  if (largest) view.photo = { fileId: largest.file_id, width: largest.width, height: largest.height };
  if (m.media_group_id) view.album = m.media_group_id;
  if (m.document) {
    view.document = { fileId: m.document.file_id, name: m.document.file_name ?? "file", ...(m.document.file_size ? { size: m.document.file_size } : {}) };
  }
  if (m.sticker) view.other = { kind: "sticker", label: m.sticker.emoji ?? "" };
  if (m.location) view.other = { kind: "location", label: `${m.location.latitude.toFixed(4)}, ${m.location.longitude.toFixed(4)}` };
  if (m.contact) view.other = { kind: "contact", label: `${m.contact.first_name} ${m.contact.phone_number}`.trim() };
  if (m.voice) view.other = { kind: "voice", label: `${m.voice.duration}s` };
  if (m.reply_to_message) view.replyTo = m.reply_to_message.message_id;
  const rows = m.reply_markup?.inline_keyboard;
  if (rows?.length) {
    view.buttons = rows.map((row) =>
      row.map((b): ButtonView => ({
        text: b.text,
        ...("callback_data" in b && b.callback_data !== undefined ? { data: b.callback_data } : {}),
        ...("url" in b && b.url !== undefined ? { url: b.url } : {}),
      })),
    );
  }
  const keyboard = entry.clientKeyboard;
  if (keyboard && "keyboard" in keyboard) {
    view.replyKeyboard = {
      rows: keyboard.keyboard.map((row) => row.map(replyButton)),
      oneTime: keyboard.one_time_keyboard ?? false,
      ...(keyboard.input_field_placeholder ? { placeholder: keyboard.input_field_placeholder } : {}),
    };
  } else if (keyboard && "remove_keyboard" in keyboard) {
    view.replyKeyboard = "remove";
  }
  return view;
}

function replyButton(button: KeyboardButton | string): ReplyButtonView {
  if (typeof button === "string") return { text: button, kind: "text" };
  if ("request_contact" in button && button.request_contact) return { text: button.text, kind: "contact" };
  if ("request_location" in button && button.request_location) return { text: button.text, kind: "location" };
  return { text: button.text, kind: "text" };
}

/**
 * The reply keyboard a client would show now: the one the bot last sent, unless it was removed since, or it was
 * one-time and the person has written after it.
 */
export function currentReplyKeyboard(views: readonly MessageView[]): ReplyKeyboardView | null {
  for (let i = views.length - 1; i >= 0; i--) {
    const v = views[i]!;
    if (v.from !== "bot" || !v.replyKeyboard) continue;
    if (v.replyKeyboard === "remove") return null;
    if (v.replyKeyboard.oneTime && views.slice(i + 1).some((later) => later.from === "user")) return null;
    return v.replyKeyboard;
  }
  return null;
}
