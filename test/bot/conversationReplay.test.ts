// Replay fingerprints. A stored half-finished conversation is a replay log of operations (waits, externals, Bot API
// calls); new code must perform the same operations in the same order to replay it. Each conversation is driven here
// through a scripted path by the real bot, the sequence of operations in its stored log is read after every step, and
// the longest is compared with the one committed in conversationFingerprints.json under the conversation's version
// (conversations/versions.ts). A sequence that changed under the same version fails: logs stored by the old code
// would be replayed against the new one. Bump the version, then record the new sequence:
//   UPDATE_CONVERSATION_FINGERPRINTS=1 TEST_DB_SERVERS=1 npx vitest run test/bot/conversationReplay.test.ts
// (which refuses to record a changed sequence whose version was not bumped).
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness, type TestPerson } from "../helpers/harness.js";
import { CONVERSATION_VERSIONS, type ConversationId } from "../../src/bot/conversations/versions.js";

const FILE = fileURLToPath(new URL("./conversationFingerprints.json", import.meta.url));
const UPDATE = process.env.UPDATE_CONVERSATION_FINGERPRINTS === "1";
const HOUR = 3600_000;

interface Fingerprint {
  version: number;
  /** The operations in order (see opsIn), runs of one operation written `op×n`. */
  ops: string;
}

type Script = (h: Harness, p: TestPerson) => Promise<void>;

let nextId = 5_990_000_000;
const nationalAdmin = async (h: Harness) => {
  const id = nextId++;
  await h.services.people.ensureNationalAdmins([id]);
  const p = h.person(id, { first_name: "Asha", language_code: "en" });
  await h.services.people.touch(p.user);
  return p;
};
const pcIncharge = (h: Harness, code = "IN-UP:P77") => h.grant(nextId++, "pc_incharge", code, { first_name: "Meera", language_code: "en" });

/** Who plays each conversation, and what they do: the main path, with a detour through Edit where there is one. */
const SCRIPTS: Record<ConversationId, { who: (h: Harness) => Promise<TestPerson>; script: Script }> = {
  newEvent: {
    who: (h) => pcIncharge(h),
    script: async (_h, p) => {
      await p.send("/newevent");
      await p.tap("Sneh Samvad");
      await p.tap(/^★/);
      await p.send("25/12 17:30");
      await p.send("Town hall, Lanka");
      await p.tap("Skip ⏭");
      await p.send("150");
      await p.tap("Skip ⏭");
      await p.tap("✏️ Edit");
      await p.tap("Expected");
      await p.send("200");
      await p.tap("✅ Confirm");
    },
  },
  report: {
    who: (h) => pcIncharge(h, "IN-UP:P78"),
    script: async (h, p) => {
      const created = await h.services.events.create({
        actor: { telegramId: p.id, scopes: [{ role: "pc_incharge", level: "pc", code: "IN-UP:P78" }] },
        input: {
          programmeKey: "sneh-samvad",
          territory: { level: "pc", code: "IN-UP:P78" },
          startsAt: new Date(h.clock.now().getTime() - 2 * HOUR),
          venue: "Lanka hall",
          location: null,
          expectedAttendance: 80,
          notes: "",
        },
        confirmKey: "fingerprint:report",
      });
      if (!created.ok) throw new Error(created.reason);
      await p.send("/report");
      await p.send("60");
      for (const count of ["10", "5", "0", "5", "20"]) await p.send(count);
      await p.sendContent({ photo: { width: 640, height: 480 } });
      await p.tap(/^✅ Done/);
      await p.tap("Skip ⏭");
      await p.tap("✏️ Edit");
      await p.tap("Notes");
      await p.send("Good turnout");
      await p.tap("✅ Confirm");
    },
  },
  moveEvent: {
    who: (h) => pcIncharge(h, "IN-UP:P79"),
    script: async (h, p) => {
      const created = await h.services.events.create({
        actor: { telegramId: p.id, scopes: [{ role: "pc_incharge", level: "pc", code: "IN-UP:P79" }] },
        input: {
          programmeKey: "sneh-samvad",
          territory: { level: "pc", code: "IN-UP:P79" },
          startsAt: new Date(h.clock.now().getTime() + 30 * HOUR),
          venue: "Lanka hall",
          location: null,
          expectedAttendance: 80,
          notes: "",
        },
        confirmKey: "fingerprint:move",
      });
      if (!created.ok) throw new Error(created.reason);
      await p.send("/myevents");
      await p.tap("1");
      await p.tap("🕒 Move");
      await p.send("31/12 11 am");
    },
  },
  invite: {
    who: nationalAdmin,
    script: async (_h, p) => {
      await p.send("/invite");
      await p.tap("Lok Sabha in-charge");
      await p.send("uttar pra");
      await p.send("varanasi");
      await p.tap("7 days ★");
    },
  },
  directive: {
    who: async (h) => {
      await pcIncharge(h, "IN-UP:P80");
      return nationalAdmin(h);
    },
    script: async (_h, p) => {
      await p.send("/directive");
      await p.send("Hold a Sneh Samvad in every Lok Sabha constituency by 30 November.");
      await p.tap("No attachment ➡️");
      await p.tap("👥 Roles in an area");
      await p.tap("☐ Lok Sabha in-charge");
      await p.tap("Continue ➡️");
      await p.tap("One state");
      await p.send("uttar pradesh");
      await p.tap(/^📢 Send to/);
    },
  },
  programmeItem: {
    who: nationalAdmin,
    script: async (_h, p) => {
      await p.send("/programmes");
      await p.tap("➕ Category");
      await p.send("युवा");
      await p.send("Youth");
      await p.tap("✅ Save");
    },
  },
  clusterCreate: {
    who: nationalAdmin,
    script: async (_h, p) => {
      await p.send("/clusters");
      await p.tap("➕ New cluster");
      await p.send("Capital Region");
      await p.send("राजधानी क्षेत्र");
    },
  },
  reviewReason: {
    who: (h) => h.grant(nextId++, "state_team", "IN-UP", { first_name: "Meena", language_code: "en" }),
    script: async (h, p) => {
      const author = await pcIncharge(h, "IN-UP:P80");
      const actor = { telegramId: author.id, scopes: [{ role: "pc_incharge" as const, level: "pc" as const, code: "IN-UP:P80" }] };
      const created = await h.services.events.create({
        actor,
        input: {
          programmeKey: "sneh-samvad",
          territory: { level: "pc", code: "IN-UP:P80" },
          startsAt: new Date(h.clock.now().getTime() - 2 * HOUR),
          venue: "Lanka hall",
          location: null,
          expectedAttendance: 80,
          notes: "",
        },
        confirmKey: "fingerprint:review",
      });
      if (!created.ok) throw new Error(created.reason);
      const eventId = created.event.id;
      const saved = await h.services.reports.submit({ actor, eventId, input: { total: 50, counts: {}, photos: [], notes: "" }, confirmKey: "fingerprint:review:r" });
      if (!saved.ok) throw new Error(saved.reason);
      await p.send("/review");
      const list = p.transcript().at(-1)!.message.message_id;
      await p.tapData(list, `rv:t:${eventId}:1`);
      await p.send("x");
      await p.send("The venue is missing from the photos");
    },
  },
  reviewMessage: {
    who: (h) => h.grant(nextId++, "state_team", "IN-UP", { first_name: "Meena", language_code: "en" }),
    script: async (h, p) => {
      const author = await pcIncharge(h, "IN-UP:P76");
      const created = await h.services.events.create({
        actor: { telegramId: author.id, scopes: [{ role: "pc_incharge", level: "pc", code: "IN-UP:P76" }] },
        input: {
          programmeKey: "sneh-samvad",
          territory: { level: "pc", code: "IN-UP:P76" },
          startsAt: new Date(h.clock.now().getTime() + 20 * HOUR),
          venue: "Lanka hall",
          location: null,
          expectedAttendance: 80,
          notes: "",
        },
        confirmKey: "fingerprint:message",
      });
      if (!created.ok) throw new Error(created.reason);
      await p.send("/review");
      await p.tapData(p.transcript().at(-1)!.message.message_id, `rv:m:${created.event.id}`);
      await p.send("Please bring the attendance register");
    },
  },
  newPhase: {
    who: nationalAdmin,
    script: async (_h, p) => {
      await p.send("/plans");
      await p.tap("➕ New phase");
      await p.tap("Sneh Samvad");
      await p.tap("Lok Sabha seats");
      await p.tap("3");
      await p.tap("Today");
      await p.send("x");
      await p.send("31/12");
      await p.tap("✅ Save");
    },
  },
  raiseTarget: {
    who: (h) => h.grant(nextId++, "state_team", "IN-UP", { first_name: "Meena", language_code: "en" }),
    script: async (h, p) => {
      // Two phases, so that the phase is asked for whatever else the file made.
      const admin = { telegramId: 1, scopes: [{ role: "national_admin" as const, level: "country" as const, code: "IN" }] };
      for (const key of ["a", "b"]) {
        const made = await h.services.plans.createPhase({
          actor: admin,
          input: { programmeKey: "sufi-samvad", level: "pc", target: 2, startDay: "2026-11-20", endDay: "2026-12-31" },
          confirmKey: `fingerprint:raise:${key}`,
        });
        if (!made.ok) throw new Error(made.reason);
      }
      await p.send("/plans");
      await p.tap("⬆️ Raise a target");
      await p.tap(/^Sufi Samvad/);
      await p.tap("One Lok Sabha seat");
      await p.send("varanasi");
      await p.send("2");
      await p.send("5");
    },
  },
  clusterRename: {
    who: nationalAdmin,
    script: async (h, p) => {
      await h.services.map.createCluster({ key: "fp-rename", name: { en: "Fingerprint Cluster", hi: "फिंगरप्रिंट क्लस्टर" } });
      await p.send("/clusters");
      await p.tap("Fingerprint Cluster");
      await p.tap("✏️ Rename");
      await p.send("NCR");
      await p.send("एनसीआर");
    },
  },
};

/** `a a a b` → `a×3 b`. */
function runLengths(ops: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < ops.length; ) {
    let j = i;
    while (j < ops.length && ops[j] === ops[i]) j++;
    out.push(j - i > 1 ? `${ops[i]}×${j - i}` : ops[i]!);
    i = j;
  }
  return out.join(" ");
}

/**
 * What kind of value an external returned: `[]`, `{}`, `s`, `n`, `b` or `null`. Two externals of different kinds
 * swapped (which a replay would answer with each other's results) then show up even though both are "external".
 * Only the kind: the fields of a service's answer may grow without changing the conversation.
 */
function kindOf(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "[]";
  if (typeof value === "object") return "{}";
  return typeof value === "string" ? "s" : typeof value === "number" ? "n" : "b";
}

/**
 * The operations of conversation `id` in a stored state (the plugin's replay log: one `send` entry per operation,
 * its result in `receive`): Bot API calls by method, waits, and externals with the kind of what they returned.
 */
function opsIn(value: string, id: string): string[] {
  interface Replay {
    send: { payload: string }[];
    receive: { send: number; returnValue: unknown }[];
  }
  const stored = JSON.parse(value) as { state: Record<string, { replay: Replay }[]> };
  const replay = stored.state[id]?.[0]?.replay;
  if (!replay) return [];
  const results = new Map(replay.receive.map((r) => [r.send, r.returnValue]));
  return replay.send.map((op, i) => {
    if (op.payload !== "external" || !results.has(i)) return op.payload;
    const result = results.get(i) as { ok?: boolean; ret?: unknown } | number;
    // conversation.now() stores a bare number; other externals { ok, ret }.
    return `external:${typeof result === "number" ? "now" : result.ok ? kindOf(result.ret) : "error"}`;
  });
}

/**
 * Runs `script`, reading the chat's stored state after every step (each update of the person goes through
 * TestPerson, so wrapping its two entry points sees every step), and returns the longest sequence seen.
 */
async function fingerprintOf(h: Harness, id: ConversationId): Promise<Fingerprint> {
  const { who, script } = SCRIPTS[id];
  const p = await who(h);
  let longest: string[] = [];
  const observe = async () => {
    const value = await h.openConversation(p.id);
    if (value === null) return;
    const ops = opsIn(value, id);
    if (ops.length > longest.length) longest = ops;
  };
  for (const step of ["send", "sendContent", "tap", "tapData"] as const) {
    const original = p[step].bind(p) as (...args: unknown[]) => Promise<void>;
    (p as unknown as Record<string, unknown>)[step] = async (...args: unknown[]) => {
      await original(...args);
      await observe();
    };
  }
  await script(h, p);
  // The path must have finished the conversation, so that the whole of it was seen.
  expect(await h.openConversation(p.id), `${id}: the scripted path left the conversation open`).toBeNull();
  expect(longest.length, `${id}: the scripted path never stored a state`).toBeGreaterThan(0);
  return { version: CONVERSATION_VERSIONS[id], ops: runLengths(longest) };
}

function readCommitted(): Partial<Record<string, Fingerprint>> {
  try {
    return JSON.parse(readFileSync(FILE, "utf8")) as Record<string, Fingerprint>;
  } catch {
    return {};
  }
}

/** Where two sequences part, for the failure message. */
function firstDifference(a: string, b: string): string {
  const x = a.split(" ");
  const y = b.split(" ");
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return `at operation run ${i + 1}: committed ${x.slice(i, i + 4).join(" ") || "(end)"} … now ${y.slice(i, i + 4).join(" ") || "(end)"} …`;
}

/** Why `now` does not match `committed`, or undefined when it does. `recordable`: an update may write it. */
function verdict(id: string, committed: Fingerprint | undefined, now: Fingerprint): { message: string; recordable: boolean } | undefined {
  const record = "update the fingerprint (UPDATE_CONVERSATION_FINGERPRINTS=1, see the top of this file)";
  if (!committed) return { message: `conversation ${id} has no fingerprint yet: ${record}`, recordable: true };
  if (committed.ops === now.ops) {
    if (committed.version === now.version) return undefined;
    return { message: `conversation ${id} is at version ${now.version}, its fingerprint at ${committed.version}: ${record}`, recordable: true };
  }
  if (now.version <= committed.version) {
    return {
      message:
        `conversation ${id} changed its replay sequence: bump its version and update the fingerprint ` +
        `(src/bot/conversations/versions.ts, version ${committed.version}; ${firstDifference(committed.ops, now.ops)})`,
      recordable: false,
    };
  }
  return { message: `conversation ${id} changed its replay sequence under a new version ${now.version}: ${record}`, recordable: true };
}

describe("replay fingerprints", () => {
  let h: Harness;
  const committed = readCommitted();
  const next: Record<string, Fingerprint> = { ...(committed as Record<string, Fingerprint>) };

  beforeAll(async () => {
    h = await createHarness({ label: "replay" });
    h.clock.set("2026-11-26T06:30:00Z");
  });
  afterAll(async () => {
    await h.close();
    if (UPDATE) {
      const ordered = Object.fromEntries(Object.keys(CONVERSATION_VERSIONS).map((id) => [id, next[id]]));
      writeFileSync(FILE, `${JSON.stringify(ordered, null, 2)}\n`);
    }
  });

  it("every conversation the bot installs has a scripted path here", () => {
    expect(Object.keys(SCRIPTS).sort()).toEqual(Object.keys(CONVERSATION_VERSIONS).sort());
  });

  for (const id of Object.keys(CONVERSATION_VERSIONS) as ConversationId[]) {
    it(`${id}: its replay sequence is the one recorded for its version`, async () => {
      const now = await fingerprintOf(h, id);
      const problem = verdict(id, committed[id], now);
      if (problem && UPDATE && problem.recordable) {
        next[id] = now;
        return;
      }
      if (problem) expect.fail(problem.message);
    });
  }
});
