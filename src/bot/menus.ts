// Each person's command menu (the "/" list of their chat with the bot) shows only what their roles let them use, in
// the language they chose: set per chat (setMyCommands, scope chat) when a role is granted or revoked and on
// /language, and checked at the start of every update against a hash of the menu last set, stored on the person. So
// a menu is sent only when it actually changes (a replayed update or a second instance finds the hash stored and
// sends nothing), and a change made while the bot was down, or by a deploy that changed the commands, reaches the
// person at their next message. Someone with no role and the language of their Telegram app keeps the default menus
// (commands.ts, set at start), which already are exactly theirs.
import { createHash } from "node:crypto";
import type { Api, MiddlewareFn } from "grammy";
import type { BotCommand } from "grammy/types";
import type { Person } from "../domain/people.js";
import type { RoleScope } from "../domain/roles.js";
import { isLanguage, languageFromTelegram, type I18n, type Language } from "../i18n.js";
import type { Logger } from "../logger.js";
import { scopesOf, type PersonService } from "../services/personService.js";
import { commandsFor } from "./commands.js";
import type { AppContext } from "./context.js";

export interface MenuDeps {
  i18n: I18n;
  services: { people: Pick<PersonService, "get" | "setMenuHash"> };
}

/** The commands a person with these roles can use, described in `lang`. */
export function menuOf(i18n: I18n, scopes: readonly RoleScope[], lang: Language): BotCommand[] {
  const t = i18n.t(lang);
  return commandsFor(scopes).map((c) => ({ command: c.command, description: t(`commands:${c.command}`) }));
}

/** A short fingerprint of a menu: what was set, in which language. */
export function menuHash(commands: readonly BotCommand[]): string {
  return createHash("sha256").update(JSON.stringify(commands)).digest("hex").slice(0, 16);
}

// Menus by language and set of roles, per set of texts: the same few menus are asked for on every update, and
// building one translates some twenty strings. Small: two languages times the role combinations people hold.
const caches = new WeakMap<I18n, Map<string, { commands: BotCommand[]; hash: string }>>();
function cachedMenu(i18n: I18n, scopes: readonly RoleScope[], lang: Language): { commands: BotCommand[]; hash: string } {
  let cache = caches.get(i18n);
  if (!cache) caches.set(i18n, (cache = new Map()));
  const key = `${lang}|${[...new Set(scopes.map((s) => s.role))].sort().join(",")}`;
  let menu = cache.get(key);
  if (!menu) {
    const commands = menuOf(i18n, scopes, lang);
    menu = { commands, hash: menuHash(commands) };
    if (cache.size > 256) cache.clear();
    cache.set(key, menu);
  }
  return menu;
}

/** The language a person reads: chosen with /language, else their Telegram app's. */
function languageOf(person: Pick<Person, "language">, clientLanguage: string | undefined): Language {
  return isLanguage(person.language) ? person.language : languageFromTelegram(clientLanguage);
}

/**
 * Sets the person's chat menu if it is not the one last set. `clientLanguage`: their Telegram app's language, when
 * known (an update of theirs); then a newcomer whose menu is the default one gets no menu of their own.
 */
export async function syncMenu(
  api: Api,
  deps: MenuDeps,
  log: Logger,
  person: Pick<Person, "telegramId" | "roles" | "language" | "menuHash">,
  clientLanguage?: string,
): Promise<"set" | "unchanged" | "failed"> {
  const scopes = scopesOf(person);
  const lang = languageOf(person, clientLanguage);
  const menu = cachedMenu(deps.i18n, scopes, lang);
  if (person.menuHash === menu.hash) return "unchanged";
  const isDefault = scopes.length === 0 && clientLanguage !== undefined && lang === languageFromTelegram(clientLanguage);
  if (!person.menuHash && isDefault) return "unchanged";
  try {
    await api.setMyCommands(menu.commands, { scope: { type: "chat", chat_id: person.telegramId } });
    await deps.services.people.setMenuHash(person.telegramId, menu.hash);
    return "set";
  } catch (err) {
    // Not stored: tried again at the person's next update. A menu never costs the update its answer.
    log.warn({ err, telegramId: person.telegramId }, "could not set the command menu of a chat");
    return "failed";
  }
}

/** The same, for someone whose roles another person just changed (read fresh). */
export async function syncMenuOf(api: Api, deps: MenuDeps, log: Logger, telegramId: number): Promise<"set" | "unchanged" | "failed"> {
  const person = await deps.services.people.get(telegramId).catch(() => null);
  if (!person) return "failed";
  return syncMenu(api, deps, log, person);
}

/** At the start of every update in a private chat: the person as just loaded, their menu set if it changed. */
export function menuSync(): MiddlewareFn<AppContext> {
  return async (ctx, next) => {
    if (ctx.person && ctx.chat?.type === "private" && ctx.chat.id === ctx.person.telegramId) {
      await syncMenu(ctx.api, ctx.deps, ctx.log, ctx.person, ctx.from?.language_code);
    }
    return next();
  };
}

/** After a change made in this update (a role taken with an invite, a language chosen): the person as stored now. */
export async function syncOwnMenu(ctx: AppContext): Promise<void> {
  if (!ctx.from || ctx.chat?.type !== "private") return;
  const person = await ctx.deps.services.people.get(ctx.from.id).catch(() => null);
  if (person) await syncMenu(ctx.api, ctx.deps, ctx.log, person, ctx.from.language_code);
}
