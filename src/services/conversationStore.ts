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

export function createConversationStore(models: Models, now: () => Date): ConversationStore {
  return {
    async read(key) {
      const head = await models.ConversationState.findById(key).lean<ConversationStateDoc>();
      if (!head) return null;
      const log = head.logId ? await models.ConversationLog.findById(head.logId).lean<ConversationLogDoc>() : null;
      return {
        _id: head._id,
        logId: head.logId ?? null,
        handledUpdateIds: head.handledUpdateIds ?? [],
        updatedAt: head.updatedAt,
        value: log?.value ?? null,
      };
    },
    async write(key, value, handledUpdateIds) {
      const at = now();
      let logId: string | null = null;
      if (value !== null) {
        logId = `${key}#${new Types.ObjectId().toHexString()}`;
        await models.ConversationLog.create({ _id: logId, value, at });
      }
      const fields = { logId, handledUpdateIds, updatedAt: at };
      await models.ConversationState.updateOne({ _id: key }, { $set: fields }, { upsert: true });
      return { _id: key, ...fields, value };
    },
  };
}
