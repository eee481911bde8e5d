// Reactions to what the worker does, for code outside delivery (a sender's progress message, a notice to the
// appointer of someone who blocked the bot). Hooks run inside the worker: they must not sleep, and a hook that
// makes a Bot API call takes a rate-limiter permit for it (withPermit), like every call the worker makes.
import type { Api } from "grammy";
import type { Logger } from "../logger.js";
import type { Clock } from "./clock.js";
import type { DeliveryRecord } from "./records.js";

export interface DeliveryHookContext {
  api: Api;
  /**
   * Makes one extra Bot API call to `chatId` (e.g. editing a progress message) under a rate-limiter permit: waits
   * for the chat's and the overall budget, and counts the call in both, so that extra calls and the worker's own
   * sends together stay within Telegram's limits. It may wait (a window, or a 429's pause): start it from a hook
   * without awaiting it there, as bot/directiveProgress.ts does, so that the worker does not wait with it.
   */
  withPermit<T>(chatId: number, call: () => Promise<T>): Promise<T>;
  clock: Clock;
  logger: Logger;
}

/** Reactions to final outcomes. Hooks run after the outcome is stored; their errors are logged, never retried. */
export interface DeliveryHooks {
  /** Only messages of these purposes (default: all). */
  purposes?: readonly string[];
  onSent?(record: DeliveryRecord, ctx: DeliveryHookContext): void | Promise<void>;
  /** failed or blocked (record.reason says why: "blocked", "rejected", "gave_up", "interrupted", "unknown"). */
  onFinalFailure?(record: DeliveryRecord, ctx: DeliveryHookContext): void | Promise<void>;
  /** Called when the worker runs out of due work (e.g. to show a final state that throttling held back). */
  onIdle?(ctx: DeliveryHookContext): void | Promise<void>;
  /** Called by worker.stop(). */
  stop?(): void | Promise<void>;
}
