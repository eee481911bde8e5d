// The queue of updates the bot has not confirmed yet, with getUpdates' long-polling and offset rules:
// calling with offset N confirms (forgets) every update below N; a negative offset keeps only the last -N.
import type { Update } from "grammy/types";

export type NewUpdate = Omit<Update, "update_id">;

/** The minimum of an AbortSignal that we rely on: grammY passes a polyfilled one, not the platform's. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: "abort", listener: () => void): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

export type WaitOutcome = "update" | "timeout" | "aborted" | "superseded";

/** Update types Telegram leaves out unless allowed_updates names them. */
const OPT_IN_TYPES = new Set(["chat_member", "message_reaction", "message_reaction_count"]);

export class UpdateQueue {
  private pending: Update[] = [];
  private nextId = 1;
  private waiter: ((outcome: WaitOutcome) => void) | undefined;
  private allowed: Set<string> | undefined;

  enqueue(update: NewUpdate): Update {
    const full = { update_id: this.nextId++, ...update } as Update;
    this.pending.push(full);
    this.wake("update");
    return full;
  }

  get size(): number {
    return this.pending.length;
  }

  /** Forgets updates below `offset`; a negative offset forgets all but the last -offset. */
  confirm(offset: number | undefined): void {
    if (offset === undefined || offset === 0) return;
    if (offset < 0) this.pending = this.pending.slice(offset);
    else this.pending = this.pending.filter((u) => u.update_id >= offset);
  }

  /** Remembers allowed_updates for later calls, as Telegram does; an empty list means the default set. */
  setAllowed(types: string[] | undefined): void {
    if (types === undefined) return;
    this.allowed = types.length === 0 ? undefined : new Set(types);
  }

  /** Up to `limit` unconfirmed updates. Updates of types not allowed are dropped rather than delivered. */
  peek(limit: number): Update[] {
    this.pending = this.pending.filter((u) => this.isAllowed(u));
    return this.pending.slice(0, limit);
  }

  shift(): Update | undefined {
    return this.pending.shift();
  }

  takeAll(): Update[] {
    const all = this.pending;
    this.pending = [];
    return all;
  }

  clear(): void {
    this.pending = [];
  }

  /**
   * Resolves when an update is queued, the timeout passes, the signal aborts, or another getUpdates call takes
   * over (Telegram answers the older one with 409 Conflict).
   */
  wait(timeoutMs: number, signal?: AbortSignalLike): Promise<WaitOutcome> {
    this.wake("superseded");
    return new Promise((resolve) => {
      const finish = (outcome: WaitOutcome): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (this.waiter === finish) this.waiter = undefined;
        resolve(outcome);
      };
      const onAbort = (): void => finish("aborted");
      const timer = setTimeout(() => finish("timeout"), timeoutMs);
      this.waiter = finish;
      if (signal?.aborted) finish("aborted");
      else signal?.addEventListener("abort", onAbort);
    });
  }

  /** Ends a getUpdates call that is still waiting, as a newer call does on Telegram. */
  interruptWaiting(): void {
    this.wake("superseded");
  }

  private wake(outcome: WaitOutcome): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.(outcome);
  }

  private isAllowed(update: Update): boolean {
    const type = Object.keys(update).find((key) => key !== "update_id") ?? "";
    return this.allowed ? this.allowed.has(type) : !OPT_IN_TYPES.has(type);
  }
}
