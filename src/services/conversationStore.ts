// Where the bot's conversation state lives: per chat a small head in conversation_states ("chat:<id>") pointing at
// the current replay log in conversation_logs (insert-only; see db/models/conversationState.ts for why). Each read
// and write goes by _id. The bot's storage adapter (bot/conversations/storage.ts) works through this, never through
// the models.
import { Types } from "mongoose";
import type { ConversationLogDoc, ConversationStateDoc, Models } from "../db/models/index.js";

/** A chat's head with the replay log it points to (value null: no conversation in progress). */
export interface ConversationRecord {
  _id: string;
  logId: string | null;
  /** The updates this chat's state has taken, newest last (a redelivery is recognised by them). */
  handledUpdateIds: number[];
  updatedAt: Date;
  value: string | null;
}

export interface ConversationStore {
  /** A chat's head and current log, each read by _id; null when the chat has none. */
  read(key: string): Promise<ConversationRecord | null>;
  /**
   * Writes the chat's state (value null: finished): the log as a new entry (an insert), then the head pointing at
   * it with the update ids it remembers. A crash between the two leaves an entry no head points to, which the
   * idle-conversations job removes.
   */
  write(key: string, value: string | null, handledUpdateIds: number[]): Promise<ConversationRecord>;
}

/**
 * Characters of replay logs a store keeps in memory (about twice as many bytes): the chats active in the last
 * moments. A log entry is never changed once written (insert-only, under a fresh id each time), so a kept entry is
 * never stale, on any number of copies: the head names the entry to use, and an entry another copy wrote is simply
 * not kept here yet.
 */
export const LOG_CACHE_CHARS = 2_000_000;

/** The most recently read or written log entries, by id, up to a number of characters (least recently used go). */
function createLogCache(maxChars: number): { get(id: string): string | undefined; set(id: string, value: string): void } {
  const entries = new Map<string, string>();
  let chars = 0;
  return {
    get(id) {
      const value = entries.get(id);
      if (value !== undefined) {
        // Most recently used last.
        entries.delete(id);
        entries.set(id, value);
      }
      return value;
    },
    set(id, value) {
      if (value.length > maxChars) return;
      const had = entries.get(id);
      if (had !== undefined) {
        entries.delete(id);
        chars -= had.length;
      }
      entries.set(id, value);
      chars += value.length;
      for (const [oldest, kept] of entries) {
        if (chars <= maxChars) break;
        entries.delete(oldest);
        chars -= kept.length;
      }
    },
  };
}

export function createConversationStore(models: Models, now: () => Date, options: { logCacheChars?: number } = {}): ConversationStore {
  // The log a chat's last update wrote is what its next update reads: kept, it is not read back (the largest
  // document on the hot path, and one round trip of the four a step waits for).
  const logs = createLogCache(options.logCacheChars ?? LOG_CACHE_CHARS);
  async function readLog(logId: string): Promise<string | null> {
    const value = (await models.ConversationLog.findById(logId).lean<ConversationLogDoc>())?.value ?? null;
    if (value !== null) logs.set(logId, value);
    return value;
  }
  return {
    async read(key) {
      const head = await models.ConversationState.findById(key).lean<ConversationStateDoc>();
      if (!head) return null;
      const value = head.logId ? (logs.get(head.logId) ?? (await readLog(head.logId))) : null;
      return {
        _id: head._id,
        logId: head.logId ?? null,
        handledUpdateIds: head.handledUpdateIds ?? [],
        updatedAt: head.updatedAt,
        value,
      };
    },
    async write(key, value, handledUpdateIds) {
      const at = now();
      let logId: string | null = null;
      if (value !== null) {
        logId = `${key}#${new Types.ObjectId().toHexString()}`;
        await models.ConversationLog.create({ _id: logId, value, at });
        logs.set(logId, value);
      }
      const fields = { logId, handledUpdateIds, updatedAt: at };
      await models.ConversationState.updateOne({ _id: key }, { $set: fields }, { upsert: true });
      return { _id: key, ...fields, value };
    },
  };
}
