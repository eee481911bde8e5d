// Job runs against the test database: one owner per (job, period) across instances, leases a crashed owner loses,
// retries after failure, and catch-up of missed days after downtime.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJobRuns, MAX_ATTEMPTS } from "../../src/services/jobRunService.js";
import { createJobRunner, type JobDefinition } from "../../src/jobs/runner.js";
import { dailyCron, dueDays, minutePeriod, sinceInstalled } from "../../src/jobs/periods.js";
import { createPruneJob } from "../../src/jobs/pruneJob.js";
import { createLogger } from "../../src/logger.js";
import type { Database } from "../../src/db/connection.js";
import { openTestDatabase, reopenTestDatabase, type TestDatabase } from "../helpers/db.js";
import { TestClock } from "../helpers/harness.js";
import { waitUntil } from "../helpers/waitUntil.js";
import { openMonitoredDatabase } from "../helpers/delivery.js";

const ZONE = "Asia/Kolkata";
const logger = createLogger({ level: "silent" });
let db: TestDatabase;
let second: Database;

beforeAll(async () => {
  db = await openTestDatabase("jobruns");
  second = await reopenTestDatabase(db);
});
afterAll(async () => {
  await second.close();
  await db.drop();
});

describe("due periods", () => {
  it("lists the local days whose rollup time passed within 48 hours, oldest first", () => {
    const t = { hour: 20, minute: 0 };
    // 20:05 IST on 26 Nov: 25 Nov 20:00 (24h05 ago) and 26 Nov 20:00.
    expect(dueDays(new Date("2026-11-26T14:35:00Z"), t, ZONE)).toEqual(["2026-11-25", "2026-11-26"]);
    // 19:55 IST: 24 Nov 20:00 is 47h55 ago, 25 Nov 20:00 is 23h55 ago; 26 Nov not yet.
    expect(dueDays(new Date("2026-11-26T14:25:00Z"), t, ZONE)).toEqual(["2026-11-24", "2026-11-25"]);
    // Exactly at the time: due.
    expect(dueDays(new Date("2026-11-26T14:30:00Z"), t, ZONE)).toContain("2026-11-26");
    // Nothing from before the scheduler was installed, except the day whose time passed within the hour before.
    expect(dueDays(new Date("2026-11-26T14:35:00Z"), t, ZONE, sinceInstalled(new Date("2026-11-26T15:00:00Z")))).toEqual(["2026-11-26"]);
    expect(dueDays(new Date("2026-11-26T17:00:00Z"), t, ZONE, sinceInstalled(new Date("2026-11-26T16:00:00Z")))).toEqual([]);
    expect(dailyCron(t)).toBe("0 20 * * *");
    expect(minutePeriod(new Date("2026-11-26T14:35:59.999Z"))).toBe("2026-11-26T14:35Z");
  });
});

describe("job runs", () => {
  it("lets exactly one of many concurrent claimants on two connections run a period", async () => {
    const clock = new TestClock();
    const a = createJobRuns(db.models, clock.now, "instance-a");
    const b = createJobRuns(second.models, clock.now, "instance-b");
    let calls = 0;
    let answered = 0;
    // The run that wins holds on until every claimant has either started a run or answered: all ten overlap.
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const fn = async () => {
      calls++;
      await finished;
      return { sent: 1 };
    };
    const claims = Array.from({ length: 10 }, (_, i) =>
      (i % 2 ? a : b).runOnce("race", "p1", fn, { leaseMs: 60_000 }).finally(() => void answered++),
    );
    await waitUntil("every claimant to run or answer", () => calls + answered >= 10);
    finish();
    const outcomes = await Promise.all(claims);
    expect(calls).toBe(1);
    expect(outcomes.filter((o) => o.status === "ran")).toHaveLength(1);
    expect(outcomes.every((o) => ["ran", "busy", "done"].includes(o.status))).toBe(true);
    expect(await a.runOnce("race", "p1", fn, { leaseMs: 60_000 })).toEqual({ status: "done" });
    expect(await db.models.JobRun.countDocuments({ job: "race", period: "p1", kind: "done" })).toBe(1);
  });

  it("leaves a period to its owner during the lease and takes it over after", async () => {
    const clock = new TestClock();
    const a = createJobRuns(db.models, clock.now, "instance-a");
    const b = createJobRuns(second.models, clock.now, "instance-b");
    // A claims and "crashes": its run never finishes.
    const crashed = a.runOnce("lease", "p1", () => new Promise(() => {}), { leaseMs: 10 * 60_000 });
    void crashed;
    await waitUntil("A's claim to be stored", () => db.models.JobRun.exists({ _id: "lease:p1:attempt-1" }));
    let ran = 0;
    const fn = async () => {
      ran++;
    };
    expect(await b.runOnce("lease", "p1", fn, { leaseMs: 10 * 60_000 })).toMatchObject({ status: "busy", owner: "instance-a" });
    clock.advance(9 * 60_000);
    expect((await b.runOnce("lease", "p1", fn, { leaseMs: 10 * 60_000 })).status).toBe("busy");
    clock.advance(2 * 60_000);
    expect(await b.runOnce("lease", "p1", fn, { leaseMs: 10 * 60_000 })).toMatchObject({ status: "ran", attempt: 2 });
    expect(ran).toBe(1);
    expect((await b.runOnce("lease", "p1", fn, { leaseMs: 10 * 60_000 })).status).toBe("done");
  });

  it("retries a failed run on the next trigger, and gives up after the attempt limit", async () => {
    const clock = new TestClock();
    const runs = createJobRuns(db.models, clock.now, "instance-a");
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error("boom");
    };
    for (let i = 1; i <= MAX_ATTEMPTS; i++) {
      expect(await runs.runOnce("flaky", "p1", failing, { leaseMs: 60_000 })).toMatchObject({ status: "failed", attempt: i });
    }
    expect(await runs.runOnce("flaky", "p1", failing, { leaseMs: 60_000 })).toEqual({ status: "gave_up", attempts: MAX_ATTEMPTS });
    expect(calls).toBe(MAX_ATTEMPTS);
    const stored = await db.models.JobRun.findById("flaky:p1:attempt-1").lean();
    expect(stored?.error).toContain("boom");

    let ok = 0;
    expect((await runs.runOnce("flaky", "p2", failing, { leaseMs: 60_000 })).status).toBe("failed");
    expect(await runs.runOnce("flaky", "p2", async () => void ok++, { leaseMs: 60_000 })).toMatchObject({ status: "ran", attempt: 2 });
    expect(ok).toBe(1);
  });
});

describe("the runner", () => {
  function dailyJob(name: string, ran: string[], clock: TestClock): JobDefinition {
    return {
      name,
      leaseMs: 10 * 60_000,
      duePeriods: (now, installedAt) => dueDays(now, { hour: 20, minute: 0 }, ZONE, sinceInstalled(installedAt)),
      run: async (period) => {
        ran.push(`${clock.now().toISOString()} ${period}`);
        return { period };
      },
    };
  }

  it("runs each missed period within 48 hours once after downtime, and nothing twice", async () => {
    // A new installation: whatever other tests ran here (and the install date they left) is gone.
    await db.models.JobRun.deleteMany({});
    const clock = new TestClock(new Date("2026-11-23T15:00:00Z")); // 23 Nov 20:30 IST
    const ran: string[] = [];
    const jobRuns = createJobRuns(db.models, clock.now, "instance-a");
    const runner = createJobRunner({ jobs: [dailyJob("daily.catchup", ran, clock)], jobRuns, now: clock.now, logger });
    // First run on this database: 22 Nov is before the installation; 23 Nov's 20:00 was 30 minutes ago.
    await runner.tick();
    expect(ran.map((r) => r.split(" ")[1])).toEqual(["2026-11-23"]);

    // Down from 23 Nov 20:30 to 26 Nov 21:00 IST: 24 Nov's rollup is now more than 48 hours old, 25 and 26 Nov's not.
    ran.length = 0;
    clock.set("2026-11-26T15:30:00Z");
    const restarted = createJobRunner({
      jobs: [dailyJob("daily.catchup", ran, clock)],
      jobRuns: createJobRuns(second.models, clock.now, "instance-b"),
      now: clock.now,
      logger,
    });
    const report = await restarted.tick();
    expect(ran.map((r) => r.split(" ")[1])).toEqual(["2026-11-25", "2026-11-26"]);
    expect(report.runs.map((r) => [r.period, r.outcome])).toEqual([
      ["2026-11-25", "ran"],
      ["2026-11-26", "ran"],
    ]);
    // A second trigger, and the other instance's trigger, find them done.
    await restarted.tick();
    await runner.tick();
    expect(ran).toHaveLength(2);
    expect(await db.models.JobRun.countDocuments({ job: "daily.catchup", kind: "done" })).toBe(3);
  });

  it("shares a run in progress with overlapping triggers", async () => {
    const clock = new TestClock(new Date("2026-11-26T15:00:00Z"));
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const job: JobDefinition = {
      name: "overlap",
      leaseMs: 60_000,
      duePeriods: () => ["only"],
      run: async () => {
        calls++;
        await gate;
      },
    };
    const runner = createJobRunner({ jobs: [job], jobRuns: createJobRuns(db.models, clock.now, "x"), now: clock.now, logger });
    const first = runner.tick();
    const secondTick = runner.tick();
    const third = runner.tick();
    release();
    await Promise.all([first, secondTick, third]);
    await runner.idle();
    expect(calls).toBe(1);
  });
});

describe("what a tick reads", () => {
  it("claims a fresh period with one read and one insert, and reads nothing again for a period it saw done", async () => {
    const watched = await openMonitoredDatabase(db);
    const commands: string[] = [];
    watched.connection.getClient().on("commandStarted", (e) => {
      const c = e.command as Record<string, unknown>;
      if (c[e.commandName] === "job_runs") commands.push(e.commandName);
    });
    try {
      const clock = new TestClock(new Date("2026-11-23T10:00:00Z"));
      const runs = createJobRuns(watched.models, clock.now, "reader");
      let ran = 0;
      const work = () => Promise.resolve(void ran++);
      expect((await runs.runOnce("reads.minute", minutePeriod(clock.now()), work, { leaseMs: 60_000 })).status).toBe("ran");
      // The done check, the claim of attempt 1, the done marker: no reading of attempts nobody made.
      expect(commands).toEqual(["find", "insert", "insert"]);
      commands.length = 0;
      for (let i = 0; i < 3; i++) expect((await runs.runOnce("reads.minute", minutePeriod(clock.now()), work, { leaseMs: 60_000 })).status).toBe("done");
      expect(commands).toEqual([]);
      // Another copy that did not run it reads the marker once, then remembers it too.
      const other = createJobRuns(watched.models, clock.now, "other");
      for (let i = 0; i < 3; i++) expect((await other.runOnce("reads.minute", minutePeriod(clock.now()), work, { leaseMs: 60_000 })).status).toBe("done");
      expect(commands).toEqual(["find"]);
      expect(ran).toBe(1);
    } finally {
      await watched.close();
    }
  });
});

describe("pruning", () => {
  it("deletes job runs older than two weeks once a day, and keeps recent ones", async () => {
    const clock = new TestClock(new Date("2026-12-31T22:00:00Z")); // 1 Jan 03:30 IST
    const base = { job: "old", kind: "attempt" as const, attempt: 1, owner: "x", leaseUntil: null };
    await db.models.JobRun.create([
      { ...base, _id: "old:p:attempt-1", period: "p", at: new Date("2026-12-10T00:00:00Z") },
      { ...base, _id: "old:q:attempt-1", period: "q", at: new Date("2026-12-20T00:00:00Z") },
    ]);
    await db.models.JobRun.deleteOne({ _id: "scheduler:installed" });
    const installedAt = new Date("2026-11-01T00:00:00Z");
    const runs = createJobRuns(db.models, () => installedAt, "pruner");
    expect(await runs.installedAt()).toEqual(installedAt);
    const prune = createPruneJob({ jobRuns: runs, now: clock.now, zone: ZONE });
    expect(prune.duePeriods(clock.now(), new Date(0))).toEqual(["2026-12-31", "2027-01-01"]);
    const before = await db.models.JobRun.countDocuments({});
    const { deleted } = (await prune.run("2027-01-01")) as { deleted: number };
    expect(deleted).toBeGreaterThan(0);
    expect(await db.models.JobRun.countDocuments({})).toBe(before - deleted);
    const left = (await db.models.JobRun.find({}, { at: 1 }).lean()).filter((d) => d._id !== "scheduler:installed");
    expect(left.every((d) => d.at.getTime() >= new Date("2026-12-18T22:00:00Z").getTime())).toBe(true);
    // The installed marker dates the scheduler's first run (it bounds every catch-up): never pruned.
    expect((await db.models.JobRun.findById("scheduler:installed").lean())?.at).toEqual(installedAt);
    expect(await db.models.JobRun.exists({ _id: "old:p:attempt-1" })).toBeNull();
    expect(await db.models.JobRun.exists({ _id: "old:q:attempt-1" })).not.toBeNull();
  });
});
