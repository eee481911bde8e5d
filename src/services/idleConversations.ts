// Ends conversations left waiting for an answer for a day: tells the person what was (not) saved and removes the
// stored state, once per state. The conversations plugin would also end such a conversation by itself, but only
// silently and only when the person writes again; this job makes the ending visible and clears the collection.
//
// Exactly once: each state is claimed under its key and last-write time (a unique claim), so two instances, or a
// job re-run after a crash, tell nobody twice; a conversation the person resumed meanwhile has a new write time and
// is left alone (the conditional delete finds nothing).
import { trusted } from "mongoose";
import type { ConversationStateDoc, Models } from "../db/models/index.js";
import { isLanguage, type I18n } from "../i18n.js";
import type { Logger } from "../logger.js";
import type { Claims } from "./claims.js";
import { CONVERSATION_IDLE_MS } from "../domain/conversations.js";

/**
 * A finished conversation's document only remembers which updates it took (so a redelivery is not applied twice);
 * redeliveries come within minutes, so after this long it goes.
 */
export const FINISHED_CONVERSATION_KEEP_MS = 60 * 60 * 1000;

export interface IdleNotice {
  /** Idempotency key, e.g. "conversation.idle:chat:42:2026-11-26T06:30:00.000Z". */
  key: string;
  chatId: number;
  /** HTML. */
  text: string;
}

export interface IdleConversationsDeps {
  models: Models;
  claims: Claims;
  i18n: I18n;
  logger: Logger;
  now: () => Date;
  /** Sends (or queues) the notice. An outbox's enqueue([notice]) fits, as does a direct bot.api.sendMessage. */
  notify(notice: IdleNotice): Promise<void>;
}

export interface IdleRunResult {
  ended: number;
  skipped: number;
}

/** Which conversations a stored state holds (its ids), and the stored plugin version; [] if unreadable. */
export function conversationIdsOf(value: string): string[] {
  try {
    const parsed = JSON.parse(value) as { state?: Record<string, unknown[]> };
    return Object.entries(parsed.state ?? {})
      .filter(([, states]) => Array.isArray(states) && states.length > 0)
      .map(([id]) => id);
  } catch {
    return [];
  }
}

/** Private chats only: a conversation key is "chat:<id>" (see bot/conversations/storage.ts). */
function chatIdOf(key: string): number | undefined {
  const m = /^chat:(-?\d+)$/.exec(key);
  return m ? Number(m[1]) : undefined;
}

/** Log entries younger than this are kept even when no head points to them yet (a write in progress). */
export const LOG_GRACE_MS = 5 * 60 * 1000;

/**
 * Removes replay-log entries no chat's head points to any more (every write of a conversation leaves the previous
 * entry behind: the log collection is insert-only on the hot path). One batch delete per run, instead of a delete per
 * update, because on FerretDB's SQLite backend every delete reads the whole collection.
 */
export async function pruneConversationLogs(models: Models, now: () => Date): Promise<number> {
  const before = new Date(now().getTime() - LOG_GRACE_MS);
  const live = new Set(
    (await models.ConversationState.find({ logId: trusted({ $ne: null }) }, { logId: 1 }).lean<{ logId: string }[]>()).map((h) => h.logId),
  );
  const old = await models.ConversationLog.find({ at: trusted({ $lt: before }) }, { _id: 1 }).limit(5_000).lean<{ _id: string }[]>();
  const dead = old.map((l) => l._id).filter((id) => !live.has(id));
  if (!dead.length) return 0;
  const res = await models.ConversationLog.deleteMany({ _id: trusted({ $in: dead }) });
  return res.deletedCount;
}

export async function endIdleConversations(
  deps: IdleConversationsDeps,
  options: { idleMs?: number; limit?: number; owner?: string } = {},
): Promise<IdleRunResult> {
  const { models, claims, i18n, logger, now } = deps;
  const idleMs = options.idleMs ?? CONVERSATION_IDLE_MS;
  const cutoff = new Date(now().getTime() - idleMs);
  await models.ConversationState.deleteMany({
    logId: null,
    updatedAt: trusted({ $lt: new Date(now().getTime() - FINISHED_CONVERSATION_KEEP_MS) }),
  });
  await pruneConversationLogs(models, now);
  // The updatedAt index keeps this a range read.
  const idle = await models.ConversationState.find({ updatedAt: trusted({ $lt: cutoff }), logId: trusted({ $ne: null }) })
    .sort({ updatedAt: 1 })
    .limit(options.limit ?? 500)
    .lean<ConversationStateDoc[]>();

  const result: IdleRunResult = { ended: 0, skipped: 0 };
  for (const doc of idle) {
    const updatedAt = new Date(doc.updatedAt);
    const key = `conversation.idle:${doc._id}:${updatedAt.toISOString()}`;
    const claim = await claims.claimOnce(key, options.owner ?? "idle-job");
    if (!claim.won) {
      result.skipped++;
      continue;
    }
    const removed = await models.ConversationState.deleteOne({ _id: doc._id, updatedAt });
    // Its log goes with the next prune (nothing points to it now).
    if (removed.deletedCount !== 1) {
      // The person answered meanwhile: the conversation is alive again.
      result.skipped++;
      continue;
    }
    result.ended++;
    const chatId = chatIdOf(doc._id);
    if (chatId === undefined) continue;
    const person = chatId > 0 ? await models.Person.findById(chatId, { language: 1 }).lean<{ language?: string | null }>() : null;
    const t = i18n.t(isLanguage(person?.language) ? person.language : "hi");
    const log = doc.logId ? await models.ConversationLog.findById(doc.logId).lean<{ value: string }>() : null;
    const ids = conversationIdsOf(log?.value ?? "");
    const lines = ids.map((id) => t(`events:idle.${id}`, { defaultValue: t("events:idle.other") }));
    const text = `${t("events:idle.title")}\n\n${(lines.length ? lines : [t("events:idle.other")]).join("\n")}`;
    try {
      await deps.notify({ key, chatId, text });
    } catch (err) {
      // Blocked bot or a network failure: the state is gone either way, and the claim keeps us from retrying forever.
      logger.warn({ err, chatId }, "could not tell the person their conversation ended");
    }
  }
  if (result.ended) logger.info(result, "ended idle conversations");
  return result;
}
