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

/** Thrown by `handle` for an injected network failure: there is no HTTP answer at all, so callers must drop the request. */
export class NetworkFault extends Error {
  constructor() {
    super("Simulated network failure (LocalBotApi fault injection)");
    this.name = "NetworkFault";
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
