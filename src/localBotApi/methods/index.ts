// The Bot API methods we implement, by lower-cased name: Telegram matches method names case-insensitively.
import { answerCallbackQuery, getChat, getFile, sendChatAction } from "./chat.js";
import type { Method } from "./context.js";
import { deleteMessage, editMessageCaption, editMessageReplyMarkup, editMessageText } from "./edit.js";
import { deleteWebhook, getUpdates, getWebhookInfo, setWebhook } from "./polling.js";
import { sendDocument, sendMediaGroup, sendMessage, sendPhoto } from "./send.js";
import { deleteMyCommands, getChatMenuButton, getMe, getMyCommands, setChatMenuButton, setMyCommands } from "./settings.js";

export type { Method, MethodContext } from "./context.js";

const METHODS: Record<string, Method> = {
  getMe,
  getUpdates,
  setWebhook,
  deleteWebhook,
  getWebhookInfo,
  sendMessage,
  sendPhoto,
  sendDocument,
  sendMediaGroup,
  sendChatAction,
  editMessageText,
  editMessageCaption,
  editMessageReplyMarkup,
  deleteMessage,
  answerCallbackQuery,
  setMyCommands,
  getMyCommands,
  deleteMyCommands,
  setChatMenuButton,
  getChatMenuButton,
  getFile,
  getChat,
};

const BY_LOWER_NAME = new Map(Object.entries(METHODS).map(([name, method]) => [name.toLowerCase(), method]));

export function findMethod(name: string): Method | undefined {
  return BY_LOWER_NAME.get(name.toLowerCase());
}

export const METHOD_NAMES: readonly string[] = Object.keys(METHODS);
