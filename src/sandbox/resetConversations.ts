// The local Bot API keeps its chats in memory, so after a restart every demo chat is empty. A conversation stored
// half-way (say /newevent waiting for a date) would swallow the visitor's next message as an answer to a question
// they can no longer see: the sandbox ends those at start, as if each chat were new.
import { trusted } from "mongoose";
import type { Models } from "../db/models/index.js";
import type { DemoPerson } from "./demoPeople.js";

export async function resetDemoConversations(models: Models, people: readonly DemoPerson[]): Promise<number> {
  // Keys as conversationKeyOf (bot/conversations/storage.ts) builds them for a private chat: chat id = user id.
  const keys = people.map((p) => `chat:${p.user.id}`);
  const result = await models.ConversationState.deleteMany({ key: trusted({ $in: keys }) });
  return result.deletedCount;
}
