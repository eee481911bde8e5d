// A 429 on a call made while handling an update (ctx.reply, editMessageText, answerCallbackQuery, a conversation's
// prompt) is waited out by grammY's auto-retry plugin, not lost. The plugin is an API transformer, but it runs here
// at the level of the bot's fetch, for two reasons:
// - conversations build Api objects of their own from the bot's client options (a transformer on bot.api misses
//   their calls), while the fetch is shared;
// - a conversation logs each call's answer and replays it on every later step: a transformer outside that log would
//   see the logged 429 again at each replay and wait again. Retried inside the fetch, only the final answer is logged.
// Only 429s are retried here: 5xx and network failures are resilientFetch's (telegram/resilientFetch.ts, which the
// bot sets not to wait for 429s), so no failure is retried by both. The delivery worker does not use this either:
// its 429s pause its whole pipe (delivery/attempt.ts).
import { autoRetry } from "@grammyjs/auto-retry";
import type { Fetch } from "../telegram/resilientFetch.js";

export interface ReplyRetryOptions {
  /** A 429 asking for a longer wait than this fails at once (default 30 s): a handler must not hang for minutes. */
  maxDelaySeconds?: number;
  /** 429s waited out per call before it fails (default 3). */
  maxRetryAttempts?: number;
  /** Every 429 seen (metrics). */
  onRateLimited?: (info: { method: string; retryAfterSeconds: number }) => void;
}

export const REPLY_RETRY_DEFAULTS = { maxDelaySeconds: 30, maxRetryAttempts: 3 } as const;

type Transformer = ReturnType<typeof autoRetry>;
type Answer = { ok: boolean; error_code?: number; description?: string; parameters?: { retry_after?: number } };

function methodOf(input: string | URL): string {
  const path = typeof input === "string" ? new URL(input, "http://x").pathname : input.pathname;
  return path.slice(path.lastIndexOf("/") + 1);
}

export function autoRetryFetch(base: Fetch, options: ReplyRetryOptions = {}): Fetch {
  const transformer: Transformer = autoRetry({
    maxDelaySeconds: options.maxDelaySeconds ?? REPLY_RETRY_DEFAULTS.maxDelaySeconds,
    maxRetryAttempts: options.maxRetryAttempts ?? REPLY_RETRY_DEFAULTS.maxRetryAttempts,
    rethrowInternalServerErrors: true,
    rethrowHttpErrors: true,
  });
  return async (input, init) => {
    // A streamed body (a file upload) cannot be sent twice.
    if (!(init?.body === undefined || init.body === null || typeof init.body === "string")) return base(input, init);
    const method = methodOf(input);
    let last: Response | undefined;
    // The plugin's `prev`: one call through the fetch, answered as the parsed Bot API answer it decides on. A success
    // is not parsed here (grammY parses it once, from the Response returned below).
    const call = async (): Promise<Answer> => {
      last = await base(input, init);
      if (last.ok) return { ok: true };
      const answer = (await last
        .clone()
        .json()
        .catch(() => undefined)) as Answer | undefined;
      const retryAfter = answer?.parameters?.retry_after;
      if (answer?.error_code === 429 && typeof retryAfter === "number") options.onRateLimited?.({ method, retryAfterSeconds: retryAfter });
      return answer ?? { ok: false, error_code: last.status };
    };
    const signal = (init?.signal ?? undefined) as Parameters<Transformer>[3];
    await transformer(call as unknown as Parameters<Transformer>[0], method as never, {} as never, signal);
    return last!;
  };
}
