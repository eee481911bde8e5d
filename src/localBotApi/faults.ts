// Making calls fail on purpose: one-off injected faults (failNext) and a flood-control simulator (setRateLimit),
// so tests can prove the bot waits on 429, survives network errors and never sends twice.
import type { ResponseParameters } from "grammy/types";
import { BotApiError, NetworkFault } from "./errors.js";
import type { Params } from "./params.js";

/**
 * A Telegram error answer, or no answer at all: "network" (before the call: the connection is refused; with
 * afterEffect: it drops after the request arrived) or "timeout" (the caller's timeout fires while it waits for the
 * answer; fetch rejects with a TimeoutError, as with AbortSignal.timeout).
 */
export type FaultResponse = { error_code: number; description: string; parameters?: ResponseParameters } | "network" | "timeout";

/**
 * Which calls fail: a number N means the next N calls of any method except getUpdates (polling would use them
 * up); a string means calls of that method; a function decides per call.
 */
export type FaultMatcher = number | string | ((call: { method: string; params: Params }) => boolean);

export interface FaultOptions {
  /** How many matching calls fail (default 1; for a numeric matcher, that number). */
  times?: number;
  /**
   * Perform the call, then fail anyway: the message was sent but the bot cannot know, as when a response is
   * lost on the way back. This is how a test can tell at-least-once from exactly-once. With "timeout": the
   * message was sent and the answer came too late (a send timeout after the fact).
   */
  afterEffect?: boolean;
}

export const tooManyRequests = (retryAfter = 1): FaultResponse => ({
  error_code: 429,
  description: `Too Many Requests: retry after ${retryAfter}`,
  parameters: { retry_after: retryAfter },
});
export const internalServerError = (): FaultResponse => ({ error_code: 500, description: "Internal Server Error" });
export const networkFailure = (): FaultResponse => "network";
/** The call times out: with { afterEffect: true } Telegram sent the message but the answer was lost. */
export const sendTimeout = (): FaultResponse => "timeout";

export function faultError(response: FaultResponse, afterEffect = false): Error {
  if (response === "timeout") return new NetworkFault("timeout");
  if (response === "network") return new NetworkFault(afterEffect ? "reset" : "refused");
  return new BotApiError(response.error_code, response.description, response.parameters);
}

interface Rule {
  matches: (method: string, params: Params) => boolean;
  remaining: number;
  response: FaultResponse;
  afterEffect: boolean;
}

export class FaultInjector {
  private rules: Rule[] = [];

  add(when: FaultMatcher, response: FaultResponse, options: FaultOptions = {}): void {
    const matches =
      typeof when === "number"
        ? (method: string) => method.toLowerCase() !== "getupdates"
        : typeof when === "string"
          ? (method: string) => method.toLowerCase() === when.toLowerCase()
          : (method: string, params: Params) => when({ method, params });
    const times = options.times ?? (typeof when === "number" ? when : 1);
    if (times > 0) this.rules.push({ matches, remaining: times, response, afterEffect: options.afterEffect ?? false });
  }

  /** The fault this call meets, if any, counting it as used. */
  take(method: string, params: Params): { response: FaultResponse; afterEffect: boolean } | undefined {
    const rule = this.rules.find((r) => r.matches(method, params));
    if (!rule) return undefined;
    if (--rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    return { response: rule.response, afterEffect: rule.afterEffect };
  }

  clear(): void {
    this.rules = [];
  }
}

export interface RateLimit {
  /** Calls allowed within windowMs. */
  limit: number;
  windowMs: number;
}

/** Telegram's guidance is about 1 message a second per chat and 30 a second overall. */
export interface RateLimits {
  perChat?: RateLimit;
  global?: RateLimit;
}

/** Sliding-window flood control over the methods that send messages; answers 429 with retry_after. */
export class RateLimiter {
  private readonly perChat = new Map<string, number[]>();
  private readonly global: number[] = [];

  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => number,
  ) {}

  static appliesTo(method: string): boolean {
    const m = method.toLowerCase();
    return (m.startsWith("send") && m !== "sendchataction") || m === "copymessage" || m === "forwardmessage";
  }

  /** Records the call and returns undefined, or returns the seconds to wait if it is over a limit. */
  check(chatKey: string): number | undefined {
    const now = this.now();
    const chatTimes = this.perChat.get(chatKey) ?? [];
    const waitChat = this.limits.perChat && waitFor(chatTimes, this.limits.perChat, now);
    const waitGlobal = this.limits.global && waitFor(this.global, this.limits.global, now);
    const wait = Math.max(waitChat ?? 0, waitGlobal ?? 0);
    if (wait > 0) return wait;
    chatTimes.push(now);
    this.perChat.set(chatKey, chatTimes);
    this.global.push(now);
    return undefined;
  }
}

/** Prunes `times` to the window and returns whole seconds until a slot frees (0 if one is free now). */
function waitFor(times: number[], limit: RateLimit, now: number): number {
  while (times.length > 0 && (times[0] as number) <= now - limit.windowMs) times.shift();
  if (times.length < limit.limit) return 0;
  const frees = (times[times.length - limit.limit] as number) + limit.windowMs;
  return Math.max(1, Math.ceil((frees - now) / 1000));
}
