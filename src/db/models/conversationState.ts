// Stored state of @grammyjs/conversations (its replay log), one document per chat keyed by the chat ("chat:<id>"),
// in its own collection so that a restart or a second copy of the bot picks a conversation up where it was.
import { Schema } from "mongoose";

export interface ConversationStateDoc {
  /** "chat:<id>": read and written by _id, the one key every server answers without a scan. */
  _id: string;
  /**
   * The plugin's VersionedState, stored as JSON text (its replay log may hold keys that MongoDB forbids); null once
   * the conversation has finished: the document then only remembers which updates were handled (below).
   */
  value: string | null;
  /** The last update ids handled in this chat while a conversation was stored: a redelivered update is skipped. */
  handledUpdateIds: number[];
  updatedAt: Date;
}

export const conversationStateSchema = new Schema<ConversationStateDoc>(
  {
    _id: { type: String, required: true },
    value: { type: String, default: null },
    handledUpdateIds: { type: [Number], default: [] },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
conversationStateSchema.index({ updatedAt: 1 });
