// Fixed-window attempt limits, as pure maths: which window an instant falls in, when it ends, and the slot keys a
// window offers. A window is [index × windowMs, (index + 1) × windowMs) in epoch milliseconds, so every copy of the
// bot agrees on it without talking to the others. Fixed windows allow up to twice the limit across a boundary;
// that is accepted (the limit is there to make guessing hopeless, not to be exact to the second).

export interface WindowLimit {
  /** Distinguishes the limits in keys: "p" (per person), "g" (global). */
  scope: string;
  windowMs: number;
  /** Attempts allowed per window. */
  max: number;
}

export interface AttemptWindow {
  index: number;
  start: Date;
  end: Date;
}

export function windowOf(at: Date, windowMs: number): AttemptWindow {
  if (!Number.isInteger(windowMs) || windowMs <= 0) throw new RangeError(`bad window: ${windowMs}`);
  const index = Math.floor(at.getTime() / windowMs);
  return { index, start: new Date(index * windowMs), end: new Date((index + 1) * windowMs) };
}

/** The key prefix of one subject's window, e.g. "start:p:123456789:2949123". */
export function windowKey(action: string, limit: WindowLimit, subject: string | number | null, window: AttemptWindow): string {
  return [action, limit.scope, ...(subject === null ? [] : [String(subject)]), String(window.index)].join(":");
}

/** The slot keys of a window: "<prefix>:1" … "<prefix>:<max>". An attempt holds one slot; none free means limited. */
export function slotKeys(prefix: string, max: number): string[] {
  return Array.from({ length: max }, (_, i) => `${prefix}:${i + 1}`);
}

/** Free slots, lowest first, given the keys already taken. */
export function freeSlots(prefix: string, max: number, taken: ReadonlySet<string>): string[] {
  return slotKeys(prefix, max).filter((k) => !taken.has(k));
}

const MINUTE = 60_000;

/**
 * /start with a token: failed attempts allowed per person per 10 minutes, and across everyone per minute. A person
 * with a real link needs one attempt (a successful first redemption gives its slot back); a guesser gets five.
 */
export const START_LIMITS = {
  perPerson: { scope: "p", windowMs: 10 * MINUTE, max: 5 },
  global: { scope: "g", windowMs: MINUTE, max: 30 },
} as const satisfies Record<string, WindowLimit>;
