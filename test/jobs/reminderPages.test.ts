// The reminder scan reads its window a page at a time (a backlog after downtime is not held in memory at once): a
// scan over pages of two queues exactly what one scan over a single page queues, events sharing a start time across a
// page boundary included, and each notice once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OutboxMessage } from "../../src/jobs/outbox.js";
import type { Actor } from "../../src/services/eventService.js";
import { createHarness, type Harness } from "../helpers/harness.js";
import { harnessReminderJob } from "../helpers/reminderJob.js";

const HOUR = 3600_000;
const ORGANISER = 5_000_007_101;
const STATE_TEAM = 5_000_007_201;
const T0 = new Date("2026-11-26T06:30:00Z");
const organiser: Actor = { telegramId: ORGANISER, scopes: [{ role: "pc_incharge", level: "pc", code: "IN-UP:P77" }] };

let h: Harness;

async function register(startsAt: Date, key: string): Promise<string> {
  const res = await h.services.events.create({
    actor: organiser,
    confirmKey: key,
    input: { programmeKey: "sneh-samvad", territory: { level: "pc", code: "IN-UP:P77" }, startsAt, venue: "Hall", location: null, expectedAttendance: 40, notes: "" },
  });
  if (!res.ok) throw new Error(`could not register: ${res.reason}`);
  return res.event.id;
}

beforeAll(async () => {
  h = await createHarness({ label: "reminder-pages" });
  h.clock.set(T0);
  await h.services.programmes.seedDefaults();
  await h.grant(ORGANISER, "pc_incharge", "IN-UP:P77", { first_name: "Ramesh" });
  await h.grant(STATE_TEAM, "state_team", "IN-UP", { first_name: "Asha" });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe("the reminder scan, a page at a time", () => {
  it("queues what a single read queues, each notice once, ties at a page boundary included", async () => {
    // Seven events in the window: three started 50 hours ago at the same minute (nudges and escalations due), two
    // 3 hours ago (report requests), two tomorrow (24-hour reminders); registered on the day they were planned.
    h.clock.set(new Date(T0.getTime() - 60 * HOUR));
    const ids: string[] = [];
    const sameStart = new Date(T0.getTime() - 50 * HOUR);
    for (let i = 0; i < 3; i++) ids.push(await register(sameStart, `tie-${i}`));
    for (let i = 0; i < 2; i++) ids.push(await register(new Date(T0.getTime() - 3 * HOUR - i * 60_000), `past-${i}`));
    for (let i = 0; i < 2; i++) ids.push(await register(new Date(T0.getTime() + 23 * HOUR + i * 60_000), `next-${i}`));
    h.clock.set(T0);

    const whole = harnessReminderJob(h);
    const paged = harnessReminderJob(h, { pageSize: 2 });
    const wholeCounts = await whole.job.scan();
    const pagedCounts = await paged.job.scan();

    const keys = (m: OutboxMessage[]) => m.map((x) => `${x.key}>${x.chatId}`).sort();
    expect(keys(paged.queued)).toEqual(keys(whole.queued));
    expect(new Set(keys(paged.queued)).size).toBe(paged.queued.length);
    // Every event was seen: each has its notice (the tied three a nudge and an escalation each).
    for (const id of ids) expect(paged.queued.some((m) => m.refId === id)).toBe(true);
    expect(paged.queued.filter((m) => m.purpose === "escalation" && m.chatId === STATE_TEAM)).toHaveLength(3);
    expect(pagedCounts).toEqual(wholeCounts);
    expect(pagedCounts.events).toBe(7);

    // The next scan of the paged job queues nothing new: what it handed over is remembered across pages.
    const before = paged.queued.length;
    expect((await paged.job.scan()).queued).toBe(0);
    expect(paged.queued.length).toBe(before);
  });
});
