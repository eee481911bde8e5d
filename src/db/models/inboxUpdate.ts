// Updates fetched from Telegram and not yet handled. The poller confirms an update to Telegram only once it is
// stored here, and removes it when handled, so a crash loses nothing: at the next start what is left is handled.
// The collection holds only the updates in hand (tens), so removing by _id stays cheap even where deletes scan.
import { Schema } from "mongoose";

export interface InboxUpdateDoc {
  /** Telegram's update_id. */
  _id: number;
  /** The update as JSON text (inline keyboards are nested arrays, which FerretDB cannot store). */
  update: string;
  receivedAt: Date;
}

export const inboxUpdateSchema = new Schema<InboxUpdateDoc>(
  {
    _id: { type: Number, required: true },
    update: { type: String, required: true },
    receivedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

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
