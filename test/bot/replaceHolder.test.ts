// Replacing a seat's holder from /team, on the test database with an injected clock: the supervisor's link, used by
// the new person, moves the seat and its planned and unreported events to them; from then on the reminder job
// sends the 24 h reminder and the report requests to the new holder and nothing to the old one, and /report for the
// new holder lists the inherited event. Double taps make one link; refusals are audited.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SCHEDULER_CONFIG } from "../../src/config.js";
import { REMINDER_JOB } from "../../src/jobs/reminderJob.js";
import { createScheduler, type Scheduler } from "../../src/jobs/scheduler.js";
import { createLogger } from "../../src/logger.js";
import type { Actor } from "../../src/services/eventService.js";
import { createHarness, type Harness, type TestPerson } from "../helpers/harness.js";
import { RecordingOutbox } from "../helpers/recordingOutbox.js";

const HOUR = 3600_000;
const SEAT = "IN-UP:P40";
const T0 = new Date("2026-11-26T06:30:00Z");

let h: Harness;
let outbox: RecordingOutbox;
let scheduler: Scheduler;
let team: TestPerson;
let old: TestPerson;
let next: TestPerson;
const oldActor: Actor = { telegramId: 8_100_000_002, scopes: [{ role: "pc_incharge", level: "pc", code: SEAT }] };

async function register(startsAt: Date, key: string): Promise<string> {
  const res = await h.services.events.create({
    actor: oldActor,
    confirmKey: key,
    input: { programmeKey: "sneh-samvad", territory: { level: "pc", code: SEAT }, startsAt, venue: "Hall", location: null, expectedAttendance: 40, notes: "" },
  });
  if (!res.ok) throw new Error(res.reason);
  return res.event.id;
}

/** Walks the clock, ticking the reminder job twice at each step (the daily rollups are not what this file checks). */
async function runUntil(until: Date, stepMs = HOUR): Promise<void> {
  while (h.clock.now().getTime() < until.getTime()) {
    h.clock.set(new Date(Math.min(h.clock.now().getTime() + stepMs, until.getTime())));
    await scheduler.tick([REMINDER_JOB]);
    await scheduler.tick([REMINDER_JOB]);
  }
}

beforeAll(async () => {
  h = await createHarness({ label: "replace" });
  h.clock.set(T0);
  await h.services.programmes.seedDefaults();
  team = await h.grant(8_100_000_001, "state_team", "IN-UP", { first_name: "Asha", language_code: "en" });
  old = await h.grant(oldActor.telegramId, "pc_incharge", SEAT, { first_name: "Oldham", language_code: "en" });
  next = h.person(8_100_000_003, { first_name: "Newton", language_code: "en" });
  for (const p of [team, old]) await h.services.people.setLanguage(p.id, "en");
  outbox = new RecordingOutbox(h.db.connection);
  scheduler = createScheduler({
    services: h.services,
    i18n: h.i18n,
    logger: createLogger({ level: "silent" }),
    now: h.clock.now,
    timeZone: "Asia/Kolkata",
    config: DEFAULT_SCHEDULER_CONFIG,
    outbox,
    instanceId: "replace",
  });
}, 120_000);

afterAll(async () => {
  await scheduler?.stop();
  await h?.close();
});

describe("replacing a seat's holder", () => {
  it("hands the seat's planned and unreported events to the new holder; the old one gets no more reminders", async () => {
    const held = await register(new Date(T0.getTime() - 10 * HOUR), "held"); // held, no report yet
    const ahead = await register(new Date(T0.getTime() + 40 * HOUR), "ahead");
    // Before the replacement the old holder is asked for the held event's report.
    await runUntil(new Date(T0.getTime() + HOUR));
    expect((await outbox.stored()).filter((m) => m._id.startsWith(`report.request:${held}`)).map((m) => m.chatId)).toEqual([old.id]);

    await team.send("/team");
    const index = team.lastText().split("\n").find((l) => l.includes("Oldham"))!.split(".")[0];
    await team.tap(`🔁 ${index}`);
    expect(team.lastText()).toContain("Replace Oldham as Lok Sabha in-charge, Farrukhabad (40)?");
    const confirm = team.transcript().filter((e) => e.from === "bot").at(-1)!.message;
    await team.tap("Yes, make the link");
    const token = /start=([A-Za-z0-9_-]{24})/.exec(team.lastText())![1]!;
    // A second tap of the same button: no second link.
    await team.tapData(confirm.message_id, `tm:sy:${old.id}:${SEAT}`);
    expect(await h.db.models.Invite.countDocuments({ replaces: old.id })).toBe(1);
    // Until the link is used, the old holder keeps the seat.
    expect((await h.services.people.get(old.id))?.roles.map((r) => r.code)).toEqual([SEAT]);

    h.clock.set(new Date(T0.getTime() + 2 * HOUR));
    await next.send(`/start ${token}`);
    expect(next.lastText()).toContain("You are now Lok Sabha in-charge");
    expect(next.lastText()).toContain("The seat’s 2 planned events are yours now");
    expect((await h.services.people.get(old.id))?.roles ?? []).toEqual([]);
    expect((await h.services.people.get(next.id))?.roles.map((r) => r.code)).toEqual([SEAT]);
    const events = await Promise.all([held, ahead].map((id) => h.db.models.Event.findById(id, { createdBy: 1, registeredBy: 1 }).lean().orFail()));
    expect(events.map((e) => [e.createdBy, e.registeredBy])).toEqual([
      [next.id, old.id],
      [next.id, old.id],
    ]);
    const audits = await h.db.models.Audit.find({ action: "role.replace", outcome: "ok" }).lean();
    expect(audits.map((a) => [a.actorId, a.reason ?? null, (a.details as { events?: number }).events ?? null]).sort()).toEqual(
      [
        [team.id, "link", null],
        [team.id, null, 2],
      ].sort(),
    );
    // The supervisor is told the link was used.
    expect(await h.db.models.OutboxItem.countDocuments({ chatId: team.id, purpose: "invite.used" })).toBe(1);

    // From now on: the held event's report request (at once) and its 48 h nudge; the 24 h and 2 h reminders and the
    // report request of the event ahead: all to the new holder, nothing more to the old one.
    const sentToOldBefore = (await outbox.stored()).filter((m) => m.chatId === old.id).length;
    await runUntil(new Date(T0.getTime() + 43 * HOUR));
    const stored = await outbox.stored();
    const toNew = stored.filter((m) => m.chatId === next.id).map((m) => m._id.split(":")[0] + (m._id.includes(held) ? ":held" : ":ahead"));
    expect(toNew.sort()).toEqual(["report.request:held", "report.nudge:held", "reminder.24h:ahead", "reminder.2h:ahead", "report.request:ahead"].sort());
    expect(stored.filter((m) => m.chatId === old.id)).toHaveLength(sentToOldBefore);
    expect(stored.find((m) => m._id.startsWith(`reminder.24h:${ahead}`))?.text).toContain("Sneh Samvad");

    // /report for the new holder lists both inherited events (both have started now).
    await next.send("/report");
    expect(next.lastText()).toContain("2 events are waiting for a report");
    await old.send("/report");
    expect(old.lastText()).not.toContain("waiting for a report:");
  }, 180_000);

  it("refuses to replace someone outside the area, or oneself, and audits it", async () => {
    const outsider = await h.grant(8_100_000_010, "pc_incharge", "IN-BR:P1", { first_name: "Outsider" });
    const scopes = [{ role: "state_team" as const, level: "state" as const, code: "IN-UP" }];
    expect(await h.services.team.replace(team.id, scopes, outsider.id, "IN-BR:P1")).toEqual({ ok: false, reason: "outside_scope" });
    expect(await h.services.team.replace(team.id, scopes, team.id, "IN-UP")).toEqual({ ok: false, reason: "self" });
    expect(await h.services.team.replace(team.id, scopes, old.id, SEAT)).toEqual({ ok: false, reason: "not_held" });
    // A forged button for someone outside the area: refused and audited, no link.
    const msg = team.transcript().filter((e) => e.from === "bot").at(-1)!.message;
    await team.tapData(msg.message_id, `tm:s:${outsider.id}:IN-BR:P1`);
    expect(await h.db.models.Audit.countDocuments({ action: "role.replace", outcome: "denied" })).toBe(3);
    expect(await h.db.models.Audit.countDocuments({ actorId: team.id, action: "access.denied" })).toBeGreaterThan(0);
    expect(await h.db.models.Invite.countDocuments({ replaces: outsider.id })).toBe(0);
  }, 60_000);
});
