// Conversation state in MongoDB (collection conversation_states), one document per chat keyed by "chat:<id>". The
// plugin's replay log holds raw updates, whose inline keyboards are nested arrays (which FerretDB cannot store), so
// it is kept as JSON text.
//
// The document is read once per update, by _id (loadConversationRecord, before any other middleware needs it), and
// the plugin's storage adapter works from that read: one read per update, never a scan. Every write also records the
// update's id, so a redelivered update (at-least-once polling, a crash between handling and confirming) is
// recognised and skipped instead of being taken as the answer to the next question. A finished conversation leaves
// the document with value null for the same reason; the idle-conversations job removes those after a while.
import type { Context, MiddlewareFn } from "grammy";
import type { ConversationData, VersionedState, ConversationStorage } from "@grammyjs/conversations";
import type { ConversationStateDoc, Models } from "../../db/models/index.js";

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

/** What loadConversationRecord read for this update: the chat's document (null when none), under its key. */
export interface ConversationRecordFlavor {
  conversationRecord?: {
    key: string;
    doc: ConversationStateDoc | null;
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
      const doc = await models.ConversationState.findById(key).lean<ConversationStateDoc>();
      ctx.conversationRecord = {
        key,
        doc: doc ? { ...doc, handledUpdateIds: doc.handledUpdateIds ?? [] } : null,
        loadedWithConversation: Boolean(doc?.value),
      };
    }
    await next();
  };
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

/** Writes this chat's document (value null: finished), adding this update to those it remembers. */
async function saveRecord(models: Models, now: () => Date, ctx: WithRecord, value: string | null): Promise<void> {
  const record = ctx.conversationRecord;
  if (!record) return;
  const handledUpdateIds = [...(record.doc?.handledUpdateIds ?? []), ctx.update.update_id].slice(-REMEMBERED_UPDATE_IDS);
  const fields = { value, handledUpdateIds, updatedAt: now() };
  await models.ConversationState.updateOne({ _id: record.key }, { $set: fields }, { upsert: true });
  record.doc = { _id: record.key, ...fields };
}

/** Ends this chat's conversation for good (an error inside it, an outdated version), remembering the update. */
export async function dropConversation(ctx: WithRecord, models: Models, now: () => Date): Promise<void> {
  if (!ctx.conversationRecord?.doc?.value) return;
  await saveRecord(models, now, ctx, null);
}

/** A conversation left untouched this long ends; the next message starts afresh. */
export const CONVERSATION_IDLE_MS = 24 * 60 * 60 * 1000;
