// Webhook intake: Telegram POSTs each update to WEBHOOK_URL. A request is answered only after the update is stored
// in the inbox (db/inbox.ts), and handled afterwards by the same dispatcher the poller uses (telegram/dispatcher.ts:
// chats at once, each chat in order), so the answer does not wait for the handling: Telegram gets its 200 in
// milliseconds and never retries an update for being slow. A request without the secret Telegram was given in
// setWebhook is refused (401) before anything is read or stored; the secret is compared in constant time.
// A second delivery of an update (Telegram retries when unsure; a proxy may send it to another replica) is stored
// once and handled once: the inbox says which updates are new. Any replica takes any request: a chat's updates are
// handled in order by whichever replica holds the chat's lease (telegram/dispatcher.ts).
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Api } from "grammy";
import type { Update } from "grammy/types";
import type { Inbox } from "../db/inbox.js";
import type { Logger } from "../logger.js";
import type { Dispatcher } from "./dispatcher.js";

export const SECRET_HEADER = "x-telegram-bot-api-secret-token";

export interface WebhookIntakeOptions {
  inbox: Inbox;
  dispatcher: Dispatcher;
  secret: string;
  logger: Logger;
  /** Largest body accepted (updates are a few kilobytes). */
  maxBodyBytes?: number;
  onReceived?: (update: Update, fresh: boolean) => void;
}

export interface WebhookIntake {
  /** Answers one POST to the webhook path. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Starts the dispatcher (its sweep finds what a crash left in the inbox); then tells Telegram where to send updates. */
  start(api: Api, settings: { url: string; allowedUpdates: readonly string[] }): Promise<void>;
  /** Stops accepting (503: Telegram retries, another replica or the next start takes it) and drains. */
  stop(drainMs: number): Promise<number>;
  running(): boolean;
}

const digest = (s: string): Buffer => createHash("sha256").update(s).digest();

/** Whether the header carries the secret, compared in constant time (hashes have equal length whatever is sent). */
export function hasSecret(header: string | string[] | undefined, secretDigest: Buffer): boolean {
  if (typeof header !== "string") return false;
  return timingSafeEqual(digest(header), secretDigest);
}

class TooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new TooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseUpdate(body: string): Update | undefined {
  try {
    const value = JSON.parse(body) as unknown;
    if (typeof value !== "object" || value === null) return undefined;
    const id = (value as { update_id?: unknown }).update_id;
    return Number.isSafeInteger(id) && (id as number) >= 0 ? (value as Update) : undefined;
  } catch {
    return undefined;
  }
}

function answer(res: ServerResponse, status: number, text = ""): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export function createWebhookIntake(options: WebhookIntakeOptions): WebhookIntake {
  const { inbox, dispatcher, logger } = options;
  const secretDigest = digest(options.secret);
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  let accepting = false;

  return {
    async handle(req, res) {
      if (req.method !== "POST") return answer(res, 405, "POST only");
      if (!hasSecret(req.headers[SECRET_HEADER], secretDigest)) {
        // Not Telegram (or not our webhook): nothing is read or stored.
        logger.warn({ remote: req.socket.remoteAddress }, "webhook request without the right secret token refused");
        req.resume();
        return answer(res, 401, "unauthorized");
      }
      if (!accepting) {
        req.resume();
        return answer(res, 503, "not accepting updates");
      }
      let body: string;
      try {
        body = await readBody(req, maxBodyBytes);
      } catch (err) {
        return answer(res, err instanceof TooLarge ? 413 : 400, "unreadable body");
      }
      const update = parseUpdate(body);
      if (!update) return answer(res, 400, "not an update");
      let fresh: boolean;
      try {
        fresh = (await inbox.save([update])).length > 0;
      } catch (err) {
        // Not stored: a non-2xx answer makes Telegram deliver it again.
        logger.error({ err, updateId: update.update_id }, "could not store a webhook update; Telegram will retry");
        return answer(res, 500, "not stored");
      }
      answer(res, 200);
      options.onReceived?.(update, fresh);
      if (fresh) dispatcher.accept(update);
    },
    async start(api, settings) {
      dispatcher.start();
      accepting = true;
      // Every replica sets the same webhook: harmless, and whichever starts last leaves it right.
      await api.setWebhook(settings.url, {
        secret_token: options.secret,
        allowed_updates: settings.allowedUpdates as never,
      });
    },
    async stop(drainMs) {
      accepting = false;
      return dispatcher.drain(drainMs);
    },
    running: () => accepting,
  };
}
