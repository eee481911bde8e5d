// Issue 13: "a text update delivered twice at a count step is taken as the answer to the next question". The same
// update (same update_id) delivered twice, one after the other and both at once, at /report's total and at a
// category's count: each number is taken once, the next question is still asked (not answered by the copy), and the
// report stores the numbers given. Twice: straight to the bot (its already-handled guard, for a redelivery that gets
// past intake, e.g. after a crash before the inbox forgot it), and through the real app's webhook and inbox.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InlineKeyboard } from "grammy";
import { trusted } from "mongoose";
import type { Update } from "grammy/types";
import { startApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { LocalBotApi } from "../../src/localBotApi/index.js";
import { createLogger } from "../../src/logger.js";
import { reportButtonData } from "../../src/messages/buttons.js";
import { createServices, type Services } from "../../src/services/index.js";
import { createHarness, type Harness } from "../helpers/harness.js";
import { botInfo, makeUser } from "../helpers/telegram.js";
import { waitUntil } from "../helpers/waitUntil.js";

const HOUR = 3600_000;
const EXPECTED_COUNTS = { "sufi-ulema": 30, intellectuals: 20, sports: 0, influential: 10, "women-beneficiaries": 40 };

/** A PC in-charge with an event that started two hours ago (waiting for its report). */
async function seatWithEvent(services: Services, now: Date, id: number, pc: string): Promise<string> {
  await services.people.touch({ id, first_name: "Imran", language_code: "en" } as never);
  await services.people.grantRole(id, { role: "pc_incharge", code: pc, grantedBy: null });
  const r = await services.events.create({
    actor: { telegramId: id, scopes: [{ role: "pc_incharge", level: "pc", code: pc }] },
    input: {
      programmeKey: "sneh-samvad",
      territory: { level: "pc", code: pc },
      startsAt: new Date(now.getTime() - 2 * HOUR),
      venue: "Lanka hall",
      location: null,
      expectedAttendance: 80,
      notes: "",
    },
    confirmKey: `dup:${id}`,
  });
  if (!r.ok) throw new Error(r.reason);
  return r.event.id;
}

/** The prompts of the count steps, in order, as the person saw them. */
const countPrompts = (texts: string[]) => texts.filter((t) => /How many (people came in total|of them were)/.test(t));

// One seeded database for both: the harness's, which the app below finds seeded (so neither seeds the map again).
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ label: "dupupdate" });
});
afterAll(async () => {
  await h.close();
});

describe("the same update twice at /report's count steps, straight to the bot", () => {

  it("takes each number once and never answers the next question with the copy", async () => {
    const id = 5_930_000_001;
    const p = h.person(id, { first_name: "Imran", language_code: "en" });
    h.api.addUser(p.user);
    const eventId = await seatWithEvent(h.services, h.clock.now(), id, "IN-UP:P77");
    await h.bot.api.sendMessage(id, "Please report", { reply_markup: new InlineKeyboard().text("📝 Report", reportButtonData(eventId)) });
    await p.tap("📝 Report");
    expect(p.lastText()).toContain("How many people came in total?");

    /** The person's message as one update, handled as often as Telegram (or a crash) delivers it. */
    const typed = (text: string): Update => {
      h.api.sendUserMessage(p.user, text);
      return h.api.nextUpdate()!;
    };
    const total = typed("120");
    await h.bot.handleUpdate(total);
    await h.bot.handleUpdate(total);
    expect(p.lastText()).toContain("How many of them were Sufi ulema?");
    const sufi = typed("30");
    await Promise.all([h.bot.handleUpdate(sufi), h.bot.handleUpdate(sufi)]);
    await h.bot.handleUpdate(sufi);
    expect(p.lastText()).toContain("Not yet counted: 90");

    await p.send("20");
    await p.tap("0");
    await p.send("10");
    await p.send("40");
    await p.tap(/^✅ Done/);
    await p.tap("Skip ⏭");
    expect(p.lastText()).toContain("Total: 120");
    await p.tap("✅ Confirm");
    expect(p.lastText()).toContain("✅ Report saved");

    // One prompt per count step: no copy answered a question it was not meant for.
    expect(countPrompts(p.botTexts())).toHaveLength(6);
    const report = await h.db.models.Report.findOne({ eventId }).lean();
    expect(report).toMatchObject({ total: 120, counts: EXPECTED_COUNTS, version: 1 });
    expect(await h.db.models.Report.countDocuments({ eventId })).toBe(1);
  });
});

describe("the same update twice at /report's count steps, through the webhook and the inbox", () => {
  const SECRET = `s3cret-${randomBytes(12).toString("hex")}`;
  const HOOK = "/telegram/hook";
  let api: LocalBotApi;
  let server: Awaited<ReturnType<LocalBotApi["listen"]>>;
  let app: Awaited<ReturnType<typeof startApp>>;

  beforeAll(async () => {
    const token = `${botInfo.id}:DUP-${randomBytes(12).toString("hex")}`;
    api = new LocalBotApi({ botInfo, token });
    server = await api.listen();
    const config = loadConfig({
      BOT_TOKEN: token,
      MONGODB_URI: `${h.db.uri.replace(/\/?$/, "/")}${h.db.dbName}`,
      BOT_API_ROOT: server.url,
      SCHEDULER_ENABLED: "false",
      HTTP_HOST: "127.0.0.1",
      WEBHOOK_URL: `https://bot.example.org${HOOK}`,
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_PORT: "0",
    });
    app = await startApp(config, createLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" }));
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    await server?.close();

  });

  it("stores each update once, takes each number once, and the report has the numbers given", async () => {
    const id = 5_930_000_002;
    const user = makeUser(id, { first_name: "Imran", language_code: "en" });
    api.addUser(user);
    const services = createServices({ models: app.db.models, now: () => new Date() });
    const eventId = await seatWithEvent(services, new Date(), id, "IN-UP:P78");

    const post = async (update: Update) => {
      const response = await fetch(`http://127.0.0.1:${app.http!.port}${HOOK}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
        body: JSON.stringify(update),
      });
      expect(response.status).toBe(200);
    };
    const texts = () => api.messages(id).filter((e) => e.from === "bot").map((e) => e.message.text ?? "");
    const expectLast = (what: string) => waitUntil(`"${what}"`, () => texts().at(-1)?.includes(what));
    const typed = (text: string) => {
      api.sendUserMessage(user, text);
      return api.nextUpdate()!;
    };
    const tap = (label: string | RegExp) => {
      const message = api.messages(id).filter((e) => e.from === "bot").reverse().map((e) => e.message)
        .find((m) => m.reply_markup?.inline_keyboard.flat().some((b) => (typeof label === "string" ? b.text === label : label.test(b.text))))!;
      const button = message.reply_markup!.inline_keyboard.flat().find((b) => (typeof label === "string" ? b.text === label : label.test(b.text)))!;
      api.clickButton(user, message.message_id, (button as { callback_data: string }).callback_data);
      return api.nextUpdate()!;
    };
    const inboxEmpty = () => waitUntil("the inbox to empty", async () => (await app.db.models.InboxUpdate.countDocuments({})) === 0);

    await app.bot.api.sendMessage(id, "Please report", { reply_markup: new InlineKeyboard().text("📝 Report", reportButtonData(eventId)) });
    await post(tap("📝 Report"));
    await expectLast("How many people came in total?");

    // Telegram sends the total again once the first was handled (it was unsure of our answer) ...
    const total = typed("120");
    await post(total);
    await expectLast("How many of them were Sufi ulema?");
    await inboxEmpty();
    await post(total);
    // ... and the first category's count twice at once, then once more.
    const sufi = typed("30");
    await Promise.all([post(sufi), post(sufi)]);
    await expectLast("Not yet counted: 90");
    await inboxEmpty();
    await post(sufi);

    // The rest once each, every step waiting for its own answer (the next count prompt, then the next question).
    const prompts = (n: number) => () => countPrompts(texts()).length === n;
    const shows = (what: string) => () => texts().at(-1)?.includes(what) ?? false;
    for (const [step, done] of [
      [() => typed("20"), prompts(4)],
      [() => tap("0"), prompts(5)],
      [() => typed("10"), prompts(6)],
      [() => typed("40"), shows("photos")],
      [() => tap(/^✅ Done/), shows("Anything to add")],
      [() => tap("Skip ⏭"), shows("Total: 120")],
      [() => tap("✅ Confirm"), shows("✅ Report saved")],
    ] as const) {
      await post(step());
      await waitUntil("the answer to the step", done);
    }
    await inboxEmpty();

    expect(countPrompts(texts())).toHaveLength(6);
    const report = await app.db.models.Report.findOne({ eventId }).lean();
    expect(report).toMatchObject({ total: 120, counts: EXPECTED_COUNTS, version: 1 });
    expect(await app.db.models.InboxSeen.countDocuments({ _id: trusted({ $in: [total.update_id, sufi.update_id] }) })).toBe(2);
  });
});
