// The durable inbox behind intake (telegram/poller.ts, telegram/webhook.ts): store received updates before
// confirming them to Telegram, forget them once handled, and list what a crash left behind. On the hot path: reads
// by _id, inserts, a chat's read on the small inbox_updates (indexed by chat) and one delete by _id per update.
//
// Two collections (db/models/inboxUpdate.ts): inbox_updates holds the updates in hand (small); inbox_seen every
// update_id received in the last days (pruned). save() first reads inbox_seen by _id and drops what was seen before
// (a redelivery: a re-fetch by the next poller, a webhook retried), then inserts the rest into inbox_updates, then
// into inbox_seen, whose unique _id decides, once across replicas, which call reports an update as new.
// A crash between the two inserts leaves the update in inbox_updates only: it is handled all the same.
//
// Who handles a stored update is decided by its chat's lease (telegram/dispatcher.ts, db/leases.ts), not by which
// call stored it: each stored update carries its chat's key, and the copy holding that chat's lease reads the
// chat's stored updates in update_id order (pendingOf), whichever copy stored them. pendingChats() is the sweep's
// list of chats with updates in hand, which finds what a crashed copy left.
//
// Two deliveries of one update at the same moment (to two replicas) both pass the read; one insert into
// inbox_updates wins, so it is stored once and handled once. (It is never removed as "late" on a lost race: that
// could remove the one stored copy while its twin reports it new.) The one window left: the second of the two
// stored just after the first was handled and removed, its chat's holder may handle it again, which the bot's
// already-handled guard makes harmless.
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
      await insertNew(
        InboxUpdate,
        updates.map((u) => ({ _id: u.update_id, update: JSON.stringify(u), chat: chatKeyOf(u), receivedAt })),
      );
      const fresh = await insertNew(InboxSeen, updates.map((u) => ({ _id: u.update_id, receivedAt })));
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
