// Files the bot uploaded or users sent: ids for re-sending, file_path for getFile and downloads, and the bytes
// so that tests can check what a generated document contained.
import type { PhotoSize } from "grammy/types";
import { BotApiError, badRequest } from "./errors.js";
import { UploadedFile } from "./multipart.js";
import { compact } from "./compact.js";

export type FileKind = "photo" | "document" | "sticker" | "voice" | "video" | "audio" | "animation";

export interface StoredFile {
  file_id: string;
  file_unique_id: string;
  kind: FileKind;
  file_path: string;
  file_size?: number;
  file_name?: string;
  mime_type?: string;
  width?: number;
  height?: number;
  /** The bytes, when they were uploaded (a file "sent" by URL or by a test without content has none). */
  data?: Uint8Array;
  /** An http(s) URL the bot asked Telegram to fetch; we cannot, so it is only recorded. */
  url?: string;
}

export interface NewFile {
  data?: Uint8Array;
  file_name?: string;
  mime_type?: string;
  url?: string;
  width?: number;
  height?: number;
}

const KIND_NAMES: Record<FileKind, string> = {
  photo: "Photo",
  document: "Document",
  sticker: "Sticker",
  voice: "Voice",
  video: "Video",
  audio: "Audio",
  animation: "Animation",
};
const FOLDERS: Record<FileKind, string> = {
  photo: "photos",
  document: "documents",
  sticker: "stickers",
  voice: "voice",
  video: "videos",
  audio: "music",
  animation: "animations",
};
// Telegram's upload limits for bots: 10 MB for photos, 50 MB for everything else.
const MAX_BYTES: Record<FileKind, number> = {
  photo: 10 * 1024 * 1024,
  document: 50 * 1024 * 1024,
  sticker: 50 * 1024 * 1024,
  voice: 50 * 1024 * 1024,
  video: 50 * 1024 * 1024,
  audio: 50 * 1024 * 1024,
  animation: 50 * 1024 * 1024,
};
const MIME_TYPES: Record<string, string> = {
  csv: "text/csv",
  txt: "text/plain",
  json: "application/json",
  pdf: "application/pdf",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  ogg: "audio/ogg",
  zip: "application/zip",
};

export class FileStore {
  private readonly files = new Map<string, StoredFile>();
  private readonly paths = new Map<string, StoredFile>();
  private counter = 0;

  add(kind: FileKind, input: NewFile): StoredFile {
    const n = ++this.counter;
    const extension = extensionOf(input.file_name) ?? (kind === "photo" ? "jpg" : kind === "voice" ? "oga" : "dat");
    const size = input.data ? imageSize(input.data) : undefined;
    const file: StoredFile = compact({
      file_id: `local-${kind}-${n}`,
      file_unique_id: `u${n}`,
      kind,
      file_path: `${FOLDERS[kind]}/file_${n}.${extension}`,
      file_size: input.data?.byteLength,
      file_name: kind === "document" || kind === "audio" || kind === "video" ? input.file_name : undefined,
      mime_type: input.mime_type ?? (kind === "photo" ? undefined : MIME_TYPES[extension]),
      width: input.width ?? (kind === "photo" ? (size?.width ?? 512) : undefined),
      height: input.height ?? (kind === "photo" ? (size?.height ?? 512) : undefined),
      data: input.data,
      url: input.url,
    });
    this.files.set(file.file_id, file);
    this.paths.set(file.file_path, file);
    return file;
  }

  get(fileId: string): StoredFile | undefined {
    return this.files.get(fileId);
  }

  byPath(path: string): StoredFile | undefined {
    return this.paths.get(path);
  }

  /** A media parameter of a send method: an upload, a file_id of the same kind, or an http(s) URL. */
  resolve(value: unknown, kind: FileKind): StoredFile {
    if (value instanceof UploadedFile) {
      if (value.data.byteLength === 0) throw badRequest("file must be non-empty");
      if (value.data.byteLength > MAX_BYTES[kind]) throw new BotApiError(413, "Request Entity Too Large");
      return this.add(kind, {
        data: value.data,
        file_name: value.filename,
        mime_type: value.contentType && value.contentType !== "application/octet-stream" ? value.contentType : undefined,
      });
    }
    if (typeof value !== "string" || value === "") throw badRequest(`there is no ${kind} in the request`);
    if (/^https?:\/\//i.test(value)) return this.add(kind, { url: value, file_name: value.split("/").pop() });
    const known = this.files.get(value);
    if (!known) throw badRequest("wrong file identifier/HTTP URL specified");
    if (known.kind !== kind) throw badRequest(`can't use file of type ${KIND_NAMES[known.kind]} as ${KIND_NAMES[kind]}`);
    return known;
  }
}

export function photoSizes(file: StoredFile): PhotoSize[] {
  return [
    compact({
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      width: file.width ?? 512,
      height: file.height ?? 512,
      file_size: file.file_size,
    }),
  ];
}

function extensionOf(name: string | undefined): string | undefined {
  const match = name ? /\.([A-Za-z0-9]{1,8})$/.exec(name) : null;
  return match?.[1]?.toLowerCase();
}

/** Width and height of a PNG or JPEG, read from its header; undefined for anything else. */
function imageSize(data: Uint8Array): { width: number; height: number } | undefined {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47) return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return undefined;
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1] as number;
    const length = b.readUInt16BE(i + 2);
    // SOF0..SOF15 carry the dimensions; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
    }
    i += 2 + length;
  }
  return undefined;
}
