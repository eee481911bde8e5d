// A multipart/form-data parser for Bot API requests. grammY writes its parts as
// `content-disposition:form-data;name="x";filename=photo.jpg` (no spaces, unquoted filename), which Telegram
// accepts but undici's Request.formData() rejects, so we parse the body ourselves.
import { badRequest } from "./errors.js";

/** A file part of a multipart request: what grammY's InputFile became on the wire. */
export class UploadedFile {
  constructor(
    readonly filename: string,
    readonly data: Uint8Array,
    readonly contentType: string | undefined,
  ) {}

  toJSON(): { filename: string; size: number } {
    return { filename: this.filename, size: this.data.byteLength };
  }
}

export function boundaryOf(contentType: string): string | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/** Text fields as strings, file parts as UploadedFile; fields that say "attach://<name>" get that file part. */
export function parseMultipart(body: Uint8Array, boundary: string): Record<string, unknown> {
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const delimiter = Buffer.from(`--${boundary}`);
  const fields: Record<string, unknown> = {};
  const files = new Map<string, UploadedFile>();
  let position = buffer.indexOf(delimiter);
  if (position < 0) throw badRequest("can't parse multipart/form-data body");
  for (;;) {
    position += delimiter.length;
    if (buffer.subarray(position, position + 2).toString() === "--") break; // closing delimiter
    const next = buffer.indexOf(delimiter, position);
    if (next < 0) throw badRequest("can't parse multipart/form-data body");
    // A part is "\r\n" headers "\r\n\r\n" content "\r\n" before the next delimiter.
    const part = buffer.subarray(position + 2, next - 2);
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd < 0) throw badRequest("can't parse multipart/form-data body");
    const headers = parseHeaders(part.subarray(0, headerEnd).toString("utf8"));
    const content = part.subarray(headerEnd + 4);
    const disposition = headers.get("content-disposition") ?? "";
    const name = parameterOf(disposition, "name");
    const filename = parameterOf(disposition, "filename");
    if (name !== undefined) {
      if (filename !== undefined) {
        files.set(name, new UploadedFile(filename, new Uint8Array(content), headers.get("content-type")));
      } else {
        fields[name] = content.toString("utf8");
      }
    }
    position = next;
  }
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === "string" && value.startsWith("attach://")) {
      const file = files.get(value.slice("attach://".length));
      if (file) fields[key] = file;
    }
  }
  // A file sent directly under the parameter's own name (curl -F photo=@x.jpg) is the parameter.
  for (const [name, file] of files) if (!(name in fields)) fields[name] = file;
  return fields;
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function parameterOf(header: string, key: string): string | undefined {
  const match = new RegExp(`(?:^|;)\\s*${key}\\s*=\\s*(?:"([^"]*)"|([^;]*))`, "i").exec(header);
  if (!match) return undefined;
  return (match[1] ?? match[2] ?? "").trim();
}
