// Every update received from Telegram (by polling or a webhook), stored under its update_id before it is confirmed
// or answered: the unique _id is what makes a second delivery (a re-fetch after a crash, a webhook retried after a
// slow answer, the same update reaching two replicas) a no-op. Handled updates are kept (handledAt set) for a while
// so that a late redelivery is still recognised, then pruned (inbox.prune; FerretDB has no TTL indexes).
import { Schema } from "mongoose";

export interface InboxUpdateDoc {
  /** Telegram's update_id. */
  _id: number;
  /** The update as JSON text (inline keyboards are nested arrays, which FerretDB cannot store). */
  update: string;
  receivedAt: Date;
  /** Set once handled (or dropped as a flood); absent while in hand. */
  handledAt?: Date | null;
}

export const inboxUpdateSchema = new Schema<InboxUpdateDoc>(
  {
    _id: { type: Number, required: true },
    update: { type: String, required: true },
    receivedAt: { type: Date, required: true },
    handledAt: { type: Date, default: undefined },
  },
  { versionKey: false },
);
// What is still in hand (start-up, /readyz's inbox depth) is found by index, not by a scan of the kept ones.
inboxUpdateSchema.index({ handledAt: 1 });
// Pruning reads by age.
inboxUpdateSchema.index({ receivedAt: 1 });
