// The cost of an update must not grow with the organisation: every query made while handling a conversation step
// goes by _id (a MongoDB index; on FerretDB 1.24, which uses no index itself, the key a GIN index on PostgreSQL
// serves: src/db/postgresCluster.ts), except reads of configuration
// collections whose size is fixed by the map and the programme (not by people or records). Recorded with
// mongoose's per-connection debug hook, so this sees every model operation the update issues.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InlineKeyboard } from "grammy";
import { createHarness, type Harness } from "../helpers/harness.js";
import { reportButtonData } from "../../src/messages/buttons.js";

/** Collections sized by configuration (the constituency map, programmes, clusters), not by people or records. */
const CONFIGURATION = new Set(["states", "pcs", "acs", "clusters", "programmes", "attendee_categories"]);
/** Writes that are inserts (never a scan) or reads of what the step itself just inserted. */
const INSERTS = new Set(["insertOne", "insertMany", "create"]);

interface Op {
  collection: string;
  method: string;
  filter: Record<string, unknown> | undefined;
}

let h: Harness;
let ops: Op[] = [];

beforeAll(async () => {
  h = await createHarness({ label: "hotpath" });
  h.db.connection.set("debug", (collection: string, method: string, filter?: unknown) => {
    ops.push({ collection, method, filter: typeof filter === "object" && filter !== null ? (filter as Record<string, unknown>) : undefined });
  });
});
afterAll(async () => {
  h.db.connection.set("debug", false);
  await h.close();
});

function scans(recorded: Op[]): Op[] {
  return recorded.filter((op) => {
    if (CONFIGURATION.has(op.collection) || INSERTS.has(op.method)) return false;
    return !op.filter || !("_id" in op.filter);
  });
}

/** Each step's queries: some, none scanning, none repeated, one read of the person and one of the chat's conversation (head, log). */
async function expectKeyed(steps: (() => Promise<void>)[]): Promise<void> {
  for (const [i, step] of steps.entries()) {
    ops = [];
    await step();
    expect(ops.length).toBeGreaterThan(0);
    expect(scans(ops), `step ${i + 1}: ${JSON.stringify(ops)}`).toEqual([]);
    expect(ops.filter((o) => o.collection === "people" && o.method.startsWith("find"))).toHaveLength(1);
    // The chat's small head, and the replay log it points to (when a conversation is in progress).
    expect(ops.filter((o) => o.collection === "conversation_states" && o.method.startsWith("find"))).toHaveLength(1);
    expect(ops.filter((o) => o.collection === "conversation_logs" && o.method.startsWith("find")).length).toBeLessThanOrEqual(1);
    // Nothing is read twice in one update: what one layer read is handed to the next. (Except where the step seeds
    // a collection, as the first use of a fresh database seeds the programmes: checked before and at the insert.)
    const seeded = new Set(ops.filter((o) => INSERTS.has(o.method)).map((o) => o.collection));
    const reads = ops
      .filter((o) => (o.method.startsWith("find") || o.method.startsWith("count")) && !seeded.has(o.collection))
      .map((o) => `${o.collection}.${o.method} ${JSON.stringify(o.filter)}`);
    expect(reads.filter((r, k) => reads.indexOf(r) !== k), `step ${i + 1}: read again`).toEqual([]);
    // Nothing large is ever updated: the log is insert-only.
    expect(ops.filter((o) => o.collection === "conversation_logs" && !INSERTS.has(o.method) && !o.method.startsWith("find"))).toEqual([]);
  }
}

describe("the queries one conversation step makes", () => {
  it("go by _id: one read of the person, one of the chat's conversation, nothing read twice, nothing that scans people or records", async () => {
    const p = await h.grant(5_950_000_001, "pc_incharge", "IN-UP:P77", { language_code: "en" });
    const steps: (() => Promise<void>)[] = [
      // The start too: the command (and the menu synced on first contact), the programme, the seat.
      () => p.send("/newevent"),
      () => p.tap("Sneh Samvad"),
      () => p.tap(/^★/),
      () => p.send("25/12 17:30"),
      () => p.send("Town hall, Lanka"),
      () => p.tap("Skip ⏭"),
      () => p.send("not a number"),
      () => p.send("150"),
      () => p.tap("Skip ⏭"),
      () => p.tap("✅ Confirm"),
    ];
    await expectKeyed(steps);
  });

  it("of a report, from the reminder's button to Confirm, go by _id too", async () => {
    const p = await h.grant(5_950_000_002, "pc_incharge", "IN-UP:P78", { language_code: "en" });
    h.api.addUser(p.user);
    const created = await h.services.events.create({
      actor: { telegramId: p.id, scopes: [{ role: "pc_incharge", level: "pc", code: "IN-UP:P78" }] },
      input: {
        programmeKey: "sneh-samvad",
        territory: { level: "pc", code: "IN-UP:P78" },
        startsAt: new Date(h.clock.now().getTime() - 2 * 3600_000),
        venue: "Hall",
        location: null,
        expectedAttendance: 80,
        notes: "",
      },
      confirmKey: "hotpath:report",
    });
    if (!created.ok) throw new Error(created.reason);
    await h.workerApi.sendMessage(p.id, "Please report", { reply_markup: new InlineKeyboard().text("📝 Report", reportButtonData(created.event.id)) });
    await expectKeyed([
      () => p.tap("📝 Report"),
      () => p.send("60"),
      ...["10", "5", "0", "5", "20"].map((n) => () => p.send(n)),
      () => p.tap(/^✅ Done/),
      () => p.tap("Skip ⏭"),
      () => p.tap("✅ Confirm"),
    ]);
    expect(await h.db.models.Report.findById(created.event.id).lean()).toMatchObject({ total: 60 });
  });

  it("of /report, from the command's list to the tap on an event, go by _id too", async () => {
    const p = await h.grant(5_950_000_003, "pc_incharge", "IN-UP:P79", { language_code: "en" });
    const actor = { telegramId: p.id, scopes: [{ role: "pc_incharge" as const, level: "pc" as const, code: "IN-UP:P79" }] };
    // Two events waiting for a report, so /report shows its list rather than opening the one.
    for (const [i, hoursAgo] of [3, 2].entries()) {
      const created = await h.services.events.create({
        actor,
        input: {
          programmeKey: "sneh-samvad",
          territory: { level: "pc", code: "IN-UP:P79" },
          startsAt: new Date(h.clock.now().getTime() - hoursAgo * 3600_000),
          venue: `Hall ${i + 1}`,
          location: null,
          expectedAttendance: 80,
          notes: "",
        },
        confirmKey: `hotpath:list:${i}`,
      });
      if (!created.ok) throw new Error(created.reason);
    }
    await expectKeyed([
      async () => {
        await p.send("/report");
        expect(p.lastButtons().filter((b) => b.startsWith("📝"))).toHaveLength(2);
      },
      () => p.tap(/^📝/),
    ]);
    expect(p.lastText()).toMatch(/How many people came/);
  });
});
