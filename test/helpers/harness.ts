// A whole bot for tests: the real createBot over a per-test database (seeded with the real map), a LocalBotApi
// for Telegram, and a controllable clock. `person(...)` plays a Telegram user who types and taps.
import { Api, type Bot } from "grammy";
import { test } from "vitest";
import type { Message, User } from "grammy/types";
import { createBot } from "../../src/bot/index.js";
import type { BotContext, BotDeps } from "../../src/bot/context.js";
import type { Database } from "../../src/db/connection.js";
import { createI18n, type I18n } from "../../src/i18n.js";
import { createLogger } from "../../src/logger.js";
import type { Role } from "../../src/domain/roles.js";
import { createServices, type Services } from "../../src/services/index.js";
import type { LocalBotApi, TranscriptEntry } from "../../src/localBotApi/index.js";
import { openTestDatabase, type TestDatabase } from "./db.js";
import { openSeededTestDatabase } from "./seededDatabase.js";
import { botInfo, clientFor, drive, localApi, makeUser, token } from "./telegram.js";

export class TestClock {
  constructor(public current = new Date("2026-11-26T06:30:00Z")) {}
  now = (): Date => new Date(this.current);
  set(iso: string | Date): void {
    this.current = new Date(iso);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export interface Harness {
  db: TestDatabase;
  api: LocalBotApi;
  clock: TestClock;
  i18n: I18n;
  services: Services;
  bot: Bot<BotContext>;
  deps: BotDeps;
  /** A fresh Bot on its own connection to the same database, as after a restart. */
  restart(): Promise<{ bot: Bot<BotContext>; db: Database }>;
  person(id: number, opts?: Partial<Omit<User, "id" | "is_bot">>): TestPerson;
  /** The Bot API as the delivery worker gets it in the app: same local Bot API, without the bot's retrying client. */
  workerApi: Api;
  /** Milliseconds the bot chose to wait before calling Telegram again (429s, transient failures). */
  sleeps: number[];
  /** The stored replay log of this chat's conversation in progress, or null when none is. */
  openConversation(chatId: number): Promise<string | null>;
  /** Gives someone a role directly (as if they had redeemed an invite). */
  grant(id: number, role: Role, code: string, opts?: Partial<Omit<User, "id" | "is_bot">>): Promise<TestPerson>;
  close(): Promise<void>;
}

let i18nPromise: Promise<I18n> | undefined;

export async function createHarness(options: { seed?: boolean; label?: string; api?: LocalBotApi } = {}): Promise<Harness> {
  const label = options.label ?? "bot";
  // The map is seeded once per database and the database reused by the worker's next file (seededDatabase.ts).
  const db = options.seed === false ? await openTestDatabase(label) : await openSeededTestDatabase(label);
  // A LocalBotApi of the test's own, e.g. on a virtual clock (delivery tests measure rates from its call times).
  const api = options.api ?? localApi();
  const clock = new TestClock();
  const i18n = await (i18nPromise ??= createI18n());
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const sleeps: number[] = [];
  const build = (database: Database) => {
    const services = createServices({ models: database.models, now: clock.now });
    const deps: BotDeps = { services, i18n, logger, now: clock.now, timeZone: "Asia/Kolkata" };
    // Retries inside the bot wait on no clock in tests: the waits are recorded instead.
    const bot = createBot({ token, deps, botInfo, client: clientFor(api), resilience: { sleep: async (ms) => void sleeps.push(ms) } });
    return { services, deps, bot };
  };
  const { services, deps, bot } = build(db);
  const extraConnections: Database[] = [];

  const harness: Harness = {
    db,
    api,
    clock,
    i18n,
    services,
    bot,
    deps,
    async restart() {
      const { reopenTestDatabase } = await import("./db.js");
      const second = await reopenTestDatabase(db);
      extraConnections.push(second);
      return { bot: build(second).bot, db: second };
    },
    sleeps,
    workerApi: new Api(token, clientFor(api)),
    async openConversation(chatId) {
      const doc = await services.conversations.read(`chat:${chatId}`);
      return doc?.value ?? null;
    },
    person: (id, opts) => new TestPerson(harness, makeUser(id, opts)),
    async grant(id, role, code, opts) {
      const p = harness.person(id, opts);
      await services.people.touch(p.user);
      await services.people.grantRole(id, { role, code, grantedBy: null });
      return p;
    },
    async close() {
      for (const c of extraConnections) await c.close();
      await db.drop();
    },
  };
  return harness;
}

/**
 * `test` with a `harness` fixture: one whole bot (seeded map) per file, built for the first test or `beforeAll` that
 * asks for it and closed after the file's last test. Building it seeds 4,123 constituencies, so a file shares one;
 * its tests stay independent by each using people and events of their own. A file that needs other options (no
 * seed, its own LocalBotApi) calls createHarness itself.
 */
// eslint-disable-next-line no-empty-pattern -- vitest reads a fixture's dependencies from this pattern: none
export const testWithHarness = test.extend("harness", { scope: "file" }, async ({}, { onCleanup }) => {
  const harness = await createHarness();
  onCleanup(() => harness.close());
  return harness;
});

/** A Telegram user talking to the bot through the LocalBotApi. */
export class TestPerson {
  constructor(
    private readonly h: Harness,
    readonly user: User,
    private bot: { handleUpdate(u: never): Promise<unknown> } = h.bot as never,
  ) {}

  get id(): number {
    return this.user.id;
  }

  /** The same person, talking to another Bot instance (after a restart). */
  via(bot: Bot<BotContext>): TestPerson {
    return new TestPerson(this.h, this.user, bot as never);
  }

  async send(text: string): Promise<void> {
    this.h.api.sendUserMessage(this.user, text);
    await drive(this.h.api, this.bot as never);
  }

  async sendContent(content: Parameters<LocalBotApi["sendUserMessage"]>[1]): Promise<void> {
    this.h.api.sendUserMessage(this.user, content);
    await drive(this.h.api, this.bot as never);
  }

  /** Taps the button labelled `label` (exact, or a RegExp) on the newest bot message that has it. */
  async tap(label: string | RegExp): Promise<void> {
    const { message, data } = this.findButton(label);
    this.h.api.clickButton(this.user, message.message_id, data);
    await drive(this.h.api, this.bot as never);
  }

  /** Sends callback data of one's own choosing on a bot message (forged, or an old button). */
  async tapData(messageId: number, data: string): Promise<void> {
    this.h.api.clickButton(this.user, messageId, data, { force: true });
    await drive(this.h.api, this.bot as never);
  }

  findButton(label: string | RegExp): { message: Message; data: string } {
    const entries = this.transcript().filter((e) => e.from === "bot").reverse();
    for (const e of entries) {
      for (const row of e.message.reply_markup?.inline_keyboard ?? []) {
        for (const b of row) {
          const match = typeof label === "string" ? b.text === label : label.test(b.text);
          if (match && "callback_data" in b && b.callback_data) return { message: e.message, data: b.callback_data };
        }
      }
    }
    throw new Error(`No button ${String(label)} in the chat with ${this.id}. Last: ${this.lastText()}`);
  }

  transcript(): TranscriptEntry[] {
    return this.h.api.messages(this.id);
  }

  botTexts(): string[] {
    return this.transcript()
      .filter((e) => e.from === "bot")
      .map((e) => e.message.text ?? e.message.caption ?? "");
  }

  lastText(): string {
    const texts = this.botTexts();
    return texts[texts.length - 1] ?? "";
  }

  /** Labels of the buttons on the newest bot message. */
  lastButtons(): string[] {
    const last = this.transcript().filter((e) => e.from === "bot").at(-1);
    return (last?.message.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.text);
  }
}
