// Conversation state in MongoDB (collection conversation_states), one document per chat. The plugin's replay log
// holds raw updates, whose inline keyboards are nested arrays (which FerretDB cannot store), so it is kept as JSON.
import type { Context } from "grammy";
import type { ConversationData, VersionedState, ConversationStorage } from "@grammyjs/conversations";
import type { Models } from "../../db/models/index.js";

/**
 * Bump when a conversation's steps change so that stored replay logs no longer fit the code. People caught mid-way
 * are told to start again (see staleConversationGuard) instead of being dropped silently.
 */
export const CONVERSATION_VERSION = 1;

export function conversationKeyOf(ctx: Context): string | undefined {
  return ctx.chatId === undefined ? undefined : `chat:${ctx.chatId}`;
}

type Stored = VersionedState<ConversationData>;

export function createConversationStorage<C extends Context>(
  models: Models,
  now: () => Date,
): ConversationStorage<C, ConversationData> {
  const { ConversationState } = models;
  return {
    type: "key",
    version: CONVERSATION_VERSION,
    getStorageKey: conversationKeyOf,
    adapter: {
      async read(key: string): Promise<Stored | undefined> {
        const doc = await ConversationState.findOne({ key }).lean();
        return doc ? (JSON.parse(doc.value) as Stored) : undefined;
      },
      async write(key: string, state: Stored): Promise<void> {
        await ConversationState.updateOne(
          { key },
          { $set: { value: JSON.stringify(state), updatedAt: now() } },
          { upsert: true },
        );
      },
      async delete(key: string): Promise<void> {
        await ConversationState.deleteOne({ key });
      },
    },
  };
}

/** Reads the stored version of a chat's conversation state: undefined when there is none. */
export async function storedConversationVersion(models: Models, key: string): Promise<string | number | undefined> {
  const doc = await models.ConversationState.findOne({ key }).lean();
  if (!doc) return undefined;
  try {
    return (JSON.parse(doc.value) as Stored).version[1];
  } catch {
    return "unreadable";
  }
}

/** A conversation left untouched this long ends; the next message starts afresh. */
export const CONVERSATION_IDLE_MS = 24 * 60 * 60 * 1000;
