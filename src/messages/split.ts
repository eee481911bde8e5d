// Splitting a Telegram HTML message into parts that each fit a limit (4096 for a text, 1024 for a caption), at safe
// boundaries: a blank line if there is one, else a line end, else a space, else between two characters, but
// never inside a tag or an entity (&amp;) or between the two halves of a surrogate pair. Tags open at a cut are
// closed at the end of the part and opened again (same attributes) at the start of the next, so each part parses
// on its own. Telegram counts the text after entity parsing; the raw HTML is counted here (UTF-16 code units, like
// String.length), which is never less, so a part that fits here fits there.
// Pure: shared by the bot's replies and the jobs' outbox messages (imports nothing).

export const TEXT_LIMIT = 4096;
export const CAPTION_LIMIT = 1024;

type Atom =
  | { kind: "open"; raw: string; name: string }
  | { kind: "close"; raw: string; name: string }
  /** One character (a whole surrogate pair), or one entity such as &amp;. */
  | { kind: "char"; raw: string };

const TAG = /^<(\/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*>/;
const ENTITY = /^&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/;

function atomsOf(html: string): Atom[] {
  const atoms: Atom[] = [];
  let i = 0;
  while (i < html.length) {
    const c = html[i]!;
    if (c === "<") {
      const m = TAG.exec(html.slice(i, i + 2000));
      if (m) {
        atoms.push({ kind: m[1] ? "close" : "open", raw: m[0], name: m[2]!.toLowerCase() });
        i += m[0].length;
        continue;
      }
    } else if (c === "&") {
      const m = ENTITY.exec(html.slice(i, i + 12));
      if (m) {
        atoms.push({ kind: "char", raw: m[0] });
        i += m[0].length;
        continue;
      }
    }
    const code = html.codePointAt(i)!;
    const width = code > 0xffff ? 2 : 1;
    atoms.push({ kind: "char", raw: html.slice(i, i + width) });
    i += width;
  }
  return atoms;
}

interface OpenTag {
  name: string;
  raw: string;
}

const closing = (stack: readonly OpenTag[]): string =>
  stack
    .slice()
    .reverse()
    .map((t) => `</${t.name}>`)
    .join("");
const closingLength = (stack: readonly OpenTag[]): number => stack.reduce((n, t) => n + t.name.length + 3, 0);

/** Where a part may end: after atom `end` (exclusive index), with this quality and these tags open. */
interface Break {
  end: number;
  /** 3 blank line, 2 line end, 1 space, 0 anywhere else. */
  quality: number;
  /** Raw length of the part up to `end` (its reopened prefix included). */
  length: number;
  stack: OpenTag[];
}

const isBlank = (raw: string): boolean => raw === " " || raw === "\n" || raw === "\t" || raw === "\r";

/**
 * Splits `html` into parts of at most `limit` UTF-16 code units each (see the file comment). A text that fits is
 * returned as it is, in a one-element array; an empty text gives []. Whitespace at the cuts is dropped.
 */
export function splitHtml(html: string, limit: number = TEXT_LIMIT): string[] {
  if (html.length <= limit) return html.trim().length > 0 ? [html] : [];
  const atoms = atomsOf(html);
  const parts: string[] = [];
  let start = 0;
  let reopen: OpenTag[] = [];
  while (start < atoms.length) {
    // Leading whitespace of a continuation is not worth a character.
    while (start < atoms.length && atoms[start]!.kind === "char" && isBlank(atoms[start]!.raw)) start++;
    if (start >= atoms.length) break;
    const prefix = reopen.map((t) => t.raw).join("");
    const stack = reopen.map((t) => ({ ...t }));
    let length = prefix.length;
    let hasText = false;
    /** The latest possible cut of each quality. */
    const latest: (Break | undefined)[] = [];
    let i = start;
    for (; i < atoms.length; i++) {
      const a = atoms[i]!;
      const nextStack = a.kind === "open" ? [...stack, { name: a.name, raw: a.raw }] : a.kind === "close" ? popTag(stack, a.name) : stack;
      if (length + a.raw.length + closingLength(nextStack) > limit) break;
      length += a.raw.length;
      if (a.kind === "open") stack.push({ name: a.name, raw: a.raw });
      else if (a.kind === "close") stack.splice(0, stack.length, ...nextStack);
      else if (!isBlank(a.raw)) hasText = true;
      if (!hasText) continue;
      // A cut may fall after this atom. Prefer the best kind of boundary; among equals, the latest.
      const next = atoms[i + 1];
      let quality = 0;
      if (next?.kind === "char" && next.raw === "\n") quality = atoms[i + 2]?.raw === "\n" ? 3 : 2;
      else if (next?.kind === "char" && isBlank(next.raw)) quality = 1;
      latest[quality] = { end: i + 1, quality, length, stack: stack.map((t) => ({ ...t })) };
    }
    if (i >= atoms.length) {
      parts.push(prefix + atoms.slice(start).map((a) => a.raw).join(""));
      break;
    }
    const best = chooseBreak(latest, limit);
    if (!best) throw new Error(`splitHtml: cannot fit anything in ${limit} characters after ${prefix.length} of reopened tags`);
    const body = atoms.slice(start, best.end).map((a) => a.raw).join("");
    parts.push((prefix + body).replace(/\s+$/u, "") + closing(best.stack));
    start = best.end;
    reopen = best.stack;
  }
  return parts.filter((p) => visibleText(p).trim().length > 0);
}

/**
 * The best kind of boundary that still fills at least half the part (a blank line near the start would waste the
 * rest of it); failing that, the best kind there is.
 */
function chooseBreak(latest: readonly (Break | undefined)[], limit: number): Break | undefined {
  for (let q = 3; q >= 0; q--) {
    const b = latest[q];
    if (b && b.length >= limit / 2) return b;
  }
  for (let q = 3; q >= 0; q--) if (latest[q]) return latest[q];
  return undefined;
}

function popTag(stack: readonly OpenTag[], name: string): OpenTag[] {
  const out = [...stack];
  for (let k = out.length - 1; k >= 0; k--) {
    if (out[k]!.name === name) {
      out.splice(k, 1);
      break;
    }
  }
  return out;
}

/** The text a reader sees (tags dropped, entities decoded): what "no content lost" is checked against. */
export function visibleText(html: string): string {
  return html
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&amp;/g, "&");
}
