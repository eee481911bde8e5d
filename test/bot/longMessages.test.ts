// Worst cases for every message whose text grows with the data: 44 clusters, the longest real Hindi names in data/
// padded to the models' maximum lengths (and with &, < and > that must be escaped), the longest venues, full lists.
// Every part the bot sends must be accepted by the local Bot API (which refuses texts over 4,096 characters and
// HTML cut inside a tag, as Telegram does), and nothing may be lost: the parts together say what the builder wrote.
import { readFileSync } from "node:fs";
import { InputFile } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDirectiveRenderer } from "../../src/bot/directiveMessages.js";
import { PHONE_SCREEN, rollupDetailTexts, type RollupDetail } from "../../src/messages/rollup.js";
import { screenLines } from "../helpers/phoneScreen.js";
import { VENUE_MAX } from "../../src/domain/events/text.js";
import { TEXT_MAX } from "../../src/domain/directives.js";
import type { RollupScope } from "../../src/domain/rollup/types.js";
import { toDeliveryMessages } from "../../src/jobs/deliveryOutbox.js";
import type { Outbox, OutboxMessage } from "../../src/jobs/outbox.js";
import { harnessReminderJob } from "../helpers/reminderJob.js";
import { createRollupJob } from "../../src/jobs/rollupJob.js";
import { DEFAULT_SCHEDULER_CONFIG } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { visibleText } from "../../src/messages/split.js";
import type { Actor } from "../../src/services/eventService.js";
import { createHarness, type Harness, type TestPerson } from "../helpers/harness.js";

const ZONE = "Asia/Kolkata";
const CLUSTERS = 44;
/** The cluster name's maximum (the /clusters conversation asks for 2-64 characters). */
const CLUSTER_NAME_MAX = 64;
/** Telegram's first_name and last_name are up to 64 characters each. */
const PERSON_NAME_MAX = 64;
const ADMIN = 7_700_000_001;
const HEAD = 7_700_000_002;
const ORGANISER = 7_700_000_003;
const TEAM = Array.from({ length: 12 }, (_, i) => 7_700_001_000 + i);

/** The longest Hindi state name in data/states.csv (दादरा और नगर हवेली और दमन और दीव). */
const LONGEST_HI = readFileSync(new URL("../../data/states.csv", import.meta.url), "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((line) => line.split(",")[2]!.trim())
  .reduce((a, b) => (b.length > a.length ? b : a));

/** `base`, repeated and cut to exactly `max` characters, with `tag` (unique) in front and HTML specials inside. */
function padded(tag: string, base: string, max: number): string {
  const start = `${tag} <&> `;
  let s = start;
  while (s.length < max) s += `${base} `;
  return s.slice(0, max).trimEnd().padEnd(max, "क");
}

const squash = (s: string) => s.replace(/\s+/g, "");

describe("worst-case message lengths", () => {
  let h: Harness;
  let admin: TestPerson;
  let head: TestPerson;
  let organiser: TestPerson;
  const clusterNames: { key: string; hi: string; en: string }[] = [];

  beforeAll(async () => {
    h = await createHarness({ label: "longmsg" });
    await h.services.programmes.seedDefaults();
    expect(LONGEST_HI.length).toBeGreaterThan(25);
    // 44 clusters with maximal names; UP's 80 PCs in the first (a long list of uncovered PCs for its head).
    const states = (await h.services.map.listStates()).map((s) => s.code);
    await h.db.models.Cluster.deleteMany({});
    const others = states.filter((s) => s !== "IN-UP");
    for (let i = 0; i < CLUSTERS; i++) {
      const key = `c${String(i + 1).padStart(2, "0")}`;
      const name = { key, hi: padded(`क${i + 1}`, LONGEST_HI, CLUSTER_NAME_MAX), en: padded(`C${i + 1}`, "Dadra and Nagar Haveli and Daman and Diu", CLUSTER_NAME_MAX) };
      clusterNames.push(name);
      const stateCodes = i === 0 ? ["IN-UP"] : others.filter((_, k) => k % (CLUSTERS - 1) === i - 1);
      await h.db.models.Cluster.create({ key, name: { hi: name.hi, en: name.en }, stateCodes });
    }
    const longName = (tag: string) => ({
      first_name: padded(tag, "रामप्रसाद बिस्मिल्लाह", PERSON_NAME_MAX),
      last_name: padded(`${tag}ल`, "चतुर्वेदी", PERSON_NAME_MAX),
    });
    admin = await h.grant(ADMIN, "national_admin", "IN", { ...longName("अ"), language_code: "hi" });
    head = await h.grant(HEAD, "cluster_head", "c01", { ...longName("ह"), language_code: "hi" });
    organiser = await h.grant(ORGANISER, "state_team", "IN-UP", { ...longName("स"), language_code: "hi" });
    for (const p of [admin, head, organiser]) h.api.addUser(p.user); // the jobs write first
    for (const [i, id] of TEAM.entries()) {
      const p = h.person(id, longName(`ट${i}`));
      h.api.addUser(p.user);
      await h.services.people.touch(p.user);
      await h.services.people.grantRole(id, { role: "pc_incharge", code: `IN-UP:P${i + 1}`, grantedBy: ORGANISER });
    }

    // 24 events by the organiser, all in the past by "now" and unreported (pending in the rollup), and 12 in the
    // next three days, each with the longest venue.
    const actor: Actor = { telegramId: ORGANISER, scopes: [{ role: "state_team", level: "state", code: "IN-UP" }] };
    const venue = padded("स्थल", `${LONGEST_HI} सामुदायिक भवन`, VENUE_MAX);
    const create = async (startsAt: Date, key: string, pc: number) => {
      const res = await h.services.events.create({
        actor,
        confirmKey: key,
        input: {
          programmeKey: pc % 2 ? "sufi-samvad" : "sneh-samvad",
          territory: { level: "pc", code: `IN-UP:P${pc}` },
          startsAt,
          venue,
          location: null,
          expectedAttendance: 100_000,
          notes: "",
        },
      });
      if (!res.ok) throw new Error(res.reason);
    };
    h.clock.set("2026-11-23T04:30:00Z");
    for (let i = 0; i < 24; i++) await create(new Date(Date.UTC(2026, 10, 23, 5 + (i % 12), i)), `past-${i}`, 1 + (i % 40));
    h.clock.set("2026-11-26T14:30:00Z"); // 20:00 IST
    for (let i = 0; i < 12; i++) await create(new Date(Date.UTC(2026, 10, 27, 3 + i, 0)), `next-${i}`, 41 + i);
  }, 240_000);

  afterAll(async () => {
    await h.close();
  });

  /** Every send and edit since `from` was accepted. */
  function expectAllAccepted(from: number): void {
    const calls = h.api.calls.slice(from).filter((c) => /^(send|edit)/i.test(c.method));
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((c) => !c.ok).map((c) => `${c.method}: ${c.error?.description}`)).toEqual([]);
  }

  /** The texts the bot sent to `p` since message `after` (exclusive), joined. */
  function textsSince(p: TestPerson, after: number): string {
    return p
      .transcript()
      .filter((e) => e.from === "bot" && e.message.message_id > after)
      .map((e) => e.message.text ?? e.message.caption ?? "")
      .join("\n");
  }

  const lastId = (p: TestPerson) => p.transcript().at(-1)?.message.message_id ?? 0;

  async function computed(scope: RollupScope) {
    const [rollup] = await h.services.rollups.compute({ day: "2026-11-26", zone: ZONE, asOf: h.clock.now(), scopes: [scope] });
    rollup!.pace = await h.services.progress.forScope({ scope, asOf: h.clock.now() });
    const names = await h.services.rollups.names([rollup!], "hi");
    return { rollup: rollup!, reader: { t: h.i18n.t("hi"), names, zone: ZONE } };
  }

  /** What a detail button opens, as the builder writes it (visible text). */
  async function expectedDetail(scope: RollupScope, kind: RollupDetail): Promise<string> {
    const { rollup, reader } = await computed(scope);
    return visibleText(rollupDetailTexts(rollup, kind, reader).join("\n"));
  }

  /** The first message of /rollup: one phone screen, with its buttons. */
  function expectOneScreen(p: TestPerson, after: number): void {
    const first = p.transcript().find((e) => e.from === "bot" && e.message.message_id > after && e.message.text)!;
    const lines = screenLines(first.message.text!);
    expect(lines.length, lines.join("\n")).toBeLessThanOrEqual(PHONE_SCREEN.lines);
    expect(first.message.reply_markup?.inline_keyboard.length).toBeGreaterThan(0);
  }

  it("/rollup national: one screen first; 44 clusters of 64-character names behind a button, in several valid parts", async () => {
    const from = h.api.calls.length;
    const after = lastId(admin);
    await admin.send("/rollup");
    expectOneScreen(admin, after);
    const afterHead = lastId(admin);
    await admin.tap("क्लस्टर के अनुसार");
    expectAllAccepted(from);
    const texts = admin.transcript().filter((e) => e.from === "bot" && e.message.message_id > afterHead && e.message.text);
    expect(texts.length).toBeGreaterThan(1); // it did not fit in one
    const got = textsSince(admin, afterHead);
    for (const c of clusterNames) expect(got).toContain(c.hi);
    expect(squash(got)).toContain(squash(await expectedDetail({ level: "country", code: "IN" }, "c")));
  });

  it("/rollup for a cluster head: one screen first; pending reports with the longest names and venues, all uncovered PCs behind buttons", async () => {
    const from = h.api.calls.length;
    const scope = { level: "cluster", code: "c01" } as const;
    const after = lastId(head);
    await head.send("/rollup");
    expectOneScreen(head, after);
    const views: Partial<Record<RollupDetail, string>> = {};
    for (const [label, kind] of [[/^📋 /, "p"], [/^🗺 /, "u"], ["और जानकारी", "d"]] as const) {
      const before = lastId(head);
      await head.tap(label);
      views[kind] = textsSince(head, before);
      expect(squash(views[kind])).toContain(squash(await expectedDetail(scope, kind)));
    }
    expectAllAccepted(from);
    // Every uncovered seat of Uttar Pradesh is listed, with its state.
    const { rollup } = await computed(scope);
    expect(rollup.coverage.uncoveredPcs.length).toBeGreaterThan(60);
    expect(views.u!.match(/^• .* \(UP\)$/gm)?.length).toBe(rollup.coverage.uncoveredPcs.length);
  });

  it("the daily rollup job: one screen per recipient under its key, accepted, with buttons that fit", async () => {
    const queued: OutboxMessage[] = [];
    const capture: Outbox = { enqueue: async (m) => (queued.push(...m), m.length) };
    const job = createRollupJob({
      map: h.services.map,
      recipients: h.services.recipients,
      rollups: h.services.rollups,
      coverage: h.services.coverage,
      escalations: h.services.escalations,
      progress: h.services.progress,
      escalationDays: DEFAULT_SCHEDULER_CONFIG.escalationDays,
      i18n: h.i18n,
      outbox: capture,
      zone: ZONE,
      time: { hour: 20, minute: 0 },
      logger: createLogger({ level: "silent" }),
    });
    await job.send("2026-11-26");
    const calls = queued.flatMap(toDeliveryMessages);
    for (const id of [ADMIN, HEAD, ORGANISER]) {
      const first = queued.find((m) => m.chatId === id && m.key.startsWith("rollup:"))!;
      const parts = calls.filter((c) => c.chatId === id && c.key.startsWith(first.key));
      expect(parts.map((p) => p.key)).toEqual([first.key]); // one message
      expect(screenLines(first.text!).length).toBeLessThanOrEqual(PHONE_SCREEN.lines);
      for (const b of first.buttons!.flat()) expect(Buffer.byteLength(b.callbackData)).toBeLessThanOrEqual(64);
    }
    const from = h.api.calls.length;
    await sendAll(queued);
    expectAllAccepted(from);
  });

  /** Sends job messages as the delivery worker would (one Bot API call per outbox message). */
  async function sendAll(messages: OutboxMessage[]): Promise<string[]> {
    const calls = messages.flatMap(toDeliveryMessages);
    const keys = calls.map((c) => c.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const c of calls) {
      const params: Record<string, unknown> = { ...c.params, chat_id: c.chatId };
      if (c.upload) params[c.upload.field] = new InputFile(Buffer.from(c.upload.data), c.upload.filename);
      await (h.bot.api.raw as unknown as Record<string, (p: unknown) => Promise<unknown>>)[c.method ?? "sendMessage"]!(params);
    }
    return calls.map((c) => visibleText(String(c.params.text ?? c.params.caption ?? "")));
  }

  it("reminders, report requests, nudges and escalations about events with the longest venue and names", async () => {
    const { job, queued } = harnessReminderJob(h);
    await job.scan(); // 20:00 IST on the 26th: nudges and escalations for the 23rd
    h.clock.set("2026-11-27T02:10:00Z"); // and the reminders before the first events of the 27th
    await job.scan();
    h.clock.set("2026-11-26T14:30:00Z");
    expect(new Set(queued.map((m) => m.purpose))).toEqual(new Set(["reminder", "escalation"]));
    const from = h.api.calls.length;
    await sendAll(queued);
    expectAllAccepted(from);
    const texts = queued.map((m) => toDeliveryMessages(m).map((c) => visibleText(String(c.params.text ?? ""))).join("\n"));
    // Before-reminders carry the 200-character venue; escalations the organiser's 129-character name.
    const venue = padded("स्थल", `${LONGEST_HI} सामुदायिक भवन`, VENUE_MAX);
    const organiserName = `${organiser.user.first_name} ${organiser.user.last_name}`;
    queued.forEach((m, i) => {
      if (m.key.startsWith("reminder.24h") || m.key.startsWith("reminder.2h")) expect(texts[i]).toContain(venue);
      if (m.purpose === "escalation") expect(texts[i]).toContain(organiserName);
    });
    expect(queued.some((m) => m.purpose === "escalation")).toBe(true);
    expect(texts.some((t) => t.includes(venue))).toBe(true);
  });

  it("/clusters lists all 44 clusters with their full names", async () => {
    const from = h.api.calls.length;
    const after = lastId(admin);
    await admin.send("/clusters");
    expectAllAccepted(from);
    const got = textsSince(admin, after);
    for (const c of clusterNames) expect(got).toContain(c.hi);
  });

  it("/myevents and /report list the longest events, and an event's details open", async () => {
    const from = h.api.calls.length;
    const after = lastId(organiser);
    await organiser.send("/myevents");
    const list = textsSince(organiser, after);
    for (let n = 1; n <= 27; n++) expect(list).toContain(`${n}. `);
    await organiser.tap("1");
    await organiser.send("/report");
    expectAllAccepted(from);
    expect(textsSince(organiser, after)).toContain("स्थल <&>");
  });

  it("/team shows every appointee's full name, page by page", async () => {
    const from = h.api.calls.length;
    const after = lastId(organiser);
    await organiser.send("/team");
    const first = textsSince(organiser, after);
    await organiser.tap("▶"); // page 2 replaces page 1
    expectAllAccepted(from);
    const second = textsSince(organiser, after);
    TEAM.forEach((_, i) => expect(i < 10 ? first : second).toContain(padded(`ट${i}`, "रामप्रसाद बिस्मिल्लाह", PERSON_NAME_MAX)));
  });

  it("/me lists every role", async () => {
    const many = await h.grant(7_700_002_000, "pc_incharge", "IN-UP:P1", { first_name: padded("म", LONGEST_HI, PERSON_NAME_MAX) });
    try {
      for (let pc = 2; pc <= 80; pc++) await h.services.people.grantRole(many.id, { role: "pc_incharge", code: `IN-UP:P${pc}`, grantedBy: null });
      const from = h.api.calls.length;
      await many.send("/me");
      expectAllAccepted(from);
      const pcs = (await h.db.models.Pc.find({ stateCode: "IN-UP" }, { _id: 0, name: 1 }).lean<{ name: { hi?: string; en?: string } | string }[]>()).length;
      expect(pcs).toBe(80);
      expect(many.botTexts().join("\n").match(/•/g)?.length).toBe(80);
    } finally {
      // 80 roles in Uttar Pradesh would show in the state team's /team, which another test counts.
      await h.db.models.Person.deleteOne({ _id: many.id });
    }
  });

  it("a directive of the maximum length, all HTML specials, from a 64-character cluster, and /directives about it", async () => {
    const text = "<&>".repeat(Math.floor(TEXT_MAX / 3));
    const created = await h.services.directives.create(
      {
        actor: { telegramId: HEAD, scopes: [{ role: "cluster_head", level: "cluster", code: "c01" }] },
        requestKey: "long",
        text,
        media: null,
        audience: { roles: ["state_team"], area: { level: "cluster", code: "c01" } },
        senderLang: "hi",
      },
      createDirectiveRenderer(h.i18n, ZONE),
    );
    expect(created.ok).toBe(true);
    const queued = await h.db.models.OutboxItem.find({ purpose: "directive" }).lean();
    expect(queued.length).toBeGreaterThan(0);
    const from = h.api.calls.length;
    for (const q of queued) await h.bot.api.raw.sendMessage({ ...(JSON.parse(q.params) as { text: string }), chat_id: q.chatId });
    const after = lastId(head);
    await head.send("/directives");
    await head.tap("1");
    expectAllAccepted(from);
    expect(organiser.lastText()).toContain(text);
    expect(textsSince(head, after)).toContain(clusterNames[0]!.hi);
  });
});
