// The context every handler sees: who is writing (loaded from the database on every update, callbacks included),
// in which language to answer, and the services to call.
import type { Context } from "grammy";
import type { ConversationFlavor } from "@grammyjs/conversations";
import type { Person } from "../domain/people.js";
import type { RoleScope } from "../domain/roles.js";
import type { I18n, Language, Translate } from "../i18n.js";
import type { Logger } from "../logger.js";
import type { Services } from "../services/index.js";
import type { ConversationRecordFlavor } from "./conversations/storage.js";
import type { DbRetryOptions } from "./conversations/retry.js";

export interface BotDeps {
  services: Services;
  i18n: I18n;
  logger: Logger;
  now: () => Date;
  timeZone: string;
  /**
   * How database calls made for a conversation retry a passing failure (conversations/retry.ts). createBot fills in
   * the sleep of its `resilience` option, so tests that inject one never wait on the clock here either.
   */
  dbRetry?: DbRetryOptions;
}

export interface AppFlavor {
  deps: BotDeps;
  /** null for updates without a sender (channel posts). */
  person: Person | null;
  scopes: RoleScope[];
  lang: Language;
  t: Translate;
  log: Logger;
  /** The person's read, started before the conversation's so the two overlap (middleware/enrich.ts). */
  personAhead?: Promise<Person | null>;
}

/** Context inside conversations (the plugin builds a fresh one per update; see bot/conversations/plugins.ts). */
export type AppContext = Context & AppFlavor & ConversationRecordFlavor;
/** Context outside conversations. */
export type BotContext = ConversationFlavor<AppContext>;
