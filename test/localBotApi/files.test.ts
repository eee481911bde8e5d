// Uploads arrive as multipart/form-data (grammY's InputFile) and are kept, so tests can read what the bot sent.
import { Bot, GrammyError, InputFile } from "grammy";
import type { Message } from "grammy/types";
import { beforeEach, describe, expect, it } from "vitest";
import type { LocalBotApi } from "../../src/localBotApi/index.js";
import { apiRoot, botInfo, clientFor, localApi, makeUser, token } from "../helpers/telegram.js";

const sunita = makeUser(8_000_000_021, { first_name: "Sunita" });

/** The first 24 bytes of a PNG (signature and IHDR): all a reader of its dimensions needs. */
function pngHeader(width: number, height: number): Uint8Array {
  const b = Buffer.alloc(24);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  b.writeUInt32BE(13, 8);
  b.write("IHDR", 12, "ascii");
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return new Uint8Array(b);
}

let api: LocalBotApi;
let bot: Bot;

beforeEach(() => {
  api = localApi();
  bot = new Bot(token, { botInfo, client: clientFor(api) });
  api.sendUserMessage(sunita, "/report");
});

describe("sendPhoto with an upload", () => {
  it("parses grammY's multipart body: the photo, the caption and the keyboard", async () => {
    const sent = await bot.api.sendPhoto(sunita.id, new InputFile(pngHeader(640, 480), "chart.png"), {
      caption: "<b>Turnout</b>",
      parse_mode: "HTML",
      reply_markup: { inline_keyboard: [[{ text: "More", callback_data: "more" }]] },
    });
    expect(sent.photo).toEqual([{ file_id: expect.any(String), file_unique_id: expect.any(String), width: 640, height: 480, file_size: 24 }]);
    expect(sent.caption).toBe("Turnout");
    expect(sent.caption_entities).toEqual([{ type: "bold", offset: 0, length: 7 }]);
    expect(sent.reply_markup?.inline_keyboard[0]?.[0]).toEqual({ text: "More", callback_data: "more" });
    const fileId = sent.photo?.[0]?.file_id ?? "";
    expect(api.file(fileId)?.data).toEqual(pngHeader(640, 480));
    expect(api.callsTo("sendPhoto")[0]?.params.photo).toMatchObject({ filename: "chart.png" });
  });

  it("re-sends by file_id, and refuses a file_id of another kind or an unknown one", async () => {
    const first = await bot.api.sendPhoto(sunita.id, new InputFile(pngHeader(10, 10)));
    const fileId = first.photo?.[0]?.file_id ?? "";
    const again = await bot.api.sendPhoto(sunita.id, fileId);
    expect(again.photo?.[0]?.file_id).toBe(fileId);
    await expect(bot.api.sendDocument(sunita.id, fileId)).rejects.toMatchObject({
      description: "Bad Request: can't use file of type Photo as Document",
    });
    await expect(bot.api.sendPhoto(sunita.id, "no-such-file")).rejects.toBeInstanceOf(GrammyError);
  });

  it("refuses an empty upload", async () => {
    await expect(bot.api.sendPhoto(sunita.id, new InputFile(new Uint8Array(0)))).rejects.toMatchObject({
      description: "Bad Request: file must be non-empty",
    });
  });
});

describe("sendDocument", () => {
  it("keeps the name, type and bytes; getFile and the download URL give them back", async () => {
    const csv = "constituency,events\nVaranasi,12\n";
    const sent = await bot.api.sendDocument(sunita.id, new InputFile(Buffer.from(csv), "report.csv"), { caption: "Weekly report" });
    expect(sent.document).toMatchObject({ file_name: "report.csv", mime_type: "text/csv", file_size: csv.length });
    expect(sent.caption).toBe("Weekly report");

    const file = await bot.api.getFile(sent.document?.file_id ?? "");
    expect(file.file_path).toMatch(/^documents\/file_\d+\.csv$/);
    const download = await api.createFetch()(`${apiRoot}/file/bot${token}/${file.file_path}`);
    expect(await download.text()).toBe(csv);
  });

  it("getFile on an unknown id fails", async () => {
    await expect(bot.api.getFile("nope")).rejects.toMatchObject({ description: "Bad Request: invalid file_id" });
  });
});

describe("media from users", () => {
  it("a user's photo, document, sticker, voice and location arrive as Telegram would send them", async () => {
    api.takeUpdates();
    api.sendUserMessage(sunita, { photo: { data: pngHeader(1280, 720) }, caption: "/proof from the rally" });
    api.sendUserMessage(sunita, { document: { data: new Uint8Array([1, 2, 3]), file_name: "list.xlsx" } });
    api.sendUserMessage(sunita, { sticker: { emoji: "👍" } });
    api.sendUserMessage(sunita, { voice: { duration: 3 } });
    api.sendUserMessage(sunita, { location: { latitude: 25.3176, longitude: 82.9739 } });
    const [photo, document, sticker, voice, location] = api.takeUpdates().map((u) => u.message);
    expect(photo?.photo?.[0]).toMatchObject({ width: 1280, height: 720 });
    expect(photo?.caption_entities).toEqual([{ type: "bot_command", offset: 0, length: 6 }]);
    expect(document?.document).toMatchObject({ file_name: "list.xlsx", file_size: 3 });
    expect(sticker?.sticker).toMatchObject({ emoji: "👍", type: "regular" });
    expect(voice?.voice).toMatchObject({ duration: 3, mime_type: "audio/ogg" });
    expect(location?.location).toEqual({ latitude: 25.3176, longitude: 82.9739 });

    const file = await bot.api.getFile(photo?.photo?.[0]?.file_id ?? "");
    const download = await api.createFetch()(`${apiRoot}/file/bot${token}/${file.file_path}`);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(pngHeader(1280, 720));
  });
});

describe("sendMediaGroup", () => {
  it("sends photos by file id as one album: a message each, one media_group_id, the caption where it was put", async () => {
    const a = await bot.api.sendPhoto(sunita.id, new InputFile(pngHeader(10, 10), "a.png"));
    const b = await bot.api.sendPhoto(sunita.id, new InputFile(pngHeader(20, 20), "b.png"));
    const ids = [a.photo!.at(-1)!.file_id, b.photo!.at(-1)!.file_id];
    const album = (await bot.api.sendMediaGroup(sunita.id, [
      { type: "photo", media: ids[0]!, caption: "<b>1</b> of 2", parse_mode: "HTML" },
      { type: "photo", media: ids[1]! },
    ])) as Message[];
    expect(album).toHaveLength(2);
    expect(new Set(album.map((m) => m.media_group_id)).size).toBe(1);
    expect(album[0]!.media_group_id).toEqual(expect.any(String));
    expect(album.map((m) => m.photo?.at(-1)?.file_id)).toEqual(ids);
    expect(album[0]!.caption).toBe("1 of 2");
    expect(api.messages(sunita.id).filter((e) => e.message.media_group_id === album[0]!.media_group_id)).toHaveLength(2);
  });

  it("refuses one item, eleven items, and photos mixed with documents, as Telegram does", async () => {
    const p = await bot.api.sendPhoto(sunita.id, new InputFile(pngHeader(10, 10), "a.png"));
    const photo = { type: "photo" as const, media: p.photo!.at(-1)!.file_id };
    // Raw: grammY's types already refuse a mixed album, Telegram must too.
    const refusal = (media: unknown[]) =>
      (bot.api.raw.sendMediaGroup({ chat_id: sunita.id, media } as never) as Promise<unknown>).then(
        () => "sent",
        (e: GrammyError) => e.description,
      );
    expect(await refusal([photo])).toMatch(/^Bad Request: wrong number of media/);
    expect(await refusal(Array.from({ length: 11 }, () => photo))).toMatch(/^Bad Request: wrong number of media/);
    expect(await refusal([photo, { type: "document", media: p.photo!.at(-1)!.file_id }])).toBe("Bad Request: document can't be mixed with other media types");
  });
});
