// The fetch behind every Bot API call made while handling an update (outer handlers and conversations alike: the
// conversations plugin builds its Api objects from the bot's client options, so a transformer on bot.api would
// miss its calls, while this fetch is shared). One transient failure must not end a person's conversation:
// - 429: wait out retry_after (up to a bound) and call again;
// - 5xx or no answer at all: call again, with backoff, a few times;
// - answerCallbackQuery refused because the query is too old or already answered (a tap delivered again after a
//   crash): treated as answered, since there is nothing left to answer.
// A call that still fails fails as before. The delivery worker does not use this: its sends are exactly-once and a
// send without an answer is never repeated (see delivery/).
//
// Retrying a message whose answer was lost can show the person a prompt twice; that is the price of never losing
// their place, and a prompt is harmless to repeat.
export type Fetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

export interface ResilienceOptions {
  /** Longest total wait for 429s on one call before giving up. */
  maxRateLimitWaitMs?: number;
  /** Further attempts after a 5xx or a network failure. */
  transientRetries?: number;
  /** First backoff after a transient failure; doubled each time. */
  backoffMs?: number;
  /** Injected so that tests never wait on the wall clock. */
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (info: { method: string; reason: string; waitMs: number }) => void;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const STALE_QUERY = /query is too old|query ID is invalid|QUERY_ID_INVALID/i;

interface ApiAnswer {
  ok: boolean;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number };
}

function methodOf(input: string | URL): string {
  const path = typeof input === "string" ? new URL(input, "http://x").pathname : input.pathname;
  return path.slice(path.lastIndexOf("/") + 1);
}

async function answerOf(response: Response): Promise<ApiAnswer | undefined> {
  try {
    return (await response.clone().json()) as ApiAnswer;
  } catch {
    return undefined;
  }
}

function okTrue(): Response {
  return new Response(JSON.stringify({ ok: true, result: true }), { status: 200, headers: { "content-type": "application/json" } });
}

export function resilientFetch(base: Fetch, options: ResilienceOptions = {}): Fetch {
  const maxRateLimitWaitMs = options.maxRateLimitWaitMs ?? 60_000;
  const transientRetries = options.transientRetries ?? 3;
  const backoffMs = options.backoffMs ?? 500;
  const sleep = options.sleep ?? realSleep;

  return async (input, init) => {
    const method = methodOf(input);
    // A streamed body (a file upload) cannot be sent twice.
    const repeatable = init?.body === undefined || init.body === null || typeof init.body === "string";
    let waitedForRateLimit = 0;
    let transientFailures = 0;
    for (;;) {
      let response: Response;
      try {
        response = await base(input, init);
      } catch (err) {
        if (init?.signal?.aborted || !repeatable || transientFailures >= transientRetries) throw err;
        const waitMs = backoffMs * 2 ** transientFailures++;
        options.onRetry?.({ method, reason: "network", waitMs });
        await sleep(waitMs);
        continue;
      }
      const answer = response.ok ? undefined : await answerOf(response);
      if (!answer || answer.ok) return response;
      const code = answer.error_code ?? response.status;
      if (code === 400 && method === "answerCallbackQuery" && STALE_QUERY.test(answer.description ?? "")) return okTrue();
      if (!repeatable) return response;
      if (code === 429) {
        const waitMs = Math.max(1, Number(answer.parameters?.retry_after ?? 1)) * 1000;
        if (waitedForRateLimit + waitMs > maxRateLimitWaitMs) return response;
        waitedForRateLimit += waitMs;
        options.onRetry?.({ method, reason: "429", waitMs });
        await sleep(waitMs);
        continue;
      }
      if (code >= 500 && transientFailures < transientRetries) {
        const waitMs = backoffMs * 2 ** transientFailures++;
        options.onRetry?.({ method, reason: String(code), waitMs });
        await sleep(waitMs);
        continue;
      }
      return response;
    }
  };
}
