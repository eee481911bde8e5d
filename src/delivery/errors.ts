// What a failed Bot API call means for a message: wait and try again (429), the person blocked the bot (403),
// a permanent refusal (other 4xx: the message can never be sent as it is), or a transient failure (5xx, no
// answer at all) worth retrying with backoff.
import { GrammyError } from "grammy";

export type SendFailure =
  | { kind: "rate_limited"; code: 429; retryAfterMs: number; description: string }
  | { kind: "blocked"; code: 403; description: string }
  | { kind: "permanent"; code: number; description: string }
  | { kind: "transient"; code: number | null; description: string };

interface ApiErrorLike {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number };
}

function apiErrorOf(err: unknown): ApiErrorLike | undefined {
  if (err instanceof GrammyError) return err;
  if (typeof err === "object" && err !== null && typeof (err as ApiErrorLike).error_code === "number") {
    return err as ApiErrorLike;
  }
  return undefined;
}

/** 429 without retry_after: wait this long. */
const DEFAULT_RETRY_AFTER_S = 5;

export function classifySendError(err: unknown): SendFailure {
  const api = apiErrorOf(err);
  if (!api) {
    // No Telegram answer: a network error, a timeout or an abort. Telegram may or may not have got the request.
    const description = err instanceof Error ? err.message : String(err);
    return { kind: "transient", code: null, description: description.slice(0, 300) };
  }
  const description = String(api.description ?? "").slice(0, 300);
  const code = api.error_code;
  if (code === 429) {
    const seconds = Number(api.parameters?.retry_after ?? DEFAULT_RETRY_AFTER_S);
    return { kind: "rate_limited", code: 429, retryAfterMs: Math.max(1, seconds) * 1000, description };
  }
  // 403: blocked by the user, user deactivated, bot kicked, or the bot may not start the chat. None of these heal
  // by retrying; the person has to write to the bot again.
  if (code === 403) return { kind: "blocked", code: 403, description };
  // 401/404 mean our token or method is wrong and 409 a webhook conflict: configuration, not this message.
  // Retrying with backoff leaves the message deliverable once an operator fixes it.
  if (code >= 400 && code < 500 && code !== 401 && code !== 404 && code !== 409) {
    return { kind: "permanent", code, description };
  }
  return { kind: "transient", code, description };
}

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/** Exponential backoff with ±20 % jitter: failures 1, 2, 3 … → base, 2×base, 4×base … capped at maxMs. */
export function backoffMs(failures: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const exp = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, failures - 1));
  const jitter = 0.8 + 0.4 * random();
  return Math.round(Math.min(opts.maxMs, exp * jitter));
}
