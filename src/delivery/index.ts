// The shared delivery layer: a durable outbox (enqueue once per idempotency key), Telegram's rate limits, and a
// worker that sends exactly once per message as far as Telegram allows. See worker.ts for the guarantees.
export { createOutboxService, type OutboxService, type OutboxMessage, type EnqueueResult, type DeliveryRecord } from "./outbox.js";
export {
  createDeliveryWorker,
  type DeliveryWorker,
  type DeliveryWorkerDeps,
  type DeliveryWorkerOptions,
  type DeliveryHooks,
  type DeliveryHookContext,
  type WorkerStats,
} from "./worker.js";
export { createRateLimiter, TELEGRAM_LIMITS, type RateLimiter, type RateLimits, type RateLimit, type Permit } from "./rateLimiter.js";
export { realClock, clockOf, sleepReal, type Clock } from "./clock.js";
export { classifySendError, backoffMs, type SendFailure } from "./errors.js";
