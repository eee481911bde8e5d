// The durable inbox behind intake (telegram/poller.ts, telegram/webhook.ts): store received updates before
// confirming them to Telegram, mark them once handled, and hand back what a crash left behind. Insert-only on the
// hot path (plus one update by _id per handled update). A second delivery of an update is refused by the unique _id,
// so save() tells the caller which updates are new: only those are handled, once, whichever replica got them.
import type { Update } from "grammy/types";
import { bulkWriteErrors, isDuplicateKey, onlyDuplicateKeys } from "./duplicateKey.js";
import type { Models } from "./models/index.js";
import { trusted } from "mongoose";

export interface Inbox {
  /** Stores updates not stored yet; returns those that were new (a second delivery of one is left out). */
  save(updates: readonly Update[]): Promise<Update[]>;
  done(updateId: number): Promise<void>;
  /** What was stored and never handled (a crash), oldest first. */
  leftOver(): Promise<Update[]>;
  /** Updates stored and not handled yet (the metrics' inbox depth). */
  depth(): Promise<number>;
  /** Forgets handled updates received before `before`; returns how many. */
  prune(before: Date): Promise<number>;
}

export function createInbox(models: Models, now: () => Date): Inbox {
  const { InboxUpdate } = models;
  return {
    async save(updates) {
      if (!updates.length) return [];
      const docs = updates.map((u) => ({ _id: u.update_id, update: JSON.stringify(u), receivedAt: now() }));
      try {
        await InboxUpdate.insertMany(docs, { ordered: false });
        return [...updates];
      } catch (err) {
        if (!onlyDuplicateKeys(err)) throw err;
        const refused = bulkWriteErrors(err);
        if (!refused || refused.length === 0 || refused.some((w) => w.index < 0)) {
          // The driver did not say which were refused: a lone update's plain duplicate-key error is that update.
          if (updates.length === 1) return [];
          throw err;
        }
        const refusedAt = new Set(refused.map((w) => w.index));
        return updates.filter((_, i) => !refusedAt.has(i));
      }
    },
    async done(updateId) {
      await InboxUpdate.updateOne({ _id: updateId }, { $set: { handledAt: now() } });
    },
    async leftOver() {
      const docs = await InboxUpdate.find({ handledAt: null }).sort({ _id: 1 }).lean();
      return docs.map((d) => JSON.parse(d.update) as Update);
    },
    depth: () => InboxUpdate.countDocuments({ handledAt: null }),
    async prune(before) {
      const result = await InboxUpdate.deleteMany({ receivedAt: trusted({ $lt: before }), handledAt: trusted({ $ne: null }) });
      return result.deletedCount;
    },
  };
}
