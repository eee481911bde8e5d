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

export interface BotDeps {
  services: Services;
  i18n: I18n;
  logger: Logger;
  now: () => Date;
  timeZone: string;
  models: import("../db/models/index.js").Models;
}

export interface AppFlavor {
  deps: BotDeps;
  /** null for updates without a sender (channel posts). */
  person: Person | null;
  scopes: RoleScope[];
  lang: Language;
  t: Translate;
  log: Logger;
}

/** Context inside conversations (the plugin builds a fresh one per update; see bot/conversations/plugins.ts). */
export type AppContext = Context & AppFlavor & ConversationRecordFlavor;
/** Context outside conversations. */
export type BotContext = ConversationFlavor<AppContext>;
