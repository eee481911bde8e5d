// What a failed Bot API call means for a message: wait and try again (429), the person blocked the bot (403),
// a permanent refusal (other 4xx: the message can never be sent as it is), a transient failure (5xx, or a
// connection that was never made) worth retrying with backoff, or an ambiguous one: no answer after the request
// may have reached Telegram (a timeout, a dropped connection, an abort), when nobody can know if it was sent.
import { GrammyError } from "grammy";

export type SendFailure =
  | { kind: "rate_limited"; code: 429; retryAfterMs: number; description: string }
  | { kind: "blocked"; code: 403; description: string }
  | { kind: "permanent"; code: number; description: string }
  | { kind: "transient"; code: number | null; description: string }
  /** No HTTP answer, and the request may have reached Telegram: retrying risks a second copy. */
  | { kind: "ambiguous"; code: null; description: string };

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

/**
 * Socket errors that happen before a request is written: the connection was never made, so Telegram cannot
 * have got the request and sending again is safe. Anything else without an answer (ECONNRESET, EPIPE, a timeout,
 * an abort, "other side closed") may come after the request went out.
 */
const NEVER_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/**
 * An error and the errors it wraps, outermost first (grammY's HttpError keeps fetch's error in `.error`, undici
 * uses `.cause`), at most `depth` deep.
 */
function errorChain(err: unknown, depth: number): unknown[] {
  const chain: unknown[] = [];
  for (let current = err; chain.length < depth && current !== undefined && current !== null; ) {
    chain.push(current);
    if (typeof current !== "object") break;
    const e = current as { error?: unknown; cause?: unknown };
    current = e.error ?? e.cause;
  }
  return chain;
}

/** The errno codes along an error's chain. */
function errorCodes(err: unknown): string[] {
  return errorChain(err, 6)
    .map((e) => (typeof e === "object" && e !== null ? (e as { code?: unknown }).code : undefined))
    .filter((code): code is string => typeof code === "string");
}

/** An HTTP answer that was not Telegram's JSON (e.g. a proxy's 502 page): grammY keeps the Response-like object. */
function httpStatusOf(err: unknown): number | undefined {
  const inner = typeof err === "object" && err !== null ? (err as { error?: unknown }).error : undefined;
  if (typeof inner === "object" && inner !== null && typeof (inner as { status?: unknown }).status === "number") {
    return (inner as { status: number }).status;
  }
  return undefined;
}

/** 429 without retry_after: wait this long. */
const DEFAULT_RETRY_AFTER_S = 5;

export function classifySendError(err: unknown): SendFailure {
  const api = apiErrorOf(err);
  if (!api) {
    const description = describe(err);
    const status = httpStatusOf(err);
    if (status !== undefined && status >= 500) return { kind: "transient", code: status, description };
    // No Telegram answer. A connection never made is safe to retry; otherwise (a timeout, a dropped connection,
    // an abort) Telegram may or may not have got the request.
    if (errorCodes(err).some((c) => NEVER_SENT_CODES.has(c))) return { kind: "transient", code: null, description };
    return { kind: "ambiguous", code: null, description };
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

function describe(err: unknown): string {
  const parts: string[] = [];
  for (const e of errorChain(err, 4)) {
    if (typeof e !== "object" || e === null || !("message" in e)) {
      parts.push(String(e));
      break;
    }
    const { name, message } = e as { name?: string; message?: string };
    const text = name && name !== "Error" ? `${name}: ${message ?? ""}` : String(message ?? "");
    if (text) parts.push(text);
  }
  return parts.join(" ← ").slice(0, 300);
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
