// Time for the delivery layer: "now" and "sleep", injected so that tests can run a 5,000-message broadcast in
// virtual time (test/helpers/virtualClock.ts) while production uses the wall clock.

export interface Clock {
  now(): Date;
  /** Resolves after `ms`, or as soon as `signal` aborts (it never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export function sleepReal(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export const realClock: Clock = { now: () => new Date(), sleep: sleepReal };

/** A clock reading `now` (the app's injected clock) and sleeping in real time. */
export function clockOf(now: () => Date): Clock {
  return { now, sleep: sleepReal };
}
