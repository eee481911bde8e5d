// Reminders, report requests, nudges and escalations, driven by an injected clock against the test database, with
// two scheduler instances sharing it. Events are registered, moved, cancelled and reported through the real services.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SCHEDULER_CONFIG } from "../../src/config.js";
import { REMINDER_JOB } from "../../src/jobs/reminderJob.js";
import { createScheduler, type Scheduler } from "../../src/jobs/scheduler.js";
import { createServices } from "../../src/services/index.js";
import { createLogger } from "../../src/logger.js";
import type { Database } from "../../src/db/connection.js";
import type { Actor } from "../../src/services/eventService.js";
import { reopenTestDatabase } from "../helpers/db.js";
import { createHarness, type Harness } from "../helpers/harness.js";
import { RecordingOutbox } from "../helpers/recordingOutbox.js";

const HOUR = 3600_000;
const MIN = 60_000;
const logger = createLogger({ level: "silent" });

const ORGANISER = 5_000_000_101; // PC in-charge, Varanasi, Hindi
const OTHER_ORGANISER = 5_000_000_102; // PC in-charge, Lucknow, who blocked the bot
const STATE_TEAM = 5_000_000_201; // UP state team, English
const CLUSTER_HEAD = 5_000_000_301; // central cluster head, Hindi
const OTHER_HEAD = 5_000_000_302; // north cluster head: not told about UP

let h: Harness;
let second: Database;
let outbox: RecordingOutbox;
let a: Scheduler;
let b: Scheduler;

const organiser: Actor = { telegramId: ORGANISER, scopes: [{ role: "pc_incharge", level: "pc", code: "IN-UP:P77" }] };
const T0 = new Date("2026-11-26T06:30:00Z");

async function register(startsAt: Date, key: string, actor: Actor = organiser, pc = "IN-UP:P77"): Promise<string> {
  const res = await h.services.events.create({
    actor,
    confirmKey: key,
    input: {
      programmeKey: "sneh-samvad",
      territory: { level: "pc", code: pc },
      startsAt,
      venue: "Town hall <main>",
      location: null,
      expectedAttendance: 50,
      notes: "",
    },
  });
  if (!res.ok) throw new Error(`could not register: ${res.reason}`);
  return res.event.id;
}

/**
 * Both instances tick at the same moment, as two copies of the bot triggered by the same cron minute. Only the
 * reminder job runs: the daily rollups a walk over days would send (charts and maps drawn each evening) are not what
 * this file checks, and test/jobs/rollup.test.ts and escalation.test.ts run them with the reminders.
 */
async function tickBoth(): Promise<void> {
  await Promise.all([a.tick([REMINDER_JOB]), b.tick([REMINDER_JOB])]);
}

/** Moves the clock forward in steps, ticking both instances at each step (and at `until`). */
async function runUntil(until: Date, stepMs = 2 * HOUR): Promise<void> {
  while (h.clock.now().getTime() < until.getTime()) {
    h.clock.set(new Date(Math.min(h.clock.now().getTime() + stepMs, until.getTime())));
    await tickBoth();
  }
}

const keysFor = async (eventId: string) => (await outbox.keys()).filter((k) => k.includes(eventId)).map((k) => k.split(":")[0] + (k.startsWith("escalation") ? `:${k.split(":")[2]}` : ""));

beforeAll(async () => {
  h = await createHarness({ label: "reminders" });
  h.clock.set(T0);
  await h.services.programmes.seedDefaults();
  await h.grant(ORGANISER, "pc_incharge", "IN-UP:P77", { first_name: "Ramesh", language_code: "hi" });
  await h.grant(OTHER_ORGANISER, "pc_incharge", "IN-UP:P35", { first_name: "Suresh" });
  await h.grant(STATE_TEAM, "state_team", "IN-UP", { first_name: "Asha" });
  await h.services.people.setLanguage(STATE_TEAM, "en");
  await h.grant(CLUSTER_HEAD, "cluster_head", "central", { first_name: "Imran" });
  await h.grant(OTHER_HEAD, "cluster_head", "north", { first_name: "Kiran" });
  await h.services.people.markBlocked(OTHER_ORGANISER);
  second = await reopenTestDatabase(h.db);
  outbox = new RecordingOutbox(h.db.connection);
  const deps = { i18n: h.i18n, logger, now: h.clock.now, timeZone: "Asia/Kolkata", config: DEFAULT_SCHEDULER_CONFIG, outbox };
  a = createScheduler({ ...deps, services: h.services, instanceId: "a" });
  b = createScheduler({ ...deps, services: createServices({ models: second.models, now: h.clock.now }), instanceId: "b" });
}, 120_000);

afterAll(async () => {
  await second?.close();
  await h?.close();
});

describe("reminders over an event's life", () => {
  it("sends each reminder once, the report request with its button, and escalates at 48 hours and not before", async () => {
    h.clock.set(T0); // each test sets its own time: others may have moved the clock on
    const start = new Date(T0.getTime() + 52 * HOUR); // 28 Nov, 12:00 IST
    const id = await register(start, "e1");

    await runUntil(new Date(start.getTime() - 24 * HOUR - MIN), 2 * HOUR);
    expect(await keysFor(id)).toEqual([]);

    await runUntil(new Date(start.getTime() - 24 * HOUR), MIN);
    expect(await keysFor(id)).toEqual(["reminder.24h"]);

    await runUntil(new Date(start.getTime() - 2 * HOUR));
    expect(await keysFor(id)).toEqual(["reminder.24h", "reminder.2h"]);

    await runUntil(new Date(start.getTime() + 2 * HOUR - MIN));
    expect(await keysFor(id)).toEqual(["reminder.24h", "reminder.2h"]);
    await runUntil(new Date(start.getTime() + 2 * HOUR), MIN);
    expect(await keysFor(id)).toEqual(["reminder.24h", "reminder.2h", "report.request"]);

    // 47 h 59 min after the start: still no escalation.
    await runUntil(new Date(start.getTime() + 48 * HOUR - MIN), 2 * HOUR);
    expect(await keysFor(id)).toEqual(["reminder.24h", "reminder.2h", "report.request"]);

    await runUntil(new Date(start.getTime() + 48 * HOUR), MIN);
    expect((await keysFor(id)).sort()).toEqual(
      ["reminder.24h", "reminder.2h", "report.request", "report.nudge", `escalation:${STATE_TEAM}`, `escalation:${CLUSTER_HEAD}`].sort(),
    );

    // Two more days of ticks on both instances: nothing new.
    await runUntil(new Date(start.getTime() + 96 * HOUR), 3 * HOUR);
    const stored = (await outbox.stored()).filter((m) => m._id.includes(id));
    expect(stored).toHaveLength(6);

    // Who got what, in which language.
    const byKey = new Map(stored.map((m) => [m._id.split(":")[0] + (m._id.startsWith("escalation") ? `:${m.chatId}` : ""), m]));
    const iso = start.toISOString();
    expect(stored.find((m) => m._id === `reminder.24h:${id}:${iso}`)?.chatId).toBe(ORGANISER);
    expect(byKey.get("reminder.24h")!.text).toContain("स्नेह संवाद");
    expect(byKey.get("reminder.24h")!.text).toContain("Town hall &lt;main&gt;");
    expect(byKey.get("reminder.2h")!.chatId).toBe(ORGANISER);
    const request = byKey.get("report.request")!;
    expect(request.chatId).toBe(ORGANISER);
    expect(JSON.parse(request.buttons!)).toEqual([[{ text: expect.any(String), callbackData: `rp:${id}` }]]);
    expect(byKey.get("report.nudge")!.chatId).toBe(ORGANISER);
    expect(byKey.get("report.nudge")!.buttons).toContain(`rp:${id}`);
    expect(byKey.get(`escalation:${STATE_TEAM}`)!.text).toContain("Ramesh");
    expect(byKey.get(`escalation:${STATE_TEAM}`)!.text).toMatch(/Sneh Samvad/); // English for the state team
    expect(byKey.get(`escalation:${CLUSTER_HEAD}`)!.text).toMatch(/स्नेह संवाद/);
    expect(stored.some((m) => m.chatId === OTHER_HEAD)).toBe(false);
  }, 180_000);
});

describe("reminders follow the seat", () => {
  it("reach the seat's current holder as well as whoever registered the event, each once", async () => {
    // A month after the other tests' days: the minutes they ran are done in job_runs and would not run again.
    h.clock.set(new Date(T0.getTime() + 30 * 24 * HOUR));
    const HOLDER = 5_000_000_401;
    await h.grant(HOLDER, "pc_incharge", "IN-UP:P40", { first_name: "Nisha", language_code: "en" });
    const team: Actor = { telegramId: STATE_TEAM, scopes: [{ role: "state_team", level: "state", code: "IN-UP" }] };
    const start = new Date(h.clock.now().getTime() + 30 * HOUR);
    const id = await register(start, "seat:1", team, "IN-UP:P40");
    await runUntil(new Date(start.getTime() + 2 * HOUR), HOUR);
    const requests = (await outbox.stored()).filter((m) => m._id.startsWith(`report.request:${id}`));
    expect(requests.map((m) => [m._id.replace(`:${start.toISOString()}`, ""), m.chatId]).sort()).toEqual(
      [
        [`report.request:${id}`, STATE_TEAM],
        [`report.request:${id}:${HOLDER}`, HOLDER],
      ].sort(),
    );
    // More ticks: nothing twice.
    await runUntil(new Date(start.getTime() + 4 * HOUR), HOUR);
    expect((await outbox.stored()).filter((m) => m._id.startsWith(`report.request:${id}`))).toHaveLength(2);
  }, 120_000);
});

describe("changes to an event change what is sent", () => {
  it("sends nothing more for a cancelled event, fresh reminders for a moved one, and no request once reported", async () => {
    h.clock.set(new Date("2026-12-10T00:00:00Z"));
    const base = h.clock.now().getTime();
    const cancelled = await register(new Date(base + 30 * HOUR), "c1");
    const moved = await register(new Date(base + 30 * HOUR), "m1");
    const reported = await register(new Date(base + 30 * HOUR), "r1");
    const lateRegistered = await register(new Date(base + 10 * HOUR), "l1");
    const blockedOrganiser = await register(new Date(base + 30 * HOUR), "b1", {
      telegramId: OTHER_ORGANISER,
      scopes: [{ role: "pc_incharge", level: "pc", code: "IN-UP:P35" }],
    }, "IN-UP:P35");

    // 24 hours before: the 24 h reminders (not for the event registered 10 hours ahead, nor to the blocked organiser).
    await runUntil(new Date(base + 6 * HOUR), HOUR);
    expect(await keysFor(cancelled)).toEqual(["reminder.24h"]);
    expect(await keysFor(moved)).toEqual(["reminder.24h"]);
    expect(await keysFor(lateRegistered)).toEqual([]);
    expect(await keysFor(blockedOrganiser)).toEqual([]);

    expect((await h.services.events.cancel({ actor: organiser, eventId: cancelled })).ok).toBe(true);
    const newStart = new Date(base + 54 * HOUR);
    expect((await h.services.events.move({ actor: organiser, eventId: moved, startsAt: newStart })).ok).toBe(true);

    // Through the old start time and past the new one's report request.
    await runUntil(new Date(base + 30 * HOUR + 1 * HOUR), 2 * HOUR); // a tick lands in each window, as the 5-minute scan does
    // Reported one hour after it started: no report request, no nudge, no escalation.
    h.clock.set(new Date(base + 31 * HOUR));
    const submitted = await h.services.reports.submit({
      actor: organiser,
      eventId: reported,
      confirmKey: "r1-report",
      input: { total: 40, counts: { "sufi-ulema": 5 }, photos: [], notes: "" },
    });
    expect(submitted.ok).toBe(true);
    await runUntil(new Date(base + 110 * HOUR), 2 * HOUR);

    expect(await keysFor(cancelled)).toEqual(["reminder.24h"]);
    expect(await keysFor(reported)).toEqual(["reminder.24h", "reminder.2h"]);
    expect(await keysFor(lateRegistered)).toContain("reminder.2h");
    expect(await keysFor(lateRegistered)).not.toContain("reminder.24h");
    const movedKeys = (await outbox.keys()).filter((k) => k.includes(moved));
    const oldIso = new Date(base + 30 * HOUR).toISOString();
    const newIso = newStart.toISOString();
    expect(movedKeys.filter((k) => k.endsWith(oldIso))).toEqual([`reminder.24h:${moved}:${oldIso}`]);
    expect(movedKeys.filter((k) => k.endsWith(newIso)).map((k) => k.split(":")[0]).sort()).toEqual(
      ["reminder.24h", "reminder.2h", "report.request", "report.nudge"].sort(),
    );
    // Each escalation recipient once for the moved event (it was never reported).
    expect(movedKeys.filter((k) => k.startsWith("escalation")).sort()).toEqual(
      [`escalation:${moved}:${STATE_TEAM}`, `escalation:${moved}:${CLUSTER_HEAD}`].sort(),
    );
    // The blocked organiser got nothing queued; the escalation about their event still went out.
    expect((await outbox.stored()).filter((m) => m.chatId === OTHER_ORGANISER)).toEqual([]);
    expect(await keysFor(blockedOrganiser)).toEqual([`escalation:${STATE_TEAM}`, `escalation:${CLUSTER_HEAD}`]);
  }, 240_000);

  it("after downtime sends what fell due in the last 48 hours once, in its latest form", async () => {
    h.clock.set(new Date("2026-12-20T00:00:00Z"));
    const base = h.clock.now().getTime();
    const e = await register(new Date(base + 26 * HOUR), "d1");
    await tickBoth();
    expect(await keysFor(e)).toEqual([]);
    // Down from 2 h to 30 h: the 24 h and 2 h reminders fell due meanwhile. One scan after restart: the 2 h one
    // only (the event starts within 2 hours; "tomorrow" would be wrong), plus nothing else.
    h.clock.set(new Date(base + 25 * HOUR));
    await tickBoth();
    expect(await keysFor(e)).toEqual(["reminder.2h"]);
    // Down again until 3 days after the start: the report request's time is over, the 48 h escalation is 26 h old.
    h.clock.set(new Date(base + 26 * HOUR + 74 * HOUR));
    await tickBoth();
    await tickBoth();
    expect((await keysFor(e)).sort()).toEqual(["reminder.2h", "report.nudge", `escalation:${STATE_TEAM}`, `escalation:${CLUSTER_HEAD}`].sort());
  }, 120_000);
});
