// The escalation ladder against the test database with an injected clock: two scheduler instances (and a restarted
// third) walk eight days, each tick run twice on each; an unreported AC event reaches the PC in-charge at 48 hours,
// then is named in the state team's rollup on day 3, the cluster in-charge's on day 5 and the national office's on
// day 7, each once; an event reported on day 4 stops climbing. Every message is asserted by recipient and key.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SCHEDULER_CONFIG } from "../../src/config.js";
import { createScheduler, type Scheduler } from "../../src/jobs/scheduler.js";
import { createRollupJob, rollupKey } from "../../src/jobs/rollupJob.js";
import type { OutboxMessage } from "../../src/jobs/outbox.js";
import { createServices } from "../../src/services/index.js";
import { createLogger } from "../../src/logger.js";
import { addDays, atLocalTime } from "../../src/domain/rollup/day.js";
import type { RollupScope } from "../../src/domain/rollup/types.js";
import type { Database } from "../../src/db/connection.js";
import type { Actor } from "../../src/services/eventService.js";
import { reopenTestDatabase } from "../helpers/db.js";
import { createHarness, type Harness } from "../helpers/harness.js";
import { RecordingOutbox } from "../helpers/recordingOutbox.js";

const ZONE = "Asia/Kolkata";
const HOUR = 3600_000;
const logger = createLogger({ level: "silent" });

const PC_HOLDER = 5_100_000_101; // Varanasi (P77), has a username
const AC_HOLDER = 5_100_000_102; // Vidhan Sabha A390, in Varanasi, no username
const STATE_TEAM = 5_100_000_201; // Uttar Pradesh
const OTHER_TEAM = 5_100_000_202; // Bihar: never told about UP
const CLUSTER_HEAD = 5_100_000_301; // central (UP's cluster)
const ADMIN = 5_100_000_401; // national office

const DAY0 = "2026-11-26";
const day = (n: number) => addDays(DAY0, n, ZONE);
const STARTS = atLocalTime(DAY0, { hour: 11, minute: 0 }, ZONE);

let h: Harness;
let second: Database;
let outbox: RecordingOutbox;
const schedulers: Scheduler[] = [];
let acEvent: string;
let pcEvent: string;

const acActor: Actor = { telegramId: AC_HOLDER, scopes: [{ role: "ac_incharge", level: "ac", code: "IN-UP:A390" }] };
const pcActor: Actor = { telegramId: PC_HOLDER, scopes: [{ role: "pc_incharge", level: "pc", code: "IN-UP:P77" }] };

function scheduler(db: Database, id: string): Scheduler {
  const s = createScheduler({
    services: createServices({ models: db.models, now: h.clock.now }),
    i18n: h.i18n,
    logger,
    now: h.clock.now,
    timeZone: ZONE,
    config: DEFAULT_SCHEDULER_CONFIG, // ESCALATION_DAYS 3,5,7
    outbox,
    instanceId: id,
  });
  schedulers.push(s);
  return s;
}

async function register(actor: Actor, territory: { level: "pc" | "ac"; code: string }, key: string): Promise<string> {
  const res = await h.services.events.create({
    actor,
    confirmKey: key,
    input: { programmeKey: "sneh-samvad", territory, startsAt: STARTS, venue: "Hall", location: null, expectedAttendance: 50, notes: "" },
  });
  if (!res.ok) throw new Error(res.reason);
  return res.event.id;
}

/**
 * The escalation part of a rollup: its second message naming the events escalated that day (which starts with ⏫),
 * else the ⏫ line of its first message (escalated on earlier days), or "".
 */
const escalationPart = (text: string | null) =>
  (text ?? "").startsWith("⏫") ? text! : ((text ?? "").split("\n").find((s) => s.startsWith("⏫ <b>Escalated on earlier")) ?? "");
const names = { ac: `tg://user?id=${AC_HOLDER}`, pc: "(@ramesh_pc)" };

beforeAll(async () => {
  h = await createHarness({ label: "escalation" });
  h.clock.set(atLocalTime(DAY0, { hour: 6, minute: 0 }, ZONE));
  await h.services.programmes.seedDefaults();
  await h.grant(PC_HOLDER, "pc_incharge", "IN-UP:P77", { first_name: "Ramesh", username: "ramesh_pc" });
  await h.grant(AC_HOLDER, "ac_incharge", "IN-UP:A390", { first_name: "Meena" });
  await h.grant(STATE_TEAM, "state_team", "IN-UP", { first_name: "Asha" });
  await h.grant(OTHER_TEAM, "state_team", "IN-BR", { first_name: "Binod" });
  await h.grant(CLUSTER_HEAD, "cluster_head", "central", { first_name: "Imran" });
  await h.grant(ADMIN, "national_admin", "IN", { first_name: "Nandini" });
  for (const id of [PC_HOLDER, AC_HOLDER, STATE_TEAM, OTHER_TEAM, CLUSTER_HEAD, ADMIN]) await h.services.people.setLanguage(id, "en");
  second = await reopenTestDatabase(h.db);
  outbox = new RecordingOutbox(h.db.connection);
  acEvent = await register(acActor, { level: "ac", code: "IN-UP:A390" }, "esc:ac");
  pcEvent = await register(pcActor, { level: "pc", code: "IN-UP:P77" }, "esc:pc");
}, 120_000);

afterAll(async () => {
  for (const s of schedulers) await s.stop();
  await second?.close();
  await h?.close();
});

describe("the escalation ladder", () => {
  it("climbs to the PC in-charge at 48 h, then the state team, cluster in-charge and national office, each once; a reported event stops", async () => {
    let a = scheduler(h.db, "a");
    const b = scheduler(second, "b");
    const end = atLocalTime(day(8), { hour: 23, minute: 0 }, ZONE);
    while (h.clock.now().getTime() < end.getTime()) {
      h.clock.advance(4 * HOUR);
      // Each tick twice on each instance, at the same moment.
      await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
      const now = h.clock.now().getTime();
      // Day 4, 10:00: the PC event's report arrives (after its state step, before its cluster step).
      if (now >= atLocalTime(day(4), { hour: 10, minute: 0 }, ZONE).getTime() && now < atLocalTime(day(4), { hour: 13, minute: 0 }, ZONE).getTime()) {
        const r = await h.services.reports.submit({ actor: pcActor, eventId: pcEvent, confirmKey: "esc:pc:report", input: { total: 30, counts: {}, photos: [], notes: "" } });
        expect(r.ok).toBe(true);
      }
      // Day 6, midday: instance a is restarted (a fresh process on the same database).
      if (now >= atLocalTime(day(6), { hour: 10, minute: 0 }, ZONE).getTime() && now < atLocalTime(day(6), { hour: 14, minute: 0 }, ZONE).getTime()) {
        await a.stop();
        a = scheduler(h.db, "a2");
      }
    }

    const stored = await outbox.stored();
    // At 48 hours (direct messages, not in a rollup): the AC event's PC in-charge, the state team and the cluster
    // in-charge, once each; the registrant gets the nudge. The PC event's own in-charge is its registrant: a nudge.
    const escalations = stored.filter((m) => m._id.startsWith("escalation:")).map((m) => [m._id, m.chatId]);
    expect(escalations.sort()).toEqual(
      [
        [`escalation:${acEvent}:${PC_HOLDER}`, PC_HOLDER],
        [`escalation:${acEvent}:${STATE_TEAM}`, STATE_TEAM],
        [`escalation:${acEvent}:${CLUSTER_HEAD}`, CLUSTER_HEAD],
        [`escalation:${pcEvent}:${STATE_TEAM}`, STATE_TEAM],
        [`escalation:${pcEvent}:${CLUSTER_HEAD}`, CLUSTER_HEAD],
      ].sort(),
    );
    expect(stored.filter((m) => m._id.startsWith("report.nudge:")).map((m) => m.chatId).sort()).toEqual([PC_HOLDER, AC_HOLDER].sort());

    // The ladder's steps, recorded once each under their key, on the day each was reached.
    const steps = await h.db.models.EscalationStep.find({}, { _id: 1, day: 1 }).lean();
    expect(steps.map((s) => [s._id, s.day]).sort()).toEqual(
      [
        [`escalation.step:state:${acEvent}`, day(3)],
        [`escalation.step:state:${pcEvent}`, day(3)],
        [`escalation.step:cluster:${acEvent}`, day(5)],
        [`escalation.step:country:${acEvent}`, day(7)],
      ].sort(),
    );

    // Each level's rollup, day by day: the events are named on the day they reach it, counted afterwards.
    const state: RollupScope = { level: "state", code: "IN-UP" };
    const cluster: RollupScope = { level: "cluster", code: "central" };
    const country: RollupScope = { level: "country", code: "IN" };
    const part = (d: number, scope: RollupScope, to: number) => {
      const m = stored.find((x) => x._id === rollupKey(day(d), scope, to, "text"));
      if (!m) throw new Error(`no rollup for ${to} on ${day(d)}`);
      const named = stored.find((x) => x._id === rollupKey(day(d), scope, to, "escalated"));
      // Named today: the first message says how many, the second names them.
      if (named) expect(m.text).toMatch(/⏫ Escalated to you today: <b>\d+<\/b> \(below\)/);
      return escalationPart(named ? named.text : m.text);
    };
    for (let d = 0; d <= 8; d++) {
      const s = part(d, state, STATE_TEAM);
      const c = part(d, cluster, CLUSTER_HEAD);
      const n = part(d, country, ADMIN);
      if (d < 3) expect(s).toBe("");
      if (d === 3) {
        expect(s).toContain("Unreported 3 days after the event, escalated to you today: 2");
        expect(s).toContain(names.ac);
        expect(s).toContain("Vidhan Sabha in-charge: <a href");
        expect(s).toContain(`Ramesh ${names.pc}`);
      }
      if (d > 3) expect(s).toBe("⏫ <b>Escalated on earlier days and still unreported:</b> 1 (names in /gaps)");
      if (d < 5) expect(c).toBe("");
      if (d === 5) {
        expect(c).toContain("Unreported 5 days after the event, escalated to you today: 1");
        expect(c).toContain(names.ac);
        expect(c).not.toContain(names.pc); // reported on day 4: it stopped climbing
      }
      if (d > 5) expect(c).toBe("⏫ <b>Escalated on earlier days and still unreported:</b> 1 (names in /gaps)");
      if (d < 7) expect(n).toBe("");
      if (d === 7) {
        expect(n).toContain("Unreported 7 days after the event, escalated to you today: 1");
        expect(n).toContain(names.ac);
      }
      if (d === 8) expect(n).toBe("⏫ <b>Escalated on earlier days and still unreported:</b> 1 (names in /gaps)");
    }
    // Nobody else hears of UP's events; each rollup was queued once (one attempt per key: one instance ran it).
    expect(stored.filter((m) => m.chatId === OTHER_TEAM && (escalationPart(m.text) !== "" || m._id.startsWith("escalation")))).toEqual([]);
    const rollupAttempts = outbox.attempts.filter((m) => m.key.startsWith("rollup")).map((m) => m.key);
    expect(new Set(rollupAttempts).size).toBe(rollupAttempts.length);
    // Each event named at most once per level across all rollups sent.
    const namings = (to: number, needle: string) => stored.filter((m) => m.chatId === to && m._id.startsWith("rollup") && escalationPart(m.text).includes(needle)).length;
    expect([namings(STATE_TEAM, names.ac), namings(STATE_TEAM, names.pc), namings(CLUSTER_HEAD, names.ac), namings(CLUSTER_HEAD, names.pc), namings(ADMIN, names.ac), namings(ADMIN, names.pc)]).toEqual([1, 1, 1, 0, 1, 0]);
  }, 240_000);

  it("a re-run of a day's rollup (a crash before it finished) names the same events and takes no new step", async () => {
    const before = await h.db.models.EscalationStep.countDocuments();
    const queued: OutboxMessage[] = [];
    const job = createRollupJob({
      map: h.services.map,
      recipients: h.services.recipients,
      rollups: h.services.rollups,
      coverage: h.services.coverage,
      escalations: h.services.escalations,
      progress: h.services.progress,
      escalationDays: DEFAULT_SCHEDULER_CONFIG.escalationDays,
      i18n: h.i18n,
      outbox: { enqueue: async (m) => (queued.push(...m), m.length) },
      zone: ZONE,
      time: DEFAULT_SCHEDULER_CONFIG.rollupTime,
      logger,
    });
    await job.send(day(5));
    const rerun = queued.find((m) => m.key === rollupKey(day(5), { level: "cluster", code: "central" }, CLUSTER_HEAD, "escalated"))!;
    const first = (await outbox.stored()).find((m) => m._id === rerun.key)!;
    expect(escalationPart(rerun.text!)).toBe(escalationPart(first.text));
    expect(await h.db.models.EscalationStep.countDocuments()).toBe(before);
  }, 60_000);
});
