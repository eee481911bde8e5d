// Virtual time for delivery tests: sleeps do not wait for real time. When something sleeps, the clock waits a
// couple of real milliseconds (so that database calls in flight can finish at the current virtual instant), then
// jumps to the earliest wake-up and fires it. Time never goes backwards. Share it with the LocalBotApi
// (`localApi({ now: clock.nowMs })`) so that call timestamps and the worker's rate limiter read the same clock.
// `track(connection)` makes it wait, too, while that connection has database commands in flight (open it with
// openMonitoredDatabase): the database's real latency then costs no virtual time, as if it were instant.
import type { Connection } from "mongoose";
import type { Clock } from "../../src/delivery/clock.js";

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

export class VirtualClock implements Clock {
  private t: number;
  private timers: Timer[] = [];
  private seq = 0;
  private scheduled = false;
  private inflight = 0;
  /** Real milliseconds to let other work settle before virtual time moves on. */
  settleMs: number;

  constructor(start: string | number = "2026-11-26T06:30:00Z", settleMs = 2) {
    this.t = typeof start === "number" ? start : Date.parse(start);
    this.settleMs = settleMs;
  }

  nowMs = (): number => this.t;
  /** For diagnosing a stuck test: commands in flight and sleepers waiting. */
  state(): { inflight: number; timers: number; t: number } {
    return { inflight: this.inflight, timers: this.timers.length, t: this.t };
  }
  now = (): Date => new Date(this.t);

  sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, resolve };
      this.timers.push(timer);
      signal?.addEventListener(
        "abort",
        () => {
          this.timers = this.timers.filter((x) => x !== timer);
          resolve();
        },
        { once: true },
      );
      this.schedule();
    });

  /** Holds virtual time still while `connection` (opened with monitorCommands) has commands in flight. */
  track(connection: Connection): void {
    const client = connection.getClient();
    client.on("commandStarted", () => {
      this.inflight++;
    });
    const done = () => {
      this.inflight = Math.max(0, this.inflight - 1);
      if (this.inflight === 0 && this.timers.length) this.schedule();
    };
    client.on("commandSucceeded", done);
    client.on("commandFailed", done);
  }

  /** Moves time forward by hand (fires every sleeper due by then). */
  advance(ms: number): void {
    this.t += ms;
    this.fireDue();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      if (this.timers.length === 0 || this.inflight > 0) return; // the last command to finish schedules again
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      this.t = Math.max(this.t, this.timers[0]!.at);
      this.fireDue();
      if (this.timers.length) this.schedule();
    }, this.settleMs);
  }

  private fireDue(): void {
    const due = this.timers.filter((x) => x.at <= this.t);
    this.timers = this.timers.filter((x) => x.at > this.t);
    for (const x of due) x.resolve();
  }
}
