// A job message as outbox messages: one as it is when it fits; split in parts (own keys, buttons on the last) when not.
import { describe, expect, it } from "vitest";
import { partKey, toDeliveryMessages } from "../../src/jobs/deliveryOutbox.js";
import { parseHtml } from "../../src/localBotApi/index.js";

const base = { key: "rollup:2026-11-26:IN:1", purpose: "rollup" as const, refId: "2026-11-26", chatId: 1 };
const buttons = [[{ text: "Report", callbackData: "rp:1" }]];
const long = Array.from({ length: 300 }, (_, i) => `<b>पंक्ति ${i}</b> — दादरा और नगर हवेली और दमन और दीव &amp; लद्दाख`).join("\n");

describe("job messages to the delivery outbox", () => {
  it("keeps a message that fits as one, under its key, with its buttons", () => {
    const [m, ...rest] = toDeliveryMessages({ ...base, text: "<b>hi</b>", buttons });
    expect(rest).toEqual([]);
    expect(m).toMatchObject({ key: base.key, method: "sendMessage", params: { text: "<b>hi</b>", parse_mode: "HTML", reply_markup: { inline_keyboard: [[{ callback_data: "rp:1" }]] } } });
  });

  it("splits a long text: the first part keeps the key, then <key>#p2 …; buttons on the last part only", () => {
    const parts = toDeliveryMessages({ ...base, text: long, buttons });
    expect(parts.length).toBeGreaterThan(3);
    expect(parts.map((p) => p.key)).toEqual(parts.map((_, i) => partKey(base.key, i + 1)));
    expect(parts[1]!.key).toBe(`${base.key}#p2`);
    expect(parts.map((p) => "reply_markup" in p.params)).toEqual(parts.map((_, i) => i === parts.length - 1));
    const texts = parts.map((p) => String(p.params.text));
    for (const t of texts) expect(t.length).toBeLessThanOrEqual(4096);
    expect(texts.map((t) => parseHtml(t).text).join("\n").replace(/\s+/g, "")).toBe(parseHtml(long).text.replace(/\s+/g, ""));
  });

  it("a caption over 1,024 characters: the photo takes the first part, the rest follows as text", () => {
    const caption = long.slice(0, long.indexOf("\n", 3000));
    const [photo, ...more] = toDeliveryMessages({ ...base, photo: { png: Buffer.from([1]), filename: "c.png", caption }, buttons });
    expect(photo).toMatchObject({ key: base.key, method: "sendPhoto" });
    expect(String(photo!.params.caption).length).toBeLessThanOrEqual(1024);
    expect(photo!.params.reply_markup).toBeUndefined();
    expect(more.length).toBeGreaterThan(0);
    expect(more.map((m) => m.key)).toEqual(more.map((_, i) => partKey(base.key, i + 2)));
    expect(more.at(-1)!.params.reply_markup).toBeDefined();
  });
});
