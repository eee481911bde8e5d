// The parse modes on their own: text and entities (UTF-16 offsets) as Telegram would return them.
import { describe, expect, it } from "vitest";
import { BotApiError, parseHtml } from "../../src/localBotApi/index.js";

function parseError(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    if (error instanceof BotApiError) return error.description;
    throw error;
  }
  throw new Error("expected a parse error");
}

describe("HTML", () => {
  it("turns every supported tag into its entity", () => {
    const { text, entities } = parseHtml(
      '<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike><del>d</del>' +
        '<tg-spoiler>p</tg-spoiler><span class="tg-spoiler">q</span><a href="https://x.org/?a=1&amp;b=2">l</a><code>c</code>' +
        '<blockquote>B</blockquote><blockquote expandable>E</blockquote><tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
    );
    expect(text).toBe("bsieunskdpqlcBE👍");
    expect(entities.map((e) => e.type)).toEqual([
      "bold", "bold", "italic", "italic", "underline", "underline", "strikethrough", "strikethrough", "strikethrough",
      "spoiler", "spoiler", "text_link", "code", "blockquote", "expandable_blockquote", "custom_emoji",
    ]);
    expect(entities.find((e) => e.type === "text_link")).toMatchObject({ url: "https://x.org/?a=1&b=2" });
    expect(entities.at(-1)).toMatchObject({ offset: 15, length: 2, custom_emoji_id: "5368324170671202286" });
  });

  it("decodes entities and counts offsets in UTF-16 units", () => {
    const { text, entities } = parseHtml("😀 &lt;x&gt; &amp; &quot;&#2325;&#x915;&quot; <b>ब</b>");
    expect(text).toBe('😀 <x> & "कक" ब');
    expect(entities).toEqual([{ type: "bold", offset: 14, length: 1 }]); // the emoji counts 2
  });

  it("nests, sorts by offset, and merges <pre><code class> into one pre with a language", () => {
    expect(parseHtml("<b>a<i>b</i></b>").entities).toEqual([
      { type: "bold", offset: 0, length: 2 },
      { type: "italic", offset: 1, length: 1 },
    ]);
    expect(parseHtml('<pre><code class="language-ts">let x = 1;</code></pre>')).toEqual({
      text: "let x = 1;",
      entities: [{ type: "pre", offset: 0, length: 10, language: "ts" }],
    });
  });

  it("is case-insensitive about tag names and drops empty entities", () => {
    expect(parseHtml("<B>x</B><i></i>")).toEqual({ text: "x", entities: [{ type: "bold", offset: 0, length: 1 }] });
  });

  it("keeps a bare '>' as Telegram does", () => {
    expect(parseHtml("a > b").text).toBe("a > b");
  });

  it.each([
    ["<b", "Bad Request: can't parse entities: Unclosed start tag at byte offset 0"],
    ["x</b", "Bad Request: can't parse entities: Unclosed end tag at byte offset 1"],
    ["&nbsp;", "Bad Request: can't parse entities: Unescaped '&' at byte offset 0: write it as &amp;"],
    ['<a href="x>y</a>', "Bad Request: can't parse entities: Unclosed start tag at byte offset 0"],
    ["<tg-emoji>x</tg-emoji>", 'Bad Request: can\'t parse entities: Tag "tg-emoji" must have attribute "emoji-id" at byte offset 0'],
  ])("rejects %j", (input, description) => {
    expect(parseError(() => parseHtml(input))).toBe(description);
  });
});

