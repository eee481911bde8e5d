// The HTML splitter: every part within the limit, every part valid Telegram HTML (checked with the local Bot API's
// parser, which rejects what Telegram rejects), nothing lost, cuts at the best boundary available.
import { describe, expect, it } from "vitest";
import { CAPTION_LIMIT, TEXT_LIMIT, splitHtml, visibleText } from "../../src/messages/split.js";
import { parseHtml } from "../../src/localBotApi/index.js";

/** Each part parses on its own and fits; returns the parsed texts. */
function check(parts: string[], limit: number): string[] {
  return parts.map((p) => {
    expect(p.length).toBeLessThanOrEqual(limit);
    const parsed = parseHtml(p);
    expect(parsed.text.trim().length).toBeGreaterThan(0);
    return parsed.text;
  });
}

const squash = (s: string) => s.replace(/\s+/g, "");
const HINDI = "श्री रामप्रसाद बिस्मिल्लाह खान चतुर्वेदी";

describe("splitHtml", () => {
  it("leaves a text that fits alone, and gives nothing for an empty one", () => {
    expect(splitHtml("<b>hi</b>")).toEqual(["<b>hi</b>"]);
    expect(splitHtml("  \n ")).toEqual([]);
  });

  it("prefers blank lines, then line ends, then spaces", () => {
    const para = (c: string) => Array.from({ length: 10 }, () => c.repeat(9)).join(" ");
    const text = [para("a"), para("b"), para("c")].join("\n\n");
    const parts = splitHtml(text, 250);
    expect(parts).toEqual([`${para("a")}\n\n${para("b")}`, para("c")]);
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i} ${"x".repeat(20)}`).join("\n");
    for (const p of splitHtml(lines, 100)) expect(p).toMatch(/^line \d+ x+(\nline \d+ x+)*$/);
    const words = Array.from({ length: 60 }, (_, i) => `w${i}`).join(" ");
    const cut = splitHtml(words, 50);
    for (const p of cut) expect(p).toMatch(/^w\d+( w\d+)*$/);
    expect(cut.join(" ")).toBe(words);
  });

  it("never cuts inside a tag or an entity, and closes and reopens the tags open at a cut", () => {
    const html = `<b>${"Tom &amp; Jerry &lt;3 ".repeat(40)}</b><a href="https://example.org/x?a=1&amp;b=2">${"link ".repeat(30)}</a>`;
    const parts = splitHtml(html, 120);
    expect(parts.length).toBeGreaterThan(5);
    const texts = check(parts, 120);
    expect(squash(texts.join(""))).toBe(squash(parseHtml(html).text));
    for (const p of parts) {
      expect(p).not.toMatch(/&[a-z]*$/); // no half entity at the end
      expect(p).not.toMatch(/<[^>]*$/); // no half tag
    }
    // A part inside the link reopens it with its attributes.
    expect(parts.filter((p) => p.startsWith('<a href="https://example.org/x?a=1&amp;b=2">')).length).toBeGreaterThan(0);
  });

  it("handles nested tags, pre/code, spoilers and blockquotes with Hindi text", () => {
    const block = `<blockquote><b>${HINDI}</b> <i>${HINDI} <u>${HINDI} <tg-spoiler>${HINDI}</tg-spoiler></u></i></blockquote>`;
    const html = [block, `<pre><code class="language-text">${`${HINDI}\n`.repeat(10)}</code></pre>`, block].join("\n\n").repeat(5);
    for (const limit of [200, 333, CAPTION_LIMIT, TEXT_LIMIT]) {
      const parts = splitHtml(html, limit);
      const texts = check(parts, limit);
      expect(squash(texts.join(""))).toBe(squash(parseHtml(html).text));
    }
  });

  it("cuts a word without spaces between characters, never inside a surrogate pair", () => {
    const emoji = "🙏".repeat(300); // 600 UTF-16 units
    const parts = splitHtml(`<b>${emoji}</b>`, 101);
    const texts = check(parts, 101);
    expect(texts.join("")).toBe(emoji);
    for (const t of texts) expect(t).not.toMatch(/[\ud800-\udbff]$|^[\udc00-\udfff]/);
  });

  it("keeps every name of a long list (a worst case: 4,123 constituency names)", () => {
    const names = Array.from({ length: 4123 }, (_, i) => `${HINDI} ${i}`);
    const html = `<b>सूची</b>\n${names.map((n) => `• <b>${n}</b> — <i>&amp; ${n}</i>`).join("\n")}`;
    const parts = splitHtml(html);
    const joined = check(parts, TEXT_LIMIT).join("\n");
    for (const n of names) expect(joined).toContain(n);
    // Line ends were available everywhere: every part ends at one.
    for (const p of parts.slice(0, -1)) expect(p).toMatch(/<\/i>$/);
  });

  it("visibleText drops tags and decodes entities", () => {
    expect(visibleText('<a href="x">a &amp; b &lt;c&gt; &#2325;&#x915;</a>')).toBe("a & b <c> कक");
  });
});
