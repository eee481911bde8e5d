// Deleting the pending copies of messages that became final. The final record (outbox_done) is what counts, so a
// leftover pending copy is harmless: the worker skips the ones it knows, readers check outbox_done first, and an
// attempt claim on one collides with the earlier claim. Deletes are batched because on FerretDB every delete scans
// the whole collection (about a second at 5,000 documents on a busy machine) whatever the batch size.
import type { Logger } from "../logger.js";
import type { Clock } from "./clock.js";
import type { OutboxStore } from "./store.js";

/** Flush as soon as this many wait; otherwise every CLEANUP_INTERVAL_MS. */
export const CLEANUP_BATCH = 1000;
export const CLEANUP_INTERVAL_MS = 60_000;

export interface Cleanup {
  /** A final message whose pending copy (and its retry answers, if it had any) is to be deleted. */
  add(itemId: string, key: string, hadRetries: boolean): void;
  has(itemId: string): boolean;
  ids(): string[];
  readonly size: number;
  /** When the next flush is due, in epoch ms: Infinity when nothing waits or a flush is running. */
  dueAt(stopping: boolean): number;
  /** Starts a flush in the background when one is due; `onEnd` runs once it has finished (or failed). */
  flushIfDue(stopping: boolean, onEnd: () => void): void;
  /** At stop: waits for a running flush, then deletes the rest; what fails is left for the next worker's first poll. */
  drain(): Promise<void>;
}

export function createCleanup(deps: { store: OutboxStore; clock: Clock; log: Logger }): Cleanup {
  const { store, clock, log } = deps;
  const waiting = new Map<string, { key: string; hadRetries: boolean }>();
  let flushing: Promise<void> | null = null;
  let lastFlushAt = 0;

  async function flush(): Promise<void> {
    lastFlushAt = clock.now().getTime();
    const batch = [...waiting.entries()].slice(0, CLEANUP_BATCH * 2);
    if (batch.length === 0) return;
    await store.deleteItems(batch.map(([itemId]) => itemId));
    // Only messages that were retried have retry answers: the others cost no second delete.
    await store.deleteRetries(batch.filter(([, v]) => v.hadRetries).map(([, v]) => v.key));
    for (const [itemId] of batch) waiting.delete(itemId);
  }

  const cleanup: Cleanup = {
    add(itemId, key, hadRetries) {
      waiting.set(itemId, { key, hadRetries });
    },
    has: (itemId) => waiting.has(itemId),
    ids: () => [...waiting.keys()],
    get size() {
      return waiting.size;
    },
    dueAt(stopping) {
      if (flushing || waiting.size === 0) return Infinity; // a running flush calls onEnd when it ends
      return waiting.size >= CLEANUP_BATCH || stopping ? 0 : lastFlushAt + CLEANUP_INTERVAL_MS;
    },
    flushIfDue(stopping, onEnd) {
      if (clock.now().getTime() < cleanup.dueAt(stopping)) return;
      flushing = flush()
        .catch((err: unknown) => log.warn({ err }, "outbox clean-up failed; will try again"))
        .finally(() => {
          flushing = null;
          onEnd();
        });
    },
    async drain() {
      if (flushing) await flushing;
      while (waiting.size > 0) {
        try {
          await flush();
        } catch (err) {
          log.warn({ err }, "outbox clean-up at stop failed (the next worker finishes it)");
          break;
        }
      }
    },
  };
  return cleanup;
}
