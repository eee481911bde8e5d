// Loads the person behind the update and fixes the language to answer in. Runs on the outer bot (recording the
// person) and, read-only, as a plugin inside conversations, whose contexts are built fresh for every update they
// replay: those take the person the outer bot loaded for the update in hand (PeopleInHand), so one update reads its
// person once however long the conversation's replay log is.
import type { MiddlewareFn } from "grammy";
import type { Person } from "../../domain/people.js";
import { languageFromTelegram, isLanguage } from "../../i18n.js";
import { scopesOf } from "../../services/personService.js";
import type { AppContext, BotDeps } from "../context.js";
import { retryTransient } from "../conversations/retry.js";

/** The person of each update being handled, by Telegram id (one chat per person: updates of one person are in order). */
export type PeopleInHand = Map<number, Person | null>;

function setPerson(ctx: AppContext, deps: BotDeps, person: Person | null): void {
  ctx.deps = deps;
  ctx.person = person;
  ctx.scopes = scopesOf(person);
  const chosen = person?.language;
  ctx.lang = isLanguage(chosen) ? chosen : languageFromTelegram(ctx.from?.language_code);
  ctx.t = deps.i18n.t(ctx.lang);
}

/** How the outer bot reads (and records) the sender: one read, a write only when something changed. */
function touch(deps: BotDeps, from: NonNullable<AppContext["from"]>): Promise<Person> {
  // Retried like a conversation's own steps: a passing failure here would otherwise cost the update in hand.
  return retryTransient(() => deps.services.people.touch(from), deps.dbRetry);
}

/**
 * Starts the sender's read before the chat's conversation is read (both by _id, neither needs the other), so an
 * update waits for one round trip instead of two; enrich takes the result.
 */
export function readPersonAhead(deps: BotDeps): MiddlewareFn<AppContext> {
  return (ctx, next) => {
    const from = ctx.from;
    if (from && !from.is_bot) {
      const read = touch(deps, from);
      // Awaited by enrich; an update dropped before it (already handled) must not leave a failure unhandled.
      read.catch(() => {});
      ctx.personAhead = read;
    }
    return next();
  };
}

/** Outer bot: records who wrote (through readPersonAhead's read when it ran) and hands the person on. */
export function enrich(deps: BotDeps, inHand: PeopleInHand): MiddlewareFn<AppContext> {
  return async (ctx, next) => {
    const from = ctx.from;
    ctx.log = deps.logger.child({ updateId: ctx.update.update_id, userId: from?.id });
    const person = from && !from.is_bot ? await (ctx.personAhead ?? touch(deps, from)) : null;
    setPerson(ctx, deps, person);
    if (!from) return next();
    inHand.set(from.id, person);
    try {
      await next();
    } finally {
      inHand.delete(from.id);
    }
  };
}

/** Inside conversations: the same person, language and services, without reading the database again. */
export function enrichReplayed(deps: BotDeps, inHand: PeopleInHand): MiddlewareFn<AppContext> {
  return async (ctx, next) => {
    const from = ctx.from;
    ctx.log = deps.logger.child({ updateId: ctx.update.update_id, userId: from?.id });
    let person: Person | null = null;
    if (from && !from.is_bot) {
      person = inHand.has(from.id) ? inHand.get(from.id)! : await retryTransient(() => deps.services.people.get(from.id), deps.dbRetry);
    }
    setPerson(ctx, deps, person);
    await next();
  };
}
