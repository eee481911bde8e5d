// The durable inbox behind the poller (telegram/poller.ts): store fetched updates before confirming them to
// Telegram, forget them once handled, and hand back what a crash left behind. Insert-only on the hot path (plus one
// delete by _id per update, on a collection that only holds the updates in hand).
import type { Update } from "grammy/types";
import { onlyDuplicateKeys } from "./duplicateKey.js";
import type { Models } from "./models/index.js";

export interface Inbox {
  /** Stores updates not stored yet (a second fetch of the same update is a no-op). */
  save(updates: readonly Update[]): Promise<void>;
  done(updateId: number): Promise<void>;
  /** What was stored and never handled (a crash), oldest first. */
  leftOver(): Promise<Update[]>;
}

export function createInbox(models: Models, now: () => Date): Inbox {
  const { InboxUpdate } = models;
  return {
    async save(updates) {
      if (!updates.length) return;
      const docs = updates.map((u) => ({ _id: u.update_id, update: JSON.stringify(u), receivedAt: now() }));
      await InboxUpdate.insertMany(docs, { ordered: false }).catch((err: unknown) => {
        if (!onlyDuplicateKeys(err)) throw err;
      });
    },
    async done(updateId) {
      await InboxUpdate.deleteOne({ _id: updateId });
    },
    async leftOver() {
      const docs = await InboxUpdate.find({}).sort({ _id: 1 }).lean();
      return docs.map((d) => JSON.parse(d.update) as Update);
    },
  };
}
