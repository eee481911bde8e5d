// Telegram's error answers, as values the method implementations can throw. `handle` turns them into the
// `{ ok: false, error_code, description, parameters? }` body Telegram sends (with the same HTTP status).
import type { ApiError, ResponseParameters } from "grammy/types";

export class BotApiError extends Error {
  constructor(
    readonly errorCode: number,
    readonly description: string,
    readonly parameters?: ResponseParameters,
  ) {
    super(description);
    this.name = "BotApiError";
  }

  toResponse(): ApiError {
    return {
      ok: false,
      error_code: this.errorCode,
      description: this.description,
      ...(this.parameters ? { parameters: this.parameters } : {}),
    };
  }
}

/**
 * How an injected failure without an answer looks to the caller: "refused" (the connection was refused: the request
 * never reached the server), "reset" (the connection dropped after the request was sent) or "timeout" (the caller's
 * timeout fired while waiting for the answer).
 */
export type NetworkFaultKind = "refused" | "reset" | "timeout";

/** Thrown by `handle` for an injected network failure: there is no HTTP answer at all, so callers must drop the request. */
export class NetworkFault extends Error {
  /** The errno a real socket error would carry (undici puts it on the `cause` of its "fetch failed"). */
  readonly code: string;

  constructor(readonly kind: NetworkFaultKind = "refused") {
    super(`Simulated network failure (${kind}, LocalBotApi fault injection)`);
    this.name = "NetworkFault";
    this.code = kind === "refused" ? "ECONNREFUSED" : kind === "reset" ? "ECONNRESET" : "ETIMEDOUT";
  }
}

export const badRequest = (reason: string): BotApiError => new BotApiError(400, `Bad Request: ${reason}`);
export const unauthorized = (): BotApiError => new BotApiError(401, "Unauthorized");
export const forbidden = (reason: string): BotApiError => new BotApiError(403, `Forbidden: ${reason}`);
export const notFound = (): BotApiError => new BotApiError(404, "Not Found");
export const conflict = (reason: string): BotApiError => new BotApiError(409, `Conflict: ${reason}`);
export const tooManyRequestsError = (retryAfter: number): BotApiError =>
  new BotApiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });

/** "can't parse entities" is what Telegram answers for every formatting mistake; `detail` is the part after it. */
export const cantParseEntities = (detail: string): BotApiError => badRequest(`can't parse entities: ${detail}`);
