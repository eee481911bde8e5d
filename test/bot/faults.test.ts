// Faults inside conversations, through the real bot and the local Bot API's fault injection:
// - a 429, a 500 or no answer on a prompt, and a tap whose query is too old, never end a conversation;
// - a kill -9 at every step of /newevent and /report, with the update delivered again (to a second instance, as
//   after a restart): one record, the right values, no conversation lost;
// - bad answers do not lengthen the stored replay log;
// - the apology after a real failure says what was and was not kept.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { InlineKeyboard, type Bot } from "grammy";
import type { Update } from "grammy/types";
import { createHarness, type Harness, type TestPerson } from "../helpers/harness.js";
import { internalServerError, networkFailure, tooManyRequests } from "../../src/localBotApi/faults.js";
import { reportButtonData } from "../../src/messages/buttons.js";
import type { BotContext } from "../../src/bot/context.js";
import { fullScenarios } from "../helpers/scenarios.js";

const HOUR = 3600_000;
let h: Harness;
let second: Bot<BotContext>;
let nextId = 5_900_000_000;
let nextPc = 1;

beforeAll(async () => {
  h = await createHarness({ label: "faults" });
  second = (await h.restart()).bot;
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  h.clock.set("2026-11-26T06:30:00Z");
});

async function incharge(): Promise<TestPerson> {
  const p = await h.grant(nextId++, "pc_incharge", `IN-UP:P${nextPc++}`, { language_code: "en", first_name: "Meera" });
  h.api.addUser(p.user);
  return p;
}
const eventsBy = (id: number) => h.db.models.Event.find({ createdBy: id }).lean();

/** One step of a conversation: what the person does. */
type Step = { text: string } | { tap: string | RegExp };

const NEW_EVENT: Step[] = [
  { text: "/newevent" },
  { tap: "Sneh Samvad" },
  { tap: /^★/ },
  { text: "25/12 17:30" },
  { text: "Town hall, Lanka" },
  { tap: "Skip ⏭" },
  { text: "150" },
  { tap: "Skip ⏭" },
  { tap: "✅ Confirm" },
];

/** Puts the person's next action in the local Bot API and takes it out as an update, unhandled. */
function updateFor(p: TestPerson, step: Step): Update {
  if ("text" in step) h.api.sendUserMessage(p.user, step.text);
  else {
    const { message, data } = p.findButton(step.tap);
    h.api.clickButton(p.user, message.message_id, data);
  }
  const [update, ...more] = h.api.takeUpdates();
  expect(more).toHaveLength(0);
  return update!;
}

async function run(
  p: TestPerson,
  steps: Step[],
  onStep?: (i: number, update: Update) => Promise<void>,
  beforeStep?: (i: number) => Promise<void>,
): Promise<void> {
  for (const [i, step] of steps.entries()) {
    const update = updateFor(p, step);
    await beforeStep?.(i);
    await h.bot.handleUpdate(update);
    await onStep?.(i, update);
  }
}

/**
 * The hooks of `run` for a kill -9 at step `crashAt`: the update comes again to the second instance, either after
 * its conversation state was stored ("after"), or as if the process died before that write ("before": whatever
 * else the step did happened, the stored state is the one from before the step).
 */
function killAt(p: TestPerson, crashAt: number, when: "after" | "before") {
  const key = `chat:${p.id}`;
  let saved: Record<string, unknown> | null = null;
  const states = h.db.models.ConversationState.collection;
  return {
    beforeStep: async (i: number) => {
      if (i === crashAt && when === "before") saved = await states.findOne({ _id: key as never });
    },
    onStep: async (i: number, update: Update) => {
      if (i !== crashAt) return;
      if (when === "before") {
        await states.deleteOne({ _id: key as never });
        if (saved) await states.insertOne(saved as never);
      }
      await second.handleUpdate(update);
    },
  };
}

function expectTheEvent(event: { startsAt: Date } | undefined): void {
  expect(event).toMatchObject({ programmeKey: "sneh-samvad", venue: "Town hall, Lanka", expectedAttendance: 150, notes: "" });
  expect(event!.startsAt.toISOString()).toBe("2026-12-25T12:00:00.000Z");
}

describe("a failed Telegram call inside a conversation", () => {
  const faults = [
    // Waited out by grammY's auto-retry on the wall clock (it takes no injected clock): 1 s, the shortest there is.
    ["a 429", () => tooManyRequests(1)],
    ["a 500", () => internalServerError()],
    ["no answer at all", () => networkFailure()],
  ] as const;
  for (const [name, fault] of faults) {
    it(`${name} on a prompt is waited out and the conversation goes on`, async () => {
      const p = await incharge();
      const sleepsBefore = h.sleeps.length;
      await run(p, NEW_EVENT, async (i) => {
        // The next prompt the bot sends (after the venue: "Add a location pin?") fails once.
        if (i === 3) h.api.failNext("sendMessage", fault());
      });
      const [event, ...more] = await eventsBy(p.id);
      expect(more).toHaveLength(0);
      expectTheEvent(event);
      if (name === "a 429") {
        // auto-retry waited (resilientFetch, which leaves 429s to it, did not): the same prompt again after retry_after.
        expect(h.sleeps.length).toBe(sleepsBefore);
        const mine = h.api.calls.filter((c) => c.method === "sendMessage" && c.params.chat_id === p.id);
        const limited = mine.findIndex((c) => c.error?.error_code === 429);
        expect(mine[limited + 1]!.params.text).toBe(mine[limited]!.params.text);
        expect(mine[limited + 1]!.time - mine[limited]!.time).toBeGreaterThanOrEqual(1000);
      } else {
        expect(h.sleeps.length).toBeGreaterThan(sleepsBefore);
      }
      expect(await h.openConversation(p.id)).toBeNull();
    });
  }

  it("a tap whose query is too old (answered before a crash) is taken, not an error", async () => {
    const p = await incharge();
    await run(p, NEW_EVENT.slice(0, 1));
    h.api.failNext("answerCallbackQuery", {
      error_code: 400,
      description: "Bad Request: query is too old and response timeout expired or query ID is invalid",
    });
    await run(p, NEW_EVENT.slice(1));
    expectTheEvent((await eventsBy(p.id))[0]);
    expect(p.botTexts().some((t) => t.includes("went wrong"))).toBe(false);
  });
});

describe("a kill -9 at every step, the update delivered again to another instance", () => {
  for (let crashAt = 0; crashAt < NEW_EVENT.length; crashAt++) {
    it(`/newevent, step ${crashAt + 1} of ${NEW_EVENT.length}: one event with the values given`, async () => {
      const p = await incharge();
      // Handled and stored, but the process died before the offset reached Telegram: the update comes again.
      const kill = killAt(p, crashAt, "after");
      await run(p, NEW_EVENT, kill.onStep, kill.beforeStep);
      const events = await eventsBy(p.id);
      expect(events).toHaveLength(1);
      expectTheEvent(events[0]);
      expect(await h.openConversation(p.id)).toBeNull();
    });
  }

  for (let crashAt = 0; crashAt < NEW_EVENT.length; crashAt++) {
    it(`/newevent, step ${crashAt + 1} of ${NEW_EVENT.length}, killed before the conversation was stored: one event`, async () => {
      const p = await incharge();
      const kill = killAt(p, crashAt, "before");
      await run(p, NEW_EVENT, kill.onStep, kill.beforeStep);
      const events = await eventsBy(p.id);
      expect(events).toHaveLength(1);
      expectTheEvent(events[0]);
      expect(await h.openConversation(p.id)).toBeNull();
    });
  }

  // All 20 crash points under FULL_SCENARIOS=1 (npm run test:full); npm test kills at every step once, alternating
  // after and before the state was stored (10 runs).
  const reportCrashes = (count: number) =>
    Array.from({ length: count }, (_, i) => i).flatMap((i) =>
      fullScenarios ? [[i, "after"] as const, [i, "before"] as const] : [[i, i % 2 ? "before" : "after"] as const],
    );
  it("/report, every step, killed after and before its state was stored: one report with the counts given", { tags: ["scenario"] }, async () => {
    const steps: Step[] = [
      { tap: "📝 Report" },
      { text: "60" },
      { text: "10" },
      { text: "5" },
      { text: "0" },
      { text: "5" },
      { text: "20" },
      { tap: /^✅ Done/ },
      { tap: "Skip ⏭" },
      { tap: "✅ Confirm" },
    ];
    for (const [crashAt, when] of reportCrashes(steps.length)) {
      const p = await incharge();
      const code = (await h.services.people.get(p.id))!.roles[0]!.code;
      const created = await h.services.events.create({
        actor: { telegramId: p.id, scopes: [{ role: "pc_incharge", level: "pc", code }] },
        input: {
          programmeKey: "sneh-samvad",
          territory: { level: "pc", code },
          startsAt: new Date(h.clock.now().getTime() - 2 * HOUR),
          venue: "Lanka hall",
          location: null,
          expectedAttendance: 80,
          notes: "",
        },
        confirmKey: `faults:${p.id}`,
      });
      if (!created.ok) throw new Error(created.reason);
      const eventId = created.event.id;
      await h.workerApi.sendMessage(p.id, "Please report", { reply_markup: new InlineKeyboard().text("📝 Report", reportButtonData(eventId)) });
      const kill = killAt(p, crashAt, when);
      await run(p, steps, kill.onStep, kill.beforeStep);
      const reports = await h.db.models.Report.find({ eventId }).lean();
      expect(reports, `killed ${when} step ${crashAt + 1}`).toHaveLength(1);
      const versions = await h.db.models.ReportVersion.find({ eventId }).lean();
      expect(versions, `killed ${when} step ${crashAt + 1}`).toHaveLength(1);
      expect(reports[0]).toMatchObject({ total: 60 });
      expect(Object.values(reports[0]!.counts as Record<string, number>).sort((a, b) => a - b)).toEqual([0, 10, 20, 5, 5].sort((a, b) => a - b));
      expect(await h.openConversation(p.id)).toBeNull();
    }
  });
});

describe("bad answers", () => {
  it("do not lengthen the stored replay log, however many", async () => {
    const p = await incharge();
    await run(p, NEW_EVENT.slice(0, 6));
    // At "How many people do you expect?": one bad answer, then forty more.
    await run(p, [{ text: "lots" }]);
    const afterOne = (await h.openConversation(p.id))!.length;
    for (let i = 0; i < 40; i++) await run(p, [{ text: `about ${i}` }]);
    const afterForty = (await h.openConversation(p.id))!.length;
    expect(afterForty).toBe(afterOne);
    await run(p, NEW_EVENT.slice(6));
    expectTheEvent((await eventsBy(p.id))[0]);
  });
});

describe("the apology", () => {
  it("after an error that ends the conversation says the form was closed and what is safe", async () => {
    const p = await incharge();
    await run(p, NEW_EVENT.slice(0, 4));
    // Telegram refuses the next prompt outright (a 400 is not retried): the conversation cannot go on.
    h.api.failNext("sendMessage", { error_code: 400, description: "Bad Request: message is too long" });
    await run(p, [NEW_EVENT[4]!]);
    expect(p.lastText()).toContain("could not be kept");
    expect(await h.openConversation(p.id)).toBeNull();
  });

  it("after an error outside a conversation asks for the message again and promises nothing else", async () => {
    const p = await incharge();
    h.api.failNext("sendMessage", { error_code: 400, description: "Bad Request: message is too long" });
    await run(p, [{ text: "/me" }]);
    expect(p.lastText()).toContain("was not handled");
  });
});
