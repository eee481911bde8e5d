// The shared delivery layer: a durable outbox (enqueue once per idempotency key), Telegram's rate limits, and a
// worker that sends exactly once per message as far as Telegram allows. worker.ts says which module does what.
// This is the public interface: code outside src/delivery imports from here.
export { createOutboxService, type OutboxService, type OutboxMessage, type EnqueueResult } from "./outbox.js";
export type { DeliveryRecord } from "./records.js";
export {
  createDeliveryWorker,
  type DeliveryWorker,
  type DeliveryWorkerDeps,
  type DeliveryWorkerOptions,
  type WorkerStats,
} from "./worker.js";
export type { DeliveryHooks, DeliveryHookContext } from "./hooks.js";
export type { BlockedPeople, EnqueueSignal } from "./ports.js";
export { createRateLimiter, TELEGRAM_LIMITS, type RateLimiter, type RateLimits, type RateLimit, type Permit } from "./rateLimiter.js";
export type { SenderLeaseOptions } from "./senderLease.js";
export { realClock, clockOf, sleepReal, type Clock } from "./clock.js";
export { classifySendError, backoffMs, type SendFailure } from "./errors.js";
