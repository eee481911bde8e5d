// The sandbox's web page and the small HTTP API it uses to act as a demo person: read a chat, send text, tap
// inline and reply-keyboard buttons, send a photo, and follow the chats live over Server-Sent Events.
//
//   GET  /                              the page (static files from web/)
//   GET  /api/bootstrap?lang=hi         the bot, the demo people with their roles, the page's strings
//   GET  /api/chats/:id                 the transcript, the open reply keyboard, the command menu
//   POST /api/chats/:id/messages        {"text": "..."} | {"contact": true} | {"location": true}
//   POST /api/chats/:id/photo?caption=  the image bytes as the body (Content-Type image/*)
//   POST /api/chats/:id/callbacks       {"messageId": 12, "data": "..."}: tap an inline button
//   GET  /api/files/:fileId             a photo or document either side sent
//   GET  /api/events                    text/event-stream (see liveFeed.ts)
//
// Only the demo people's chats are reachable. There is no login: the server listens on loopback, refuses Host
// headers other than its own (DNS rebinding) and cross-origin writes (POSTs must be JSON or an image, with a
// matching Origin when the browser sends one).
import { readFileSync, existsSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { LocalBotApi, UserContent } from "../localBotApi/index.js";
import type { Language } from "../i18n.js";
import { LANGUAGES, isLanguage } from "../i18n.js";
import type { Logger } from "../logger.js";
import type { DemoPerson } from "./demoPeople.js";
import { LiveFeed } from "./liveFeed.js";
import { currentReplyKeyboard, messageView } from "./view.js";

export interface PersonEntry {
  id: number;
  key: DemoPerson["key"];
  name: string;
  /** "Lok Sabha in-charge, Varanasi", or the page's "no role yet". */
  role: string;
  /** The language the person's Telegram is set to. */
  language: string;
}

export interface WebServerDeps {
  api: LocalBotApi;
  people: readonly DemoPerson[];
  /** The switcher's entries in the page's language; roles are read fresh (people appoint each other). */
  describePeople(lang: Language): Promise<PersonEntry[]>;
  /** The page's own texts (locales/<lang>/sandbox.json). */
  strings(lang: Language): unknown;
  /** The name of a language, written in that language (the page's language switch). */
  languageName(lang: Language): string;
  /** Times on the page are shown in the bot's zone, not the browser's. */
  timeZone: string;
  logger: Logger;
}

export interface WebServer {
  url: string;
  port: number;
  feed: LiveFeed;
  close(): Promise<void>;
}

const WEB_DIR = fileURLToPath(new URL("./web/", import.meta.url));
const MAX_JSON_BYTES = 64 * 1024;
/** Telegram's limit for photos a bot receives is larger, but a phone camera photo fits in this. */
const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
/** A place in Varanasi, for "share location" reply buttons. */
const DEMO_LOCATION = { latitude: 25.3176, longitude: 82.9739 };

interface Asset {
  body: Buffer;
  type: string;
}

function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const types: Record<string, string> = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
  };
  for (const [name, type] of Object.entries(types)) {
    assets.set(name === "index.html" ? "/" : `/${name}`, { body: readFileSync(path.join(WEB_DIR, name)), type });
  }
  // Noto Sans Devanagari ships with the rollup charts' dependencies: serving it makes Hindi render the same in
  // any browser, whatever fonts the machine has. Without it the page falls back to the system's fonts.
  try {
    const dir = path.dirname(createRequire(import.meta.url).resolve("@expo-google-fonts/noto-sans-devanagari/package.json"));
    for (const weight of ["400Regular", "700Bold"]) {
      const file = path.join(dir, weight, `NotoSansDevanagari_${weight}.ttf`);
      if (existsSync(file)) assets.set(`/fonts/devanagari-${weight.slice(0, 3)}.ttf`, { body: readFileSync(file), type: "font/ttf" });
    }
  } catch {
    // not installed: system fonts
  }
  return assets;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startWebServer(deps: WebServerDeps, options: { port: number; host: string }): Promise<WebServer> {
  const assets = loadAssets();
  const demoIds = new Set(deps.people.map((p) => p.user.id));
  const feed = new LiveFeed(deps.api, (chatId) => demoIds.has(chatId));
  const log = deps.logger.child({ module: "sandbox-web" });
  let port = 0;
  const loopback = isLoopback(options.host);

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) log.error({ err: error, url: req.url }, "sandbox request failed");
      if (!res.headersSent) sendJson(res, status, { error: error instanceof Error ? error.message : String(error) });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    checkHost(req, port, loopback);
    const url = new URL(req.url ?? "/", "http://sandbox.local");
    const method = req.method ?? "GET";
    const route = url.pathname;

    if (method === "GET" && assets.has(route)) return sendAsset(res, assets.get(route)!);
    if (method === "GET" && route === "/api/events") return feed.subscribe(res);
    if (method === "GET" && route === "/api/bootstrap") {
      const lang = pageLanguage(url.searchParams.get("lang"));
      return sendJson(res, 200, {
        bot: { name: deps.api.botInfo.first_name, username: deps.api.botInfo.username },
        language: lang,
        timeZone: deps.timeZone,
        people: await deps.describePeople(lang),
        strings: deps.strings(lang),
        switchLanguage: { to: otherLanguage(lang), label: deps.languageName(otherLanguage(lang)) },
        fonts: [...assets.keys()].filter((k) => k.startsWith("/fonts/")),
      });
    }
    const file = /^\/api\/files\/([A-Za-z0-9_-]{1,100})$/.exec(route);
    if (method === "GET" && file) return sendFile(res, file[1]!);

    const chat = /^\/api\/chats\/(\d{1,16})(\/[a-z]+)?$/.exec(route);
    if (!chat) throw new HttpError(404, "not found");
    const person = deps.people.find((p) => p.user.id === Number(chat[1]));
    if (!person) throw new HttpError(404, "not a demo person");
    const action = chat[2] ?? "";

    if (method === "GET" && action === "") return sendJson(res, 200, chatState(person));
    if (method !== "POST") throw new HttpError(405, "method not allowed");
    checkOrigin(req);
    if (action === "/messages") {
      const body = await readJson(req);
      const content = userContent(person, body);
      const message = deps.api.sendUserMessage(person.user, content);
      return sendJson(res, 202, { messageId: message.message_id });
    }
    if (action === "/callbacks") {
      const body = await readJson(req);
      const messageId = body.messageId;
      const data = body.data;
      if (typeof messageId !== "number" || typeof data !== "string") throw new HttpError(400, "messageId and data are required");
      let query;
      try {
        query = deps.api.clickButton(person.user, messageId, data);
      } catch (error) {
        // The message was edited or deleted since the page drew it: the page redraws.
        throw new HttpError(409, error instanceof Error ? error.message : String(error));
      }
      feed.noteQuery(query.id, person.user.id);
      return sendJson(res, 202, { queryId: query.id });
    }
    if (action === "/photo") {
      const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
      if (!/^image\/(jpeg|png|gif|webp)$/.test(type)) throw new HttpError(415, "send the image bytes with an image/* Content-Type");
      const data = await readBody(req, MAX_PHOTO_BYTES);
      if (data.byteLength === 0) throw new HttpError(400, "empty image");
      const caption = url.searchParams.get("caption")?.trim();
      const message = deps.api.sendUserMessage(person.user, {
        photo: { data, mime_type: type, file_name: `photo.${type.slice(6).replace("jpeg", "jpg")}` },
        ...(caption ? { caption: caption.slice(0, 1024) } : {}),
      });
      return sendJson(res, 202, { messageId: message.message_id });
    }
    throw new HttpError(404, "not found");
  }

  function chatState(person: DemoPerson) {
    const views = deps.api.messages(person.user.id).map(messageView);
    return {
      chatId: person.user.id,
      messages: views,
      replyKeyboard: currentReplyKeyboard(views),
      commands: commandMenu(person),
    };
  }

  /** The "/" menu Telegram would show: the chat's own list, else the one for the client's language, else the default. */
  function commandMenu(person: DemoPerson) {
    const chatScoped = deps.api.commands({ scope: { type: "chat", chat_id: person.user.id } });
    if (chatScoped.length) return chatScoped;
    const byLanguage = deps.api.commands({ languageCode: person.user.language_code });
    return byLanguage.length ? byLanguage : deps.api.commands();
  }

  function sendFile(res: ServerResponse, fileId: string): void {
    const stored = deps.api.file(fileId);
    if (!stored?.data) throw new HttpError(404, "no such file");
    const type = stored.mime_type ?? (stored.kind === "photo" ? "image/jpeg" : "application/octet-stream");
    const headers: Record<string, string | number> = {
      "content-type": type,
      "content-length": stored.data.byteLength,
      "cache-control": "private, max-age=3600",
      "x-content-type-options": "nosniff",
      // A document is downloaded, never shown inline: it could be HTML.
      "content-security-policy": "sandbox",
    };
    if (stored.kind !== "photo") headers["content-disposition"] = `attachment; filename="${(stored.file_name ?? "file").replace(/[^\w.-]/g, "_")}"`;
    res.writeHead(200, headers);
    res.end(Buffer.from(stored.data));
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      // The default port is taken (another sandbox, another program): any free port will do.
      if (error.code === "EADDRINUSE" && options.port !== 0) {
        log.warn({ port: options.port }, "sandbox: port in use, using a free one");
        server.once("error", reject);
        server.listen(0, options.host, () => resolve());
        return;
      }
      reject(error);
    };
    server.once("error", onError);
    server.listen(options.port, options.host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  port = address.port;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address === "0.0.0.0" ? "127.0.0.1" : address.address;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    feed,
    close: () => closeServer(server, feed),
  };
}

function closeServer(server: Server, feed: LiveFeed): Promise<void> {
  feed.close();
  return new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** On loopback, only our own name: a page on another site that rebinds its DNS name to 127.0.0.1 is refused. */
function checkHost(req: IncomingMessage, port: number, loopback: boolean): void {
  if (!loopback) return;
  const host = (req.headers.host ?? "").toLowerCase();
  const allowed = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  if (!allowed.includes(host)) throw new HttpError(403, "unexpected Host header");
}

/** A browser names the page that makes a request; a write from any other site is refused. */
function checkOrigin(req: IncomingMessage): void {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host ?? ""}`) throw new HttpError(403, "cross-origin request refused");
}

function pageLanguage(value: string | null): Language {
  return isLanguage(value) ? value : "hi";
}

function otherLanguage(lang: Language): Language {
  return LANGUAGES.find((l) => l !== lang) ?? lang;
}

function userContent(person: DemoPerson, body: Record<string, unknown>): UserContent {
  if (body.contact === true) {
    // A made-up Indian mobile number per person: the real one is never asked for in the sandbox.
    return { contact: { phone_number: `+9198${String(person.user.id).slice(-8)}`, first_name: person.user.first_name, user_id: person.user.id } };
  }
  if (body.location === true) return { location: DEMO_LOCATION };
  const text = body.text;
  if (typeof text !== "string" || text.trim() === "") throw new HttpError(400, "text is required");
  if (text.length > 4096) throw new HttpError(400, "text is longer than 4096 characters");
  return text;
}

async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > limit) throw new HttpError(413, "too large");
    chunks.push(chunk as Buffer);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** JSON bodies only: a form on another site cannot send application/json without the browser asking first. */
async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") throw new HttpError(415, "send JSON");
  const raw = Buffer.from(await readBody(req, MAX_JSON_BYTES)).toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new HttpError(400, "invalid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new HttpError(400, "expected a JSON object");
  return parsed as Record<string, unknown>;
}

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

function sendAsset(res: ServerResponse, asset: Asset): void {
  res.writeHead(200, {
    "content-type": asset.type,
    "content-length": asset.body.byteLength,
    "cache-control": "no-cache",
    ...SECURITY_HEADERS,
    // The page builds every message with DOM calls; this is a second line of defence if one ever slipped.
    "content-security-policy":
      "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; font-src 'self'; " +
      "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
  });
  res.end(asset.body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    ...SECURITY_HEADERS,
  });
  res.end(text);
}
