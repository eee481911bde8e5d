// The one way tests wait for something that happens on its own (a worker finishing, a process printing a line, a
// page showing a message): check a condition until it holds. Never a fixed sleep: a test waits exactly as long as
// the thing takes, and a timeout only turns a hang into a failure that names what never happened.
// It waits on node:timers/promises and performance.now(), which vitest's fake timers leave alone, so it also works
// in a test that fakes setTimeout and Date.
import { performance } from "node:perf_hooks";
import { setTimeout as pause } from "node:timers/promises";

export interface WaitOptions {
  /** Give up after this many real milliseconds (default 60 s: well inside the slowest scenario's own timeout). */
  timeoutMs?: number;
  /** Check again after this many real milliseconds (default 10). */
  everyMs?: number;
}

/**
 * Resolves with the probe's first value that is not undefined, null or false (a `true` for a plain condition);
 * throws "timed out waiting for <what>" if none comes in time.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: WaitOptions = {},
): Promise<T> {
  const deadline = performance.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(options.everyMs ?? 10);
  }
}
