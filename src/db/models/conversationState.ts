// Stored state of @grammyjs/conversations (its replay log), one document per chat, in its own collection so
// that a restart or a second copy of the bot picks a conversation up where it was.
import { Schema } from "mongoose";

export interface ConversationStateDoc {
  key: string;
  /** The plugin's VersionedState, stored as JSON text: its replay log may hold keys that MongoDB forbids. */
  value: string;
  updatedAt: Date;
}

export const conversationStateSchema = new Schema<ConversationStateDoc>({
  key: { type: String, required: true, unique: true },
  value: { type: String, required: true },
  updatedAt: { type: Date, required: true },
});
conversationStateSchema.index({ updatedAt: 1 });
