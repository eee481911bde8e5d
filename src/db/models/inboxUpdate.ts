// Updates fetched from Telegram and not yet handled. The poller confirms an update to Telegram only once it is
// stored here, and removes it when handled, so a crash loses nothing: what is left is handled by whichever copy
// holds its chat's lease next (telegram/dispatcher.ts). The collection holds only the updates in hand (tens; a few
// thousand in a burst), so removing by _id and finding a chat's updates stay cheap even where those scan.
import { Schema } from "mongoose";

export interface InboxUpdateDoc {
  /** Telegram's update_id. */
  _id: number;
  /** The update as JSON text (inline keyboards are nested arrays, which FerretDB cannot store). */
  update: string;
  /** The key its chat's updates are ordered and leased by (db/inbox.ts chatKeyOf); absent on older documents. */
  chat?: string;
  receivedAt: Date;
}

export const inboxUpdateSchema = new Schema<InboxUpdateDoc>(
  {
    _id: { type: Number, required: true },
    update: { type: String, required: true },
    chat: { type: String },
    receivedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
// The holder of a chat's lease reads that chat's updates, oldest first.
inboxUpdateSchema.index({ chat: 1, _id: 1 });

// Every update_id received, kept for a while after it was handled (inbox.prune): the unique _id decides, once across
// replicas, that an update is new, so a late redelivery (a webhook retried after a slow answer, a re-fetch after a
// crash) is recognised and not handled again. Insert-only, like the outbox: on FerretDB every update or delete
// scans the collection, and this one is not small.
export interface InboxSeenDoc {
  _id: number;
  receivedAt: Date;
}

export const inboxSeenSchema = new Schema<InboxSeenDoc>(
  {
    _id: { type: Number, required: true },
    receivedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
inboxSeenSchema.index({ receivedAt: 1 });
