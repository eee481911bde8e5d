// Helpers for delivery tests: measuring what reached the LocalBotApi (rates, copies per chat). Waiting is
// waitUntil's (test/helpers/waitUntil.ts).
import type { CallRecord, LocalBotApi } from "../../src/localBotApi/index.js";
import { connectDatabase, type Database } from "../../src/db/connection.js";

/** Another connection to the same test database that reports its commands (for VirtualClock.track). */
export async function openMonitoredDatabase(db: { uri: string; dbName: string }): Promise<Database> {
  const sep = db.uri.includes("?") ? "&" : "?";
  return connectDatabase({ uri: `${db.uri}${sep}monitorCommands=true`, dbName: db.dbName });
}

const SEND_METHODS = new Set(["sendmessage", "sendphoto", "senddocument"]);

export function sendCalls(api: LocalBotApi): CallRecord[] {
  return api.calls.filter((c) => SEND_METHODS.has(c.method.toLowerCase()));
}

/** The most calls that fell within any span of `windowMs` (half-open: [t, t + windowMs)). */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

export interface RateReport {
  calls: number;
  /** Most send calls in any 1 s span, overall. */
  maxPerSecond: number;
  /** Most send calls to one chat in any 1 s span. */
  maxPerChatPerSecond: number;
  firstAt: number;
  lastAt: number;
  /** Successful sends per second between the first and the last call. */
  meanRate: number;
}

export function measureRates(calls: readonly CallRecord[], windowMs = 1000): RateReport {
  const times = calls.map((c) => c.time);
  const byChat = new Map<string, number[]>();
  for (const c of calls) {
    const k = String(c.params.chat_id);
    byChat.set(k, [...(byChat.get(k) ?? []), c.time]);
  }
  let perChat = 0;
  for (const ts of byChat.values()) perChat = Math.max(perChat, maxInWindow(ts, windowMs));
  const firstAt = Math.min(...times);
  const lastAt = Math.max(...times);
  const ok = calls.filter((c) => c.ok).length;
  return {
    calls: calls.length,
    maxPerSecond: maxInWindow(times, windowMs),
    maxPerChatPerSecond: perChat,
    firstAt,
    lastAt,
    meanRate: lastAt > firstAt ? ok / ((lastAt - firstAt) / 1000) : ok,
  };
}
