// The bot's own settings: getMe, command lists, menu buttons.
import type { BotCommand, MenuButton } from "grammy/types";
import { badRequest } from "../errors.js";
import { chatIdOf, isRecord, optionalJson, optionalString, type Params } from "../params.js";
import { commandsKey } from "../state.js";
import type { Method } from "./context.js";

export const getMe: Method = ({ world }) => world.botInfo;

function readScopeKey(params: Params): string {
  const scope = optionalJson(params, "scope", "can't parse BotCommandScope JSON object");
  if (scope !== undefined && (!isRecord(scope) || typeof scope.type !== "string")) {
    throw badRequest("can't parse BotCommandScope JSON object");
  }
  const language = optionalString(params, "language_code");
  if (language !== undefined && language !== "" && !/^[a-z]{2}$/.test(language)) throw badRequest("invalid language code specified");
  return commandsKey(scope, language || undefined);
}

export const setMyCommands: Method = ({ world }, params) => {
  const commands = optionalJson(params, "commands", "can't parse commands JSON object");
  if (!Array.isArray(commands)) throw badRequest("can't parse commands JSON object");
  if (commands.length > 100) throw badRequest("too many commands specified");
  const checked: BotCommand[] = commands.map((c) => {
    if (!isRecord(c) || typeof c.command !== "string" || typeof c.description !== "string") {
      throw badRequest("can't parse BotCommand JSON object");
    }
    // Telegram accepts a leading '/' and upper case letters in input but stores the normalised name.
    const command = c.command.replace(/^\//, "").toLowerCase();
    if (!/^[a-z0-9_]{1,32}$/.test(command)) throw badRequest("BOT_COMMAND_INVALID");
    if (c.description.trim().length === 0 || c.description.length > 256) throw badRequest("BOT_COMMAND_DESCRIPTION_INVALID");
    return { command, description: c.description };
  });
  const key = readScopeKey(params);
  if (checked.length === 0) world.commands.delete(key);
  else world.commands.set(key, checked);
  return true;
};

export const getMyCommands: Method = ({ world }, params) => world.commands.get(readScopeKey(params)) ?? [];

export const deleteMyCommands: Method = ({ world }, params) => {
  world.commands.delete(readScopeKey(params));
  return true;
};

const MENU_TYPES = new Set(["commands", "web_app", "default"]);

export const setChatMenuButton: Method = ({ world }, params) => {
  const chatId = params.chat_id === undefined ? 0 : world.chat(chatIdOf(params)).chat.id;
  const button = optionalJson(params, "menu_button", "can't parse menu button JSON object") ?? { type: "default" };
  if (!isRecord(button) || typeof button.type !== "string" || !MENU_TYPES.has(button.type)) {
    throw badRequest("can't parse menu button JSON object");
  }
  world.menuButtons.set(chatId, button as unknown as MenuButton);
  return true;
};

export const getChatMenuButton: Method = ({ world }, params) => {
  const chatId = params.chat_id === undefined ? 0 : world.chat(chatIdOf(params)).chat.id;
  const own = world.menuButtons.get(chatId);
  if (own && own.type !== "default") return own;
  const fallback = world.menuButtons.get(0);
  return fallback && fallback.type !== "default" ? fallback : { type: "commands" };
};
