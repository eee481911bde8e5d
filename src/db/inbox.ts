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
// - already seen, and already in inbox_updates: in hand elsewhere (or left by a crash, for leftOver()).
// A crash between the two inserts leaves the update in inbox_updates only: the next start handles it.
import type { Update } from "grammy/types";
import { trusted } from "mongoose";
import { bulkWriteErrors, isDuplicateKey, onlyDuplicateKeys } from "./duplicateKey.js";
import type { Models } from "./models/index.js";

export interface Inbox {
  /** Stores updates not stored yet; returns those that are new (a second delivery of one is left out). */
  save(updates: readonly Update[]): Promise<Update[]>;
  done(updateId: number): Promise<void>;
  /** What was stored and never handled (a crash), oldest first. */
  leftOver(): Promise<Update[]>;
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
      if (!updates.length) return [];
      const receivedAt = now();
      const stored = await insertNew(
        InboxUpdate,
        updates.map((u) => ({ _id: u.update_id, update: JSON.stringify(u), receivedAt })),
      );
      const fresh = await insertNew(InboxSeen, updates.map((u) => ({ _id: u.update_id, receivedAt })));
      const late = updates.filter((_, i) => stored[i] && !fresh[i]).map((u) => u.update_id);
      if (late.length) await InboxUpdate.deleteMany({ _id: trusted({ $in: late }) });
      return updates.filter((_, i) => fresh[i]);
    },
    async done(updateId) {
      await InboxUpdate.deleteOne({ _id: updateId });
    },
    async leftOver() {
      const docs = await InboxUpdate.find({}).sort({ _id: 1 }).lean();
      return docs.map((d) => JSON.parse(d.update) as Update);
    },
    depth: () => InboxUpdate.estimatedDocumentCount(),
    async prune(before) {
      const result = await InboxSeen.deleteMany({ receivedAt: trusted({ $lt: before }) });
      return result.deletedCount;
    },
  };
}
