// Telegram's "MarkdownV2" and legacy "Markdown" parse modes, modelled on tdlib's parsers: the markup they accept,
// the characters MarkdownV2 insists are escaped, and Telegram's error wording (with UTF-8 byte offsets).
// Simplified: a link's URL is not validated, and expandable blockquotes are recognised by their "**>" start only.
import type { MessageEntity } from "grammy/types";
import { cantParseEntities } from "./errors.js";
import type { FormattedText } from "./html.js";

type V2Kind = "bold" | "italic" | "underline" | "strikethrough" | "spoiler" | "text_link" | "code" | "pre" | "custom_emoji";

const V2_NAMES: Record<V2Kind, string> = {
  bold: "Bold",
  italic: "Italic",
  underline: "Underline",
  strikethrough: "Strikethrough",
  spoiler: "Spoiler",
  text_link: "TextUrl",
  code: "Code",
  pre: "Pre",
  custom_emoji: "CustomEmoji",
};

const RESERVED = new Set("_*[]()~`>#+-=|{}.!");

interface OpenEntity {
  kind: V2Kind;
  start: number;
  /** Index in the input where the markup began, for error offsets. */
  at: number;
  language?: string;
}

const byteOffset = (input: string, i: number): number => Buffer.byteLength(input.slice(0, i), "utf8");

function isEnd(top: OpenEntity, input: string, i: number): boolean {
  const c = input[i];
  const next = input[i + 1];
  switch (top.kind) {
    case "bold":
      return c === "*";
    case "italic":
      return c === "_" && next !== "_";
    case "underline":
      return c === "_" && next === "_";
    case "strikethrough":
      return c === "~";
    case "spoiler":
      return c === "|" && next === "|";
    case "text_link":
    case "custom_emoji":
      return c === "]";
    case "code":
      return c === "`";
    case "pre":
      return input.startsWith("```", i);
  }
}

/** Reads "(url)" after a link's ']' at `i`; returns the URL and the index after ')'. */
function readUrl(input: string, i: number): [string, number] {
  if (input[i] !== "(") return ["", i];
  let url = "";
  let j = i + 1;
  while (j < input.length && input[j] !== ")") {
    if (input[j] === "\\" && (input[j + 1] === ")" || input[j + 1] === "\\")) j++;
    url += input[j];
    j++;
  }
  if (j >= input.length) throw cantParseEntities(`Can't find end of a url at byte offset ${byteOffset(input, i)}`);
  return [url, j + 1];
}

export function parseMarkdownV2(input: string): FormattedText {
  let text = "";
  const entities: MessageEntity[] = [];
  const stack: OpenEntity[] = [];
  let quote: { start: number; expandable: boolean } | undefined;
  const closeQuote = (end: number): void => {
    if (quote && end > quote.start) {
      entities.push({ type: quote.expandable ? "expandable_blockquote" : "blockquote", offset: quote.start, length: end - quote.start });
    }
    quote = undefined;
  };
  let i = 0;
  while (i < input.length) {
    const top = stack[stack.length - 1];
    const inCode = top?.kind === "code" || top?.kind === "pre";
    if ((i === 0 || input[i - 1] === "\n") && !inCode) {
      if (input.startsWith("**>", i) || input[i] === ">") {
        const expandable = input[i] === "*";
        if (!quote) quote = { start: text.length, expandable };
        i += expandable ? 3 : 1;
        continue;
      }
      // The quote ended with the previous line; its entity excludes that line's '\n'.
      if (quote) closeQuote(text.length - 1);
    }
    const c = input[i] as string;
    const code = input.charCodeAt(i + 1);
    if (c === "\\" && code > 0 && code <= 126) {
      text += input[i + 1];
      i += 2;
      continue;
    }
    if (inCode && top && !isEnd(top, input, i)) {
      text += c;
      i++;
      continue;
    }
    if (!inCode && quote?.expandable && input.startsWith("||", i) && (input[i + 2] === "\n" || i + 2 === input.length)) {
      i += 2; // the "||" that closes an expandable blockquote
      continue;
    }
    if (!RESERVED.has(c)) {
      text += c;
      i++;
      continue;
    }
    if (top && isEnd(top, input, i)) {
      stack.pop();
      const entity = { offset: top.start, length: text.length - top.start };
      i += top.kind === "pre" ? 3 : top.kind === "underline" || top.kind === "spoiler" ? 2 : 1;
      if (top.kind === "text_link" || top.kind === "custom_emoji") {
        const [url, after] = readUrl(input, i);
        i = after;
        if (entity.length > 0 && top.kind === "text_link" && url) entities.push({ type: "text_link", ...entity, url });
        if (entity.length > 0 && top.kind === "custom_emoji") {
          entities.push({ type: "custom_emoji", ...entity, custom_emoji_id: url.replace(/^tg:\/\/emoji\?id=/, "") });
        }
      } else if (entity.length > 0) {
        entities.push(
          top.kind === "pre" && top.language
            ? { type: "pre", ...entity, language: top.language }
            : ({ type: top.kind, ...entity } as MessageEntity),
        );
      }
      continue;
    }
    const at = i;
    let kind: V2Kind;
    let language: string | undefined;
    if (c === "_" && input[i + 1] === "_") [kind, i] = ["underline", i + 2];
    else if (c === "_") [kind, i] = ["italic", i + 1];
    else if (c === "*") [kind, i] = ["bold", i + 1];
    else if (c === "~") [kind, i] = ["strikethrough", i + 1];
    else if (c === "|" && input[i + 1] === "|") [kind, i] = ["spoiler", i + 2];
    else if (c === "[") [kind, i] = ["text_link", i + 1];
    else if (c === "!" && input[i + 1] === "[") [kind, i] = ["custom_emoji", i + 2];
    else if (input.startsWith("```", i)) {
      kind = "pre";
      i += 3;
      let end = i;
      while (end < input.length && !/\s/.test(input[end] as string) && input[end] !== "`") end++;
      if (end > i && end < input.length && input[end] !== "`") {
        language = input.slice(i, end);
        i = end;
      }
      if (input[i] === "\r") i++;
      if (input[i] === "\n") i++; // the newline after ``` (and the language) is not part of the text
    } else if (c === "`") [kind, i] = ["code", i + 1];
    else {
      throw cantParseEntities(`Character '${c}' is reserved and must be escaped with the preceding '\\'`);
    }
    stack.push({ kind, start: text.length, at, ...(language ? { language } : {}) });
  }
  const unclosed = stack.pop();
  if (unclosed) {
    throw cantParseEntities(`Can't find end of ${V2_NAMES[unclosed.kind]} entity at byte offset ${byteOffset(input, unclosed.at)}`);
  }
  closeQuote(text.length);
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text, entities };
}

const LEGACY_KINDS: Record<string, MessageEntity["type"]> = { "*": "bold", _: "italic", "`": "code" };

/** Legacy Markdown: *bold*, _italic_, `code`, ```pre```, [text](url); no nesting; escape _ * ` [ with '\'. */
export function parseMarkdown(input: string): FormattedText {
  let text = "";
  const entities: MessageEntity[] = [];
  let i = 0;
  const unclosed = (at: number): never => {
    throw cantParseEntities(`Can't find end of the entity starting at byte offset ${byteOffset(input, at)}`);
  };
  while (i < input.length) {
    const c = input[i] as string;
    if (c === "\\" && "_*`[".includes(input[i + 1] ?? " ")) {
      text += input[i + 1];
      i += 2;
      continue;
    }
    if (!"_*`[".includes(c)) {
      text += c;
      i++;
      continue;
    }
    const at = i;
    const offset = text.length;
    if (input.startsWith("```", i)) {
      const end = input.indexOf("```", i + 3);
      if (end < 0) unclosed(at);
      let body = input.slice(i + 3, end);
      const newline = body.indexOf("\n");
      const language = newline > 0 && !/\s/.test(body.slice(0, newline)) ? body.slice(0, newline) : undefined;
      if (language !== undefined) body = body.slice(newline + 1);
      text += body;
      if (body.length > 0) entities.push(language ? { type: "pre", offset, length: body.length, language } : { type: "pre", offset, length: body.length });
      i = end + 3;
      continue;
    }
    if (c === "[") {
      const end = input.indexOf("]", i + 1);
      if (end < 0) unclosed(at);
      const label = input.slice(i + 1, end);
      text += label;
      i = end + 1;
      if (input[i] === "(") {
        const close = input.indexOf(")", i);
        if (close < 0) unclosed(at);
        const url = input.slice(i + 1, close);
        if (url && label) entities.push({ type: "text_link", offset, length: label.length, url });
        i = close + 1;
      }
      continue;
    }
    const end = input.indexOf(c, i + 1);
    if (end < 0) unclosed(at);
    const body = input.slice(i + 1, end);
    text += body;
    if (body.length > 0) entities.push({ type: LEGACY_KINDS[c], offset, length: body.length } as MessageEntity);
    i = end + 1;
  }
  return { text, entities };
}
