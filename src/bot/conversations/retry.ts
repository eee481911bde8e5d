// Database calls made for a conversation (its lookups and saves, and the reads and writes of its stored state) are
// tried again, with backoff, when the database failed for a passing reason: a lost connection, a timeout, a primary
// stepping down. A refusal (a validation error, a duplicate key, a bad id) is not passing and is never repeated.
// Errors are recognised by the names, codes and labels the MongoDB driver and mongoose give them, without importing
// either here: the bot layer does not depend on the database driver.

export interface DbRetryOptions {
  /** Attempts in all, the first included (default 3). */
  attempts?: number;
  /** Wait before the second attempt; doubled before each further one (default 200 ms). */
  backoffMs?: number;
  /** Injected so that tests never wait on the wall clock. */
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Driver errors that mean "the server could not be reached or did not answer in time". */
const TRANSIENT_NAMES = new Set([
  "MongoNetworkError",
  "MongoNetworkTimeoutError",
  "MongoServerSelectionError",
  "MongooseServerSelectionError",
  "MongoPoolClearedError",
  "MongoWaitQueueTimeoutError",
  "MongoOperationTimeoutError",
]);

/**
 * Server error codes the driver itself treats as retryable: HostUnreachable, HostNotFound, MaxTimeMSExpired,
 * NetworkTimeout, ShutdownInProgress, PrimarySteppedDown, ExceededTimeLimit, SocketException, NotWritablePrimary,
 * InterruptedAtShutdown, InterruptedDueToReplStateChange, NotPrimaryNoSecondaryOk, NotPrimaryOrSecondary.
 */
const TRANSIENT_CODES = new Set([6, 7, 50, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);
const TRANSIENT_LABELS = ["RetryableWriteError", "TransientTransactionError", "ResetPool"];
/** Node's socket errors, as found on an error or its cause. */
const TRANSIENT_ERRNOS = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);
const TRANSIENT_MESSAGES = /not primary|not master|buffering timed out|connection .* closed|timed out/i;

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  errorLabels?: unknown;
  cause?: unknown;
}

/** True when `err` (or an error it wraps) is a database failure worth trying again. */
export function isTransientDbError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === "object" && depth < 5; e = (e as ErrorLike).cause, depth++) {
    const { name, code, message, errorLabels } = e as ErrorLike;
    if (typeof name === "string" && TRANSIENT_NAMES.has(name)) return true;
    if (typeof code === "string" && TRANSIENT_ERRNOS.has(code)) return true;
    const fromMongo = typeof name === "string" && name.startsWith("Mongo");
    if (!fromMongo) continue;
    if (typeof code === "number" && TRANSIENT_CODES.has(code)) return true;
    if (Array.isArray(errorLabels) && errorLabels.some((l) => TRANSIENT_LABELS.includes(String(l)))) return true;
    if (typeof message === "string" && TRANSIENT_MESSAGES.test(message)) return true;
  }
  return false;
}

/**
 * Runs `task`, trying it again after a transient database failure (see isTransientDbError) up to `attempts` times in
 * all; anything else, and the last failure, is thrown. `onRetry` hears of each failure that is tried again.
 */
export async function retryTransient<R>(
  task: () => Promise<R>,
  options: DbRetryOptions = {},
  onRetry?: (err: unknown, attempt: number, waitMs: number) => void,
): Promise<R> {
  const attempts = Math.max(1, options.attempts ?? 3);
  const backoffMs = options.backoffMs ?? 200;
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (err) {
      if (attempt >= attempts || !isTransientDbError(err)) throw err;
      const waitMs = backoffMs * 2 ** (attempt - 1);
      onRetry?.(err, attempt, waitMs);
      await sleep(waitMs);
    }
  }
}
