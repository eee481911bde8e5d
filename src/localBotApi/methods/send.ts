// sendMessage, sendPhoto, sendDocument: check what Telegram checks, store the message, return it.
import type { Message } from "grammy/types";
import { compact } from "../compact.js";
import { badRequest, forbidden } from "../errors.js";
import { photoSizes } from "../files.js";
import { checkCaption, checkText, formatText, type FormattedText } from "../formatting.js";
import { readReplyMarkup, type ReplyMarkup } from "../keyboard.js";
import { chatIdOf, isRecord, optionalBool, optionalInt, optionalJson, optionalString, type Params } from "../params.js";
import type { ChatRecord, World } from "../state.js";
import type { Method } from "./context.js";

interface Target {
  record: ChatRecord;
  replyTo?: Message;
  markup?: ReplyMarkup;
}

/** The chat to send to (which must exist and not have blocked the bot), the message replied to, the keyboard. */
export function sendTarget(world: World, params: Params): Target {
  const record = world.chat(chatIdOf(params));
  if (record.blocked) throw forbidden("bot was blocked by the user");
  const markup = readReplyMarkup(params);
  const reply = optionalJson(params, "reply_parameters", "can't parse reply parameters JSON object");
  const replyId = isRecord(reply) ? optionalInt(reply, "message_id") : optionalInt(params, "reply_to_message_id");
  const allowWithout = isRecord(reply) ? optionalBool(reply, "allow_sending_without_reply") : optionalBool(params, "allow_sending_without_reply");
  let replyTo: Message | undefined;
  if (replyId !== undefined) {
    const entry = record.entries.get(replyId);
    if (entry && !entry.deleted) replyTo = entry.message;
    else if (!allowWithout) throw badRequest("message to be replied not found");
  }
  return { record, ...(replyTo ? { replyTo } : {}), ...(markup ? { markup } : {}) };
}

function deliver(world: World, target: Target, content: Partial<Message>): Message {
  const entry = world.addEntry(
    target.record,
    "bot",
    (messageId) =>
      compact({
        message_id: messageId,
        from: world.bot,
        chat: target.record.chat,
        date: world.unixTime(),
        ...content,
        // Telegram nests the replied-to message one level deep only.
        reply_to_message: target.replyTo ? { ...target.replyTo, reply_to_message: undefined } : undefined,
        reply_markup: target.markup?.inline,
      }) as Message,
    target.markup?.client,
  );
  return entry.message;
}

export function readCaption(params: Params): FormattedText | undefined {
  const caption = optionalString(params, "caption");
  if (caption === undefined || caption === "") return undefined;
  const formatted = formatText(caption, optionalString(params, "parse_mode"), optionalJson(params, "caption_entities", "can't parse entities JSON object"));
  checkCaption(formatted);
  return formatted;
}

export function captionFields(caption: FormattedText | undefined): Partial<Message> {
  if (!caption) return {};
  return compact({ caption: caption.text, caption_entities: caption.entities.length ? caption.entities : undefined });
}

export const sendMessage: Method = ({ world }, params) => {
  const target = sendTarget(world, params);
  const text = optionalString(params, "text");
  if (text === undefined) throw badRequest("message text is empty");
  const formatted = formatText(text, optionalString(params, "parse_mode"), optionalJson(params, "entities", "can't parse entities JSON object"));
  checkText(formatted);
  return deliver(world, target, {
    text: formatted.text,
    ...(formatted.entities.length ? { entities: formatted.entities } : {}),
    ...(params.link_preview_options !== undefined ? { link_preview_options: optionalJson(params, "link_preview_options", "can't parse link preview options") as Message["link_preview_options"] } : {}),
  });
};

export const sendPhoto: Method = ({ world }, params) => {
  const target = sendTarget(world, params);
  const caption = readCaption(params);
  const file = world.files.resolve(params.photo, "photo");
  return deliver(world, target, {
    photo: photoSizes(file),
    ...captionFields(caption),
    ...(optionalBool(params, "has_spoiler") ? { has_media_spoiler: true } : {}),
    ...(optionalBool(params, "show_caption_above_media") ? { show_caption_above_media: true } : {}),
  });
};

export const sendDocument: Method = ({ world }, params) => {
  const target = sendTarget(world, params);
  const caption = readCaption(params);
  const file = world.files.resolve(params.document, "document");
  return deliver(world, target, {
    document: compact({
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      file_name: file.file_name,
      mime_type: file.mime_type,
      file_size: file.file_size,
    }),
    ...captionFields(caption),
  });
};

/**
 * An album: 2 to 10 photos (or 2 to 10 documents: Telegram does not mix documents with photos), each its own message
 * sharing a media_group_id, the caption on the item that carries it. No keyboard: Telegram takes none on an album.
 */
export const sendMediaGroup: Method = ({ world }, params) => {
  const target = sendTarget(world, params);
  if (target.markup) throw badRequest("reply markup is not supported for media groups");
  const media = optionalJson(params, "media", "can't parse media JSON object");
  if (!Array.isArray(media)) throw badRequest("media must be an array");
  if (media.length < 2 || media.length > 10) throw badRequest("wrong number of media in the group: must be between 2 and 10");
  const kinds = new Set(media.map((m) => (isRecord(m) ? m.type : undefined)));
  for (const kind of kinds) if (kind !== "photo" && kind !== "document") throw badRequest(`unsupported media type ${String(kind)}`);
  if (kinds.size > 1) throw badRequest("document can't be mixed with other media types");
  const groupId = String(world.nextMediaGroupId());
  return media.map((item: Record<string, unknown>) => {
    // An upload is named "attach://<field>" and sent as that multipart field.
    const ref = typeof item.media === "string" && item.media.startsWith("attach://") ? params[item.media.slice("attach://".length)] : item.media;
    const caption = readCaption(item as Params);
    const file = world.files.resolve(ref, item.type === "photo" ? "photo" : "document");
    const content: Partial<Message> =
      item.type === "photo"
        ? { photo: photoSizes(file) }
        : { document: compact({ file_id: file.file_id, file_unique_id: file.file_unique_id, file_name: file.file_name, mime_type: file.mime_type, file_size: file.file_size }) };
    return deliver(world, target, { ...content, ...captionFields(caption), media_group_id: groupId });
  });
};
