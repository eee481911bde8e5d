// Runs a job for a period at most once across every running copy of the bot, with a lease a crashed owner loses.
// See db/models/jobRun.ts for the documents. The steps, each safe under concurrency:
//   1. "<job>:<period>:done" exists            → nothing to do (remembered once seen: a done run stays done).
//   2. insert "<job>:<period>:attempt-1"       → the usual case, a period nobody tried: the insert owns the run.
//   3. taken: read the attempts; the newest one's lease has not passed → someone is running it: leave it;
//      else insert "<job>:<period>:attempt-<n+1>" → the one insert that succeeds owns the run (duplicate key: lost).
//   4. run; on success insert the done marker; on failure end the lease at once so a later trigger may retry.
// A run whose owner dies mid-way is taken over after its lease: the job itself must therefore be safe to run again
// (ours are: every message they send carries an idempotency key in the outbox).
import type { Models } from "../db/models/index.js";
import type { JobRunDoc } from "../db/models/jobRun.js";
import { trusted } from "mongoose";
import { insertedNew } from "../db/duplicateKey.js";

/** A run is tried at most this many times (failures and take-overs together), then left for a person to look at. */
export const MAX_ATTEMPTS = 5;

export type RunOutcome =
  | { status: "ran"; attempt: number; summary: Record<string, unknown> }
  | { status: "done" }
  | { status: "busy"; owner: string; attempt: number }
  | { status: "failed"; attempt: number; error: unknown }
  | { status: "gave_up"; attempts: number };

export interface JobRuns {
  runOnce(
    job: string,
    period: string,
    fn: () => Promise<Record<string, unknown> | void>,
    options: { leaseMs: number },
  ): Promise<RunOutcome>;
  isDone(job: string, period: string): Promise<boolean>;
  /** When a scheduler first ran on this database (recorded by the first caller; the same for every instance). */
  installedAt(): Promise<Date>;
  /** Deletes runs recorded before `before` (they only serve as a log once past every catch-up window). */
  pruneBefore(before: Date): Promise<number>;
}

const INSTALLED_ID = "scheduler:installed";

export function createJobRuns(models: Models, now: () => Date, owner: string): JobRuns {
  const { JobRun } = models;
  const base = (job: string, period: string) => `${job}:${period}`;
  const doneId = (job: string, period: string) => `${base(job, period)}:done`;
  const attemptId = (job: string, period: string, n: number) => `${base(job, period)}:attempt-${n}`;

  // Done markers seen by this copy. A done run stays done (markers go only when pruned, long after every catch-up
  // window), so a tick asks the database only about periods it has not yet seen done: without this, every tick
  // read one marker per job and period in its window, over and over. Bounded: cleared when it grows past a size no
  // set of windows reaches, at the cost of one read per period again.
  const knownDone = new Set<string>();
  const KNOWN_DONE_MAX = 50_000;
  const remember = (id: string) => {
    if (knownDone.size >= KNOWN_DONE_MAX) knownDone.clear();
    knownDone.add(id);
  };

  async function isDone(job: string, period: string): Promise<boolean> {
    const id = doneId(job, period);
    if (knownDone.has(id)) return true;
    const done = (await JobRun.exists({ _id: id })) !== null;
    if (done) remember(id);
    return done;
  }

  async function latestAttempt(job: string, period: string): Promise<JobRunDoc | undefined> {
    const ids = Array.from({ length: MAX_ATTEMPTS }, (_, i) => attemptId(job, period, i + 1));
    // _id lookups only (fast on FerretDB, which scans for most other filters).
    const found = await Promise.all(ids.map((id) => JobRun.findById(id).lean<JobRunDoc>()));
    return found.filter((d): d is JobRunDoc => d !== null).sort((a, b) => b.attempt - a.attempt)[0];
  }

  const insert = (doc: JobRunDoc) => insertedNew(() => JobRun.create(doc));

  return {
    isDone,
    async pruneBefore(before) {
      // The installed marker is kept: it dates the scheduler's first run, which bounds every catch-up.
      const res = await JobRun.deleteMany({ at: trusted({ $lt: before }), _id: trusted({ $ne: INSTALLED_ID }) });
      return res.deletedCount;
    },
    async installedAt() {
      await insert({ _id: INSTALLED_ID, job: "scheduler", period: "installed", kind: "done", attempt: 0, owner, at: now(), leaseUntil: null });
      const doc = await JobRun.findById(INSTALLED_ID).lean<JobRunDoc>();
      if (!doc) throw new Error("scheduler:installed could not be read back");
      return doc.at;
    },
    async runOnce(job, period, fn, { leaseMs }) {
      if (await isDone(job, period)) return { status: "done" };
      const claim = (attempt: number, at: Date) =>
        insert({ _id: attemptId(job, period, attempt), job, period, kind: "attempt", attempt, owner, at, leaseUntil: new Date(at.getTime() + leaseMs) });
      // The usual case is a period nobody has tried yet: claim attempt 1 at once (the same insert step 3 makes when
      // step 2 finds no attempt, without reading five attempt ids first). Only when it is taken are they read.
      let attempt = 1;
      if (!(await claim(attempt, now()))) {
        const latest = await latestAttempt(job, period);
        const at = now();
        if (latest && !latest.failedAt && latest.leaseUntil && latest.leaseUntil.getTime() > at.getTime()) {
          return { status: "busy", owner: latest.owner, attempt: latest.attempt };
        }
        attempt = (latest?.attempt ?? 0) + 1;
        if (attempt > MAX_ATTEMPTS) return { status: "gave_up", attempts: MAX_ATTEMPTS };
        if (!(await claim(attempt, at))) {
          // Another instance inserted the same attempt a moment earlier: it owns the run.
          return { status: "busy", owner: "another instance", attempt };
        }
      }
      let summary: Record<string, unknown>;
      try {
        summary = (await fn()) ?? {};
      } catch (error) {
        // Ending the lease now lets the next trigger (any instance) try again, up to MAX_ATTEMPTS.
        await JobRun.updateOne(
          { _id: attemptId(job, period, attempt) },
          { $set: { failedAt: now(), leaseUntil: now(), error: String((error as Error)?.stack ?? error).slice(0, 2000) } },
        ).catch(() => {});
        return { status: "failed", attempt, error };
      }
      await insert({
        _id: doneId(job, period),
        job,
        period,
        kind: "done",
        attempt,
        owner,
        at: now(),
        leaseUntil: null,
        summary,
      });
      remember(doneId(job, period));
      return { status: "ran", attempt, summary };
    },
  };
}
