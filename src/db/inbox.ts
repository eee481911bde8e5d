// The durable inbox behind intake (telegram/poller.ts, telegram/webhook.ts): store received updates before
// confirming them to Telegram, forget them once handled, and hand back what a crash left behind. Insert-only on the
// hot path (plus one delete by _id per update, on a collection that only holds the updates in hand).
//
// Two collections (db/models/inboxUpdate.ts): inbox_updates holds the updates in hand (small); inbox_seen every
// update_id received in the last days (pruned). save() inserts into the first, then the second; the unique _id of
// inbox_seen decides, once across replicas, which call handles an update:
// - new in inbox_seen: this call handles it;
// - already seen, and our inbox_updates insert went in: its earlier copy was handled and removed, so ours is a late
//   redelivery: removed again, not handled;
// - already seen, and already in inbox_updates: in hand elsewhere (or left by a crash).
// A crash between the two inserts leaves the update in inbox_updates only: it is handled all the same.
//
// Who handles a stored update is decided by its chat's lease (telegram/dispatcher.ts, db/leases.ts): each stored
// update carries its chat's key, and the copy holding that chat's lease reads the chat's stored updates in
// update_id order (pendingOf), whichever copy stored them. pendingChats() is the sweep's list of chats with updates
// in hand, which finds what a crashed copy left.
//
// A redelivery of an update already in inbox_seen is dropped before anything is inserted (a late copy would
// otherwise sit in inbox_updates, readable by its chat's holder, until recognised). The one window left: two
// deliveries of one update at the same moment, the second stored just after the first was handled; its chat's
// holder may then handle it again before it is removed, which the bot's already-handled guard makes harmless.
import type { Update } from "grammy/types";
import { trusted } from "mongoose";
import { bulkWriteErrors, isDuplicateKey, onlyDuplicateKeys } from "./duplicateKey.js";
import type { Models } from "./models/index.js";

/** The key updates are ordered and leased by: the chat, else the sender ("chat:<id>", "user:<id>", "none"). */
export function chatKeyOf(update: Update): string {
  const u = update as unknown as Record<string, { chat?: { id: number }; from?: { id: number }; message?: { chat?: { id: number } } } | undefined>;
  for (const part of Object.values(u)) {
    if (typeof part !== "object" || part === null) continue;
    const chat = part.chat?.id ?? part.message?.chat?.id;
    if (chat !== undefined) return `chat:${chat}`;
    if (part.from?.id !== undefined) return `user:${part.from.id}`;
  }
  return "none";
}

export interface Inbox {
  /** Stores updates not stored yet; returns those that are new (a second delivery of one is left out). */
  save(updates: readonly Update[]): Promise<Update[]>;
  done(updateId: number): Promise<void>;
  /** A chat's stored updates not handled yet, oldest first (at most `limit`). */
  pendingOf(chat: string, limit?: number): Promise<Update[]>;
  /** The chats with updates stored and not handled yet (the sweep's list). */
  pendingChats(): Promise<string[]>;
  /** Updates stored and not handled yet (the metrics' inbox depth). */
  depth(): Promise<number>;
  /** Forgets the update_ids received before `before` (handled long since); returns how many. */
  prune(before: Date): Promise<number>;
}

/** Inserts docs unordered; returns, for each, whether it went in (false: its _id was there already). */
async function insertNew(model: Models["InboxSeen"] | Models["InboxUpdate"], docs: readonly { _id: number }[]): Promise<boolean[]> {
  try {
    await (model as Models["InboxSeen"]).insertMany(docs as never[], { ordered: false });
    return docs.map(() => true);
  } catch (err) {
    if (!onlyDuplicateKeys(err)) throw err;
    const refused = bulkWriteErrors(err);
    if (!refused || refused.length === 0 || refused.some((w) => w.index < 0)) {
      // The driver did not say which were refused: a lone document's plain duplicate-key error is that document.
      if (docs.length === 1 && isDuplicateKey(err)) return [false];
      throw err;
    }
    const refusedAt = new Set(refused.map((w) => w.index));
    return docs.map((_, i) => !refusedAt.has(i));
  }
}

export function createInbox(models: Models, now: () => Date): Inbox {
  const { InboxUpdate, InboxSeen } = models;
  return {
    async save(updates) {
      // A redelivery of an update seen before (a re-fetch by the next poller, a webhook retry) is not stored again:
      // were its first copy handled and removed already, the copy stored here would be read by its chat's holder
      // and handled a second time before it could be recognised as late and removed. One read by _id each.
      const seen = await Promise.all(updates.map((u) => InboxSeen.exists({ _id: u.update_id })));
      updates = updates.filter((_, i) => seen[i] === null);
      if (!updates.length) return [];
      const receivedAt = now();
      const stored = await insertNew(
        InboxUpdate,
        updates.map((u) => ({ _id: u.update_id, update: JSON.stringify(u), chat: chatKeyOf(u), receivedAt })),
      );
      const fresh = await insertNew(InboxSeen, updates.map((u) => ({ _id: u.update_id, receivedAt })));
      const late = updates.filter((_, i) => stored[i] && !fresh[i]).map((u) => u.update_id);
      if (late.length) await InboxUpdate.deleteMany({ _id: trusted({ $in: late }) });
      return updates.filter((_, i) => fresh[i]);
    },
    async done(updateId) {
      await InboxUpdate.deleteOne({ _id: updateId });
    },
    async pendingOf(chat, limit = 1000) {
      const docs = await InboxUpdate.find({ chat }, { update: 1 }).sort({ _id: 1 }).limit(limit).lean();
      return docs.map((d) => JSON.parse(d.update) as Update);
    },
    async pendingChats() {
      const docs = await InboxUpdate.find({}, { chat: 1 }).lean();
      const chats = new Set<string>();
      for (const d of docs) {
        if (d.chat !== undefined && d.chat !== null) {
          chats.add(d.chat);
          continue;
        }
        // Stored before updates carried their chat: give it its key, so that its chat's holder finds it.
        const old = await InboxUpdate.findById(d._id, { update: 1 }).lean();
        if (!old) continue;
        const chat = chatKeyOf(JSON.parse(old.update) as Update);
        await InboxUpdate.updateOne({ _id: d._id }, { $set: { chat } });
        chats.add(chat);
      }
      return [...chats];
    },
    depth: () => InboxUpdate.estimatedDocumentCount(),
    async prune(before) {
      const result = await InboxSeen.deleteMany({ receivedAt: trusted({ $lt: before }) });
      return result.deletedCount;
    },
  };
}
