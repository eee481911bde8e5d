// A report's review status is recomputed from its versions and decisions by every writer (services/reviewState.ts).
// Two writers racing (an author's correction and a reviewer's decision) may each have read the sources before the
// other's insert: whoever writes last must still leave the status the sources say.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Models } from "../../src/db/models/index.js";
import { reviewDecisionId } from "../../src/db/models/reviewDecision.js";
import { openSeededTestDatabase } from "../helpers/seededDatabase.js";
import type { TestDatabase } from "../helpers/db.js";
import { TestClock } from "../helpers/harness.js";
import { createServices, type Services } from "../../src/services/index.js";
import { createReviewState } from "../../src/services/reviewState.js";
import type { RoleScope } from "../../src/domain/roles.js";

const HOUR = 3600_000;
const PC77: RoleScope = { role: "pc_incharge", level: "pc", code: "IN-UP:P77" };
const author = { telegramId: 51, scopes: [PC77] };

let db: TestDatabase;
let clock: TestClock;
let s: Services;

beforeAll(async () => {
  db = await openSeededTestDatabase("reviewstate");
  clock = new TestClock();
  s = createServices({ models: db.models, now: clock.now });
});
afterAll(async () => {
  await db.drop();
});

async function reportedEvent(key: string): Promise<string> {
  const created = await s.events.create({
    actor: author,
    input: {
      programmeKey: "sneh-samvad",
      territory: { level: "pc", code: "IN-UP:P77" },
      startsAt: new Date(clock.now().getTime() - 2 * HOUR),
      venue: "Town hall",
      location: null,
      expectedAttendance: 80,
      notes: "",
    },
    confirmKey: `ev:${key}`,
  });
  if (!created.ok) throw new Error(created.reason);
  const saved = await s.reports.submit({ actor: author, eventId: created.event.id, input: { total: 40, counts: {}, photos: [], notes: "" }, confirmKey: `r:${key}` });
  if (!saved.ok) throw new Error(saved.reason);
  return created.event.id;
}

/** Models whose first `misses` reads of a decision find nothing: a writer that read before the decision went in. */
function readingTooEarly(models: Models, misses: number): Models {
  const decisions = new Proxy(models.ReviewDecision, {
    get(target, prop, receiver) {
      if (prop === "findById") return (id: string) => (misses-- > 0 ? { lean: async () => null } : target.findById(id));
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  return { ...models, ReviewDecision: decisions } as Models;
}

describe("a report's review status", () => {
  it("settles on what the sources say when a writer wrote from sources read before another's decision", async () => {
    const eventId = await reportedEvent("late-writer");
    await db.models.ReviewDecision.create({
      _id: reviewDecisionId(eventId, 1),
      eventId,
      version: 1,
      action: "approve",
      reasonKey: null,
      reason: null,
      actorId: 900,
      at: clock.now(),
      requestKey: "test:approve",
    });
    // The reviewer's own refresh: approved.
    await createReviewState(db.models).refresh((await db.models.Report.findById(eventId).lean())!._id);
    expect((await db.models.Report.findById(eventId).lean())!.reviewStatus).toBe("approved");

    // A writer that read the decisions (version 1 and the void) before the approval went in, and writes after.
    const late = createReviewState(readingTooEarly(db.models, 2));
    const snap = await late.refresh((await db.models.Report.findById(eventId).lean())!._id);
    const stored = (await db.models.Report.findById(eventId).lean())!;
    expect(stored).toMatchObject({ reviewStatus: "approved", reviewedBy: 900 });
    expect(snap?.status).toBe("approved");
  });

  it("writes nothing when the report already says what the sources say", async () => {
    const eventId = await reportedEvent("no-write");
    const _id = (await db.models.Report.findById(eventId).lean())!._id;
    const updates: string[] = [];
    const watched = new Proxy(db.models.Report, {
      get(target, prop, receiver) {
        if (prop === "updateOne") return (...args: Parameters<typeof target.updateOne>) => (updates.push("update"), target.updateOne(...args));
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    await createReviewState({ ...db.models, Report: watched } as Models).refresh(_id);
    expect(updates).toEqual([]);
    expect((await db.models.Report.findById(eventId).lean())!.reviewStatus ?? "submitted").toBe("submitted");
  });
});
