// Message text as Telegram sees it: parse_mode or explicit entities turned into (text, entities), and the
// bot_command entities Telegram adds to what users type.
import type { MessageEntity } from "grammy/types";
import { badRequest } from "./errors.js";
import { parseHtml, type FormattedText } from "./html.js";
import { isRecord } from "./params.js";

export type { FormattedText } from "./html.js";

export const MAX_TEXT_LENGTH = 4096;
export const MAX_CAPTION_LENGTH = 1024;

/**
 * Applies parse_mode (case-insensitive, as in the Bot API) or checks explicit entities. Only HTML is parsed: it is
 * the one mode the bot uses. Markdown and MarkdownV2 are refused by name, so a change that starts sending them
 * fails in the tests instead of passing unchecked.
 */
export function formatText(raw: string, parseMode: string | undefined, entities: unknown): FormattedText {
  const mode = parseMode?.toLowerCase() ?? "";
  if (mode === "html") return parseHtml(raw);
  if (mode === "markdown" || mode === "markdownv2") throw badRequest(`parse_mode ${parseMode} is not supported by the local Bot API (use HTML)`);
  if (mode !== "") throw badRequest("unsupported parse_mode");
  return { text: raw, entities: checkEntities(entities, raw.length) };
}

function checkEntities(entities: unknown, textLength: number): MessageEntity[] {
  if (entities === undefined) return [];
  if (!Array.isArray(entities)) throw badRequest("can't parse entities JSON object");
  return entities.map((entity) => {
    if (!isRecord(entity) || typeof entity.type !== "string" || typeof entity.offset !== "number" || typeof entity.length !== "number") {
      throw badRequest("can't parse MessageEntity: Field \"type\", \"offset\" or \"length\" must be specified");
    }
    if (entity.offset < 0 || entity.length < 0 || entity.offset + entity.length > textLength) {
      throw badRequest("entity beginning out of bounds");
    }
    return entity as unknown as MessageEntity;
  });
}

/** Telegram counts the text after entity parsing, in UTF-16 code units; leading/trailing whitespace does not count. */
export function checkText(formatted: FormattedText): void {
  if (formatted.text.trim().length === 0) throw badRequest("message text is empty");
  if (formatted.text.length > MAX_TEXT_LENGTH) throw badRequest("message is too long");
}

export function checkCaption(formatted: FormattedText): void {
  if (formatted.text.length > MAX_CAPTION_LENGTH) throw badRequest("message caption is too long");
}

const COMMAND = /(^|\s)(\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)(?![A-Za-z0-9_@])/g;

/** The bot_command entities Telegram attaches to user text ("/start abc", "see /help"). */
export function commandEntities(text: string): MessageEntity[] {
  const entities: MessageEntity[] = [];
  for (const match of text.matchAll(COMMAND)) {
    const lead = match[1] ?? "";
    const command = match[2] ?? "";
    entities.push({ type: "bot_command", offset: (match.index ?? 0) + lead.length, length: command.length });
  }
  return entities;
}
