// Conversation state in MongoDB: per chat a small head in conversation_states ("chat:<id>") pointing at the current
// replay log in conversation_logs (insert-only; see db/models/conversationState.ts for why). The plugin's replay log
// holds raw updates, whose inline keyboards are nested arrays (which FerretDB cannot store), so it is JSON text.
//
// Head and log are read once per update, each by _id (loadConversationRecord, before any other middleware needs
// them), and the plugin's storage adapter works from that read: never a scan. Every write also records the update's
// id, so a redelivered update (at-least-once polling, a crash between handling and confirming) is recognised and
// skipped instead of being taken as the answer to the next question. A finished conversation leaves the head with
// no log for the same reason; the idle-conversations job removes those heads, and logs no head points to, later.
import type { Context, MiddlewareFn } from "grammy";
import type { ConversationData, VersionedState, ConversationStorage } from "@grammyjs/conversations";
import { Types } from "mongoose";
import type { ConversationLogDoc, ConversationStateDoc, Models } from "../../db/models/index.js";

/**
 * Bump when a conversation's steps change so that stored replay logs no longer fit the code. People caught mid-way
 * are told to start again (see staleConversationGuard) instead of being dropped silently.
 */
export const CONVERSATION_VERSION = 1;

/** How many recent update ids a chat's document remembers (a redelivery after a crash is at most one batch). */
export const REMEMBERED_UPDATE_IDS = 50;

export function conversationKeyOf(ctx: Context): string | undefined {
  return ctx.chatId === undefined ? undefined : `chat:${ctx.chatId}`;
}

type Stored = VersionedState<ConversationData>;

/** A chat's head with the replay log it points to (value null: no conversation in progress). */
export type ConversationRecordDoc = ConversationStateDoc & { value: string | null };

/** What loadConversationRecord read for this update: the chat's head and log (null when none), under its key. */
export interface ConversationRecordFlavor {
  conversationRecord?: {
    key: string;
    doc: ConversationRecordDoc | null;
    /** A conversation was in progress when the update arrived (the error boundary says whether it was kept). */
    loadedWithConversation: boolean;
  };
}

type WithRecord = Context & ConversationRecordFlavor;

/** Reads the chat's conversation document once, for everything this update does with it. */
export function loadConversationRecord(models: Models): MiddlewareFn<WithRecord> {
  return async (ctx, next) => {
    const key = conversationKeyOf(ctx);
    if (key !== undefined) {
      const doc = await readConversationRecord(models, key);
      ctx.conversationRecord = { key, doc, loadedWithConversation: Boolean(doc?.value) };
    }
    await next();
  };
}

/** A chat's head and current log, each read by _id. */
export async function readConversationRecord(models: Models, key: string): Promise<ConversationRecordDoc | null> {
  const head = await models.ConversationState.findById(key).lean<ConversationStateDoc>();
  if (!head) return null;
  const log = head.logId ? await models.ConversationLog.findById(head.logId).lean<ConversationLogDoc>() : null;
  return { ...head, logId: head.logId ?? null, handledUpdateIds: head.handledUpdateIds ?? [], value: log?.value ?? null };
}

/** True when this chat's stored conversation has already taken this very update. */
export function alreadyHandled(ctx: WithRecord): boolean {
  return ctx.conversationRecord?.doc?.handledUpdateIds.includes(ctx.update.update_id) ?? false;
}

/** The stored version of this chat's conversation state: undefined when there is none. */
export function storedConversationVersion(ctx: WithRecord): string | number | undefined {
  const value = ctx.conversationRecord?.doc?.value;
  if (value === null || value === undefined) return undefined;
  try {
    return (JSON.parse(value) as Stored).version[1];
  } catch {
    return "unreadable";
  }
}

export function createConversationStorage<C extends WithRecord>(
  models: Models,
  now: () => Date,
): ConversationStorage<C, ConversationData> {
  const save = (ctx: C, value: string | null) => saveRecord(models, now, ctx, value);
  return {
    type: "context",
    version: CONVERSATION_VERSION,
    adapter: {
      read(ctx: C): Stored | undefined {
        const value = ctx.conversationRecord?.doc?.value;
        return value ? (JSON.parse(value) as Stored) : undefined;
      },
      write: (ctx: C, state: Stored) => save(ctx, JSON.stringify(state)),
      delete: (ctx: C) => save(ctx, null),
    },
  };
}

/**
 * Writes this chat's state (value null: finished): the log as a new entry (an insert), then the small head pointing
 * at it, adding this update to those it remembers. A crash between the two leaves an entry no head points to, which
 * the idle-conversations job removes.
 */
async function saveRecord(models: Models, now: () => Date, ctx: WithRecord, value: string | null): Promise<void> {
  const record = ctx.conversationRecord;
  if (!record) return;
  const at = now();
  let logId: string | null = null;
  if (value !== null) {
    logId = `${record.key}#${new Types.ObjectId().toHexString()}`;
    await models.ConversationLog.create({ _id: logId, value, at });
  }
  const handledUpdateIds = [...(record.doc?.handledUpdateIds ?? []), ctx.update.update_id].slice(-REMEMBERED_UPDATE_IDS);
  const fields = { logId, handledUpdateIds, updatedAt: at };
  await models.ConversationState.updateOne({ _id: record.key }, { $set: fields }, { upsert: true });
  record.doc = { _id: record.key, ...fields, value };
}

/** Ends this chat's conversation for good (an error inside it, an outdated version), remembering the update. */
export async function dropConversation(ctx: WithRecord, models: Models, now: () => Date): Promise<void> {
  if (!ctx.conversationRecord?.doc?.value) return;
  await saveRecord(models, now, ctx, null);
}

export { CONVERSATION_IDLE_MS } from "../../domain/conversations.js";
