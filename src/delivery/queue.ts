// The worker's view of the outbox: the due messages it holds in memory (the buffer) and when to read more.
// Reading is one indexed query per poll; between polls, messages queued in this process wake the worker at once
// (requestPoll), and a full buffer only looks for messages that would jump its queue (a reminder during a broadcast).
import type { OutboxItemDoc, OutboxRetryDoc } from "../db/models/outbox.js";
import type { Clock } from "./clock.js";
import { pendingState } from "./records.js";
import type { OutboxStore } from "./store.js";

/** A pending message in this worker's hands. */
export interface QueuedMessage {
  id: string;
  doc: OutboxItemDoc;
  /** Attempts already answered (the next is attempts + 1). */
  attempts: number;
  failures: number;
  /** Epoch ms: not to be attempted before. */
  dueAt: number;
  /** Arrival order, the last tie-breaker. */
  seq: number;
}

/** The message's state once attempt `n` has been answered with "try again at retryAt". */
export function answered(entry: QueuedMessage, n: number, failures: number, retryAt: number): void {
  entry.attempts = n;
  entry.failures = failures;
  entry.dueAt = Math.max(retryAt, 0);
}

/**
 * While plenty is due, look for other work this much less often. Messages queued in this process wake the worker
 * at once; this only bounds how long another process's (or a retry's) message can wait behind a long broadcast.
 */
const BUSY_POLL_FACTOR = 30;

export interface QueueOptions {
  batchSize: number;
  pollIntervalMs: number;
  maxInFlight: number;
}

export interface Queue {
  readonly size: number;
  has(id: string): boolean;
  put(entry: QueuedMessage): void;
  remove(id: string): void;
  values(): IterableIterator<QueuedMessage>;
  /** Due messages, most urgent first: priority, then due time, then arrival. */
  due(at: number): QueuedMessage[];
  dueCount(at: number): number;
  /**
   * Reads due messages not already in hand (`inHand`: in flight or waiting for clean-up). Messages found final
   * (only looked for at the first poll after start: a crash left them behind) go to `onFinal` instead.
   */
  poll(inHand: { has(id: string): boolean; ids(): string[] }, onFinal: (itemId: string, key: string) => void): Promise<void>;
  /** When the next poll is due (epoch ms): now when asked or running low, later while plenty is due. */
  pollDueAt(at: number): number;
  /** Poll at the next turn of the loop. */
  requestPoll(): void;
  readonly pollRequested: boolean;
  /** Whether the last poll found anything (a waiter for idleness waits until one finds nothing). */
  readonly lastPollFoundNew: boolean;
  /** After a failed turn of the loop: do not poll again before the interval. */
  postponePoll(): void;
  /** A (re)start: poll at once, and check for final records once. */
  reset(): void;
  clear(): void;
}

export function createQueue(deps: { store: OutboxStore; clock: Clock } & QueueOptions): Queue {
  const { store, clock, batchSize, pollIntervalMs, maxInFlight } = deps;
  const buffer = new Map<string, QueuedMessage>();
  const now = () => clock.now().getTime();
  let seq = 0;
  let pollRequested = true;
  let nextPollAt = 0;
  let lastPollFull = false;
  let lastPollFoundNew = true;
  /** The first poll after start also looks for messages a crash left final but not yet cleaned up. */
  let firstPoll = true;

  const queue: Queue = {
    get size() {
      return buffer.size;
    },
    has: (id) => buffer.has(id),
    put(entry) {
      buffer.set(entry.id, entry);
    },
    remove(id) {
      buffer.delete(id);
    },
    values: () => buffer.values(),

    due(at) {
      return [...buffer.values()]
        .filter((e) => e.dueAt <= at)
        .sort((a, b) => b.doc.priority - a.doc.priority || a.dueAt - b.dueAt || a.seq - b.seq);
    },

    dueCount(at) {
      let n = 0;
      for (const e of buffer.values()) if (e.dueAt <= at) n++;
      return n;
    },

    async poll(inHand, onFinal) {
      pollRequested = false;
      const t = now();
      nextPollAt = t + pollIntervalMs;
      // With plenty buffered, only look for messages that would jump the queue (a reminder during a broadcast).
      const lowest = buffer.size >= batchSize ? Math.min(...[...buffer.values()].map((e) => e.doc.priority)) : undefined;
      const docs = await store.findDue({
        at: new Date(t),
        exclude: [...buffer.keys(), ...inHand.ids()],
        abovePriority: lowest,
        limit: batchSize,
      });
      lastPollFull = lowest === undefined ? docs.length === batchSize : lastPollFull;
      lastPollFoundNew = docs.length > 0;
      if (docs.length === 0) return;
      // Later polls skip the final-record check: a message found final anyway is caught by its attempt claim
      // colliding with the earlier one (attempt.ts, resolveConflict).
      const checkFinal = firstPoll;
      firstPoll = false;
      const [retries, finalKeys] = await Promise.all([
        store.retriesOfItems(docs.map((d) => String(d._id))),
        checkFinal ? store.finalKeys(docs.map((d) => d.key)) : Promise.resolve(new Set<string>()),
      ]);
      const retriesOf = new Map<string, OutboxRetryDoc[]>();
      for (const r of retries) retriesOf.set(r.itemId, [...(retriesOf.get(r.itemId) ?? []), r]);
      for (const doc of docs) {
        const itemId = String(doc._id);
        if (buffer.has(itemId) || inHand.has(itemId)) continue;
        if (finalKeys.has(doc.key)) {
          // Sent (or failed) before a crash left its pending copy behind.
          onFinal(itemId, doc.key);
          continue;
        }
        const state = pendingState(doc, retriesOf.get(itemId) ?? []);
        buffer.set(itemId, {
          id: itemId,
          doc,
          attempts: state.attempts,
          failures: state.failures,
          dueAt: state.nextAttemptAt.getTime(),
          seq: seq++,
        });
      }
    },

    pollDueAt(at) {
      if (pollRequested) return at;
      const due = queue.dueCount(at);
      // A full batch means more is waiting: read on before the buffer runs dry.
      if (lastPollFull && due < maxInFlight * 2) return at;
      return due === 0 ? nextPollAt : nextPollAt + pollIntervalMs * (BUSY_POLL_FACTOR - 1);
    },

    requestPoll() {
      pollRequested = true;
    },
    get pollRequested() {
      return pollRequested;
    },
    get lastPollFoundNew() {
      return lastPollFoundNew;
    },
    postponePoll() {
      nextPollAt = now() + pollIntervalMs;
    },
    reset() {
      pollRequested = true;
      firstPoll = true;
    },
    clear() {
      buffer.clear();
    },
  };
  return queue;
}
