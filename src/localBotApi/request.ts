// Turning an HTTP request (from fetch or node:http) into a Bot API call: which route, which parameters.
import { badRequest } from "./errors.js";
import { boundaryOf, parseMultipart } from "./multipart.js";
import { isRecord, type Params } from "./params.js";

export type Route = { kind: "method"; token: string; method: string } | { kind: "file"; token: string; path: string };

/** `<root>/bot<token>/<method>` or `<root>/file/bot<token>/<path>`; any prefix in the root is allowed. */
export function routeOf(pathname: string): Route | undefined {
  const file = /\/file\/bot([^/]+)\/(.+)$/.exec(pathname);
  if (file) return { kind: "file", token: decodeURIComponent(file[1] ?? ""), path: decodeURIComponent(file[2] ?? "") };
  const call = /\/bot([^/]+)\/(?:test\/)?([A-Za-z0-9_]+)\/?$/.exec(pathname);
  if (call) return { kind: "method", token: decodeURIComponent(call[1] ?? ""), method: call[2] ?? "" };
  return undefined;
}

/** Query-string parameters, overlaid by the body's: JSON, multipart/form-data or url-encoded, like Telegram. */
export function parseParams(query: URLSearchParams, contentType: string, body: Uint8Array): Params {
  const params: Params = Object.fromEntries(query);
  if (body.byteLength === 0) return params;
  const type = contentType.toLowerCase();
  if (type.startsWith("application/json")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(body).toString("utf8"));
    } catch {
      throw badRequest("can't parse JSON object");
    }
    if (!isRecord(parsed)) throw badRequest("can't parse JSON object");
    return { ...params, ...parsed };
  }
  if (type.startsWith("multipart/form-data")) {
    const boundary = boundaryOf(contentType);
    if (!boundary) throw badRequest("can't parse multipart/form-data body");
    return { ...params, ...parseMultipart(body, boundary) };
  }
  if (type.startsWith("application/x-www-form-urlencoded")) {
    return { ...params, ...Object.fromEntries(new URLSearchParams(Buffer.from(body).toString("utf8"))) };
  }
  return params;
}
