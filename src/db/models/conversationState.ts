// Stored state of @grammyjs/conversations, in two collections so that no write ever updates a large document:
// - conversation_states: one small document per chat ("chat:<id>"): which log entry is current and which updates
//   were handled. Updated once per update.
// - conversation_logs: the plugin's replay logs (JSON text, often tens of kB), insert-only: each write of a chat's
//   state is a new entry, the head points to it, and entries no head points to are removed in batches by a job.
// On FerretDB's SQLite backend an update, even by _id, reads the whole collection (measured 13 ms at 10 documents
// of 30 kB, 79 ms at 1,000), while inserts and reads by _id stay flat (about 4 ms): keeping the large part
// insert-only is what makes a step's cost independent of how many conversations are open.
import { Schema } from "mongoose";

export interface ConversationStateDoc {
  /** "chat:<id>". */
  _id: string;
  /** The conversation_logs entry holding the current replay log; null once the conversation has finished. */
  logId: string | null;
  /** The last update ids handled in this chat while a conversation was stored: a redelivered update is skipped. */
  handledUpdateIds: number[];
  updatedAt: Date;
}

export interface ConversationLogDoc {
  /** "chat:<id>#<unique>". */
  _id: string;
  /** The plugin's VersionedState as JSON text (its replay log may hold keys and nested arrays MongoDB forbids). */
  value: string;
  at: Date;
}

export const conversationStateSchema = new Schema<ConversationStateDoc>(
  {
    _id: { type: String, required: true },
    logId: { type: String, default: null },
    handledUpdateIds: { type: [Number], default: [] },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
conversationStateSchema.index({ updatedAt: 1 });

export const conversationLogSchema = new Schema<ConversationLogDoc>(
  {
    _id: { type: String, required: true },
    value: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
conversationLogSchema.index({ at: 1 });
