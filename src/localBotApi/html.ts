// Telegram's "HTML" parse mode: the tags and entities it accepts, turned into plain text plus MessageEntity[]
// (UTF-16 offsets, like the Bot API). Error texts follow Telegram's (tdlib's) wording, with UTF-8 byte offsets.
// One deliberate difference: Telegram quietly keeps a '&' that does not start an entity; we reject it, so that a
// missing escape of user-supplied text fails in tests instead of only when the text happens to contain a '<'.
import type { MessageEntity } from "grammy/types";
import { cantParseEntities, type BotApiError } from "./errors.js";

export interface FormattedText {
  text: string;
  entities: MessageEntity[];
}

const SIMPLE_TAGS: Record<string, MessageEntity["type"]> = {
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  u: "underline",
  ins: "underline",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  "tg-spoiler": "spoiler",
};
const OTHER_TAGS = new Set(["a", "span", "code", "pre", "blockquote", "tg-emoji"]);

interface OpenTag {
  name: string;
  attributes: Map<string, string>;
  /** UTF-16 offset in the output text where the tag's content starts. */
  start: number;
  /** Set on a <pre> by a <code class="language-..."> directly inside it. */
  language?: string;
}

const ENTITY = /^&(?:#(\d{1,7})|#x([0-9a-f]{1,6})|(lt|gt|amp|quot));/i;
const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

/** Decodes the HTML entity at `input[i]` (which is '&'): the character and the entity's length, or undefined. */
function decodeEntity(input: string, i: number): [string, number] | undefined {
  const match = ENTITY.exec(input.slice(i, i + 12));
  if (!match) return undefined;
  const [whole, dec, hex, name] = match;
  if (name) return [NAMED[name.toLowerCase()] ?? "", whole.length];
  const code = dec ? Number(dec) : parseInt(hex ?? "", 16);
  if (code === 0 || code > 0x10ffff) return undefined;
  return [String.fromCodePoint(code), whole.length];
}

const isSpace = (c: string | undefined): boolean => c === " " || c === "\n" || c === "\t" || c === "\r";

export function parseHtml(input: string): FormattedText {
  const byteOffset = (i: number): number => Buffer.byteLength(input.slice(0, i), "utf8");
  const fail = (detail: string): BotApiError => cantParseEntities(detail);
  let text = "";
  const entities: MessageEntity[] = [];
  const open: OpenTag[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (c === "&") {
      const decoded = decodeEntity(input, i);
      if (!decoded) throw fail(`Unescaped '&' at byte offset ${byteOffset(i)}: write it as &amp;`);
      text += decoded[0];
      i += decoded[1];
      continue;
    }
    if (c !== "<") {
      text += c;
      i++;
      continue;
    }
    const begin = i++;
    if (input[i] === "/") {
      const close = input.indexOf(">", i);
      if (close < 0) throw fail(`Unclosed end tag at byte offset ${byteOffset(begin)}`);
      const name = input.slice(i + 1, close).trim().toLowerCase();
      const top = open.pop();
      if (!top) throw fail(`Unexpected end tag at byte offset ${byteOffset(begin)}`);
      if (top.name !== name) {
        throw fail(
          `Unmatched end tag at byte offset ${byteOffset(begin)}, expected "</${top.name}>", found "</${name}>"`,
        );
      }
      closeTag(top, open, text.length, entities);
      i = close + 1;
      continue;
    }
    let end = i;
    while (end < input.length && !isSpace(input[end]) && input[end] !== ">") end++;
    if (end >= input.length) throw fail(`Unclosed start tag at byte offset ${byteOffset(begin)}`);
    const name = input.slice(i, end).toLowerCase();
    if (!(name in SIMPLE_TAGS) && !OTHER_TAGS.has(name)) {
      throw fail(`Unsupported start tag "${name}" at byte offset ${byteOffset(begin)}`);
    }
    const [attributes, after] = parseAttributes(input, end, name, () => byteOffset(begin));
    if (name === "span" && attributes.get("class") !== "tg-spoiler") {
      throw fail(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(begin)}`);
    }
    if (name === "tg-emoji" && !attributes.get("emoji-id")) {
      throw fail(`Tag "tg-emoji" must have attribute "emoji-id" at byte offset ${byteOffset(begin)}`);
    }
    open.push({ name, attributes, start: text.length });
    i = after;
  }
  const unclosed = open.pop();
  if (unclosed) throw fail(`Can't find end tag corresponding to start tag "${unclosed.name}"`);
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text, entities };
}

/** Reads `name="value" name='value' name=value name` up to the tag's '>'; returns them and the index after '>'. */
function parseAttributes(
  input: string,
  from: number,
  tag: string,
  tagOffset: () => number,
): [Map<string, string>, number] {
  const attributes = new Map<string, string>();
  let i = from;
  const unclosed = (): BotApiError => cantParseEntities(`Unclosed start tag at byte offset ${tagOffset()}`);
  for (;;) {
    while (isSpace(input[i])) i++;
    if (i >= input.length) throw unclosed();
    if (input[i] === ">") return [attributes, i + 1];
    const nameStart = i;
    while (i < input.length && !isSpace(input[i]) && input[i] !== "=" && input[i] !== ">") i++;
    const name = input.slice(nameStart, i).toLowerCase();
    if (!name) throw cantParseEntities(`Empty attribute name in the tag "${tag}" at byte offset ${tagOffset()}`);
    while (isSpace(input[i])) i++;
    if (input[i] !== "=") {
      attributes.set(name, ""); // e.g. <blockquote expandable>
      continue;
    }
    i++;
    while (isSpace(input[i])) i++;
    if (i >= input.length) throw unclosed();
    const quote = input[i];
    let raw: string;
    if (quote === '"' || quote === "'") {
      const close = input.indexOf(quote, i + 1);
      if (close < 0) throw unclosed();
      raw = input.slice(i + 1, close);
      i = close + 1;
    } else {
      const valueStart = i;
      while (i < input.length && !isSpace(input[i]) && input[i] !== ">") i++;
      raw = input.slice(valueStart, i);
    }
    attributes.set(name, decodeAttribute(raw));
  }
}

function decodeAttribute(raw: string): string {
  let out = "";
  for (let i = 0; i < raw.length; ) {
    const decoded = raw[i] === "&" ? decodeEntity(raw, i) : undefined;
    if (decoded) {
      out += decoded[0];
      i += decoded[1];
    } else {
      out += raw[i];
      i++;
    }
  }
  return out;
}

function closeTag(tag: OpenTag, stillOpen: OpenTag[], end: number, entities: MessageEntity[]): void {
  const offset = tag.start;
  const length = end - offset;
  const parent = stillOpen[stillOpen.length - 1];
  // <pre><code class="language-x">…</code></pre> is one pre entity with a language, as in Telegram.
  if (tag.name === "code" && parent?.name === "pre") {
    const cls = tag.attributes.get("class") ?? "";
    if (cls.startsWith("language-")) parent.language = cls.slice("language-".length);
    return;
  }
  if (length <= 0) return; // Telegram drops empty entities.
  const simple = SIMPLE_TAGS[tag.name];
  if (simple) {
    entities.push({ type: simple, offset, length } as MessageEntity);
    return;
  }
  switch (tag.name) {
    case "span":
      entities.push({ type: "spoiler", offset, length });
      return;
    case "a": {
      const url = tag.attributes.get("href");
      if (url) entities.push({ type: "text_link", offset, length, url });
      return;
    }
    case "code":
      entities.push({ type: "code", offset, length });
      return;
    case "pre":
      entities.push(tag.language ? { type: "pre", offset, length, language: tag.language } : { type: "pre", offset, length });
      return;
    case "blockquote":
      entities.push({ type: tag.attributes.has("expandable") ? "expandable_blockquote" : "blockquote", offset, length });
      return;
    case "tg-emoji":
      entities.push({ type: "custom_emoji", offset, length, custom_emoji_id: tag.attributes.get("emoji-id") ?? "" });
      return;
  }
}
