// Leases: who may do something that only one copy of the bot may do at a time (db/leases.ts). Two collections with
// this schema: `leases` (the poller's, `_id: "poller"`) and `inbox_chats` (one per chat whose updates a copy is
// handling right now, `_id` the chat's order key). Both hold only what is held now (a released lease is deleted),
// so they stay small: updates and deletes on them stay cheap on FerretDB, which reads the collection for those.
//
// A document is either a lease (`_id` = the key) or a takeover token (`_id` = "<key>~<nonce of the expired
// lease>~<n>"): the one insert of a token that succeeds decides which copy replaces an expired lease.
import { Schema } from "mongoose";

export interface LeaseDoc {
  _id: string;
  kind: "lease" | "takeover";
  /** The copy (process) holding it. */
  owner: string;
  /** Unique per acquisition: a renewal or release touches only the acquisition it belongs to. */
  nonce: string;
  /** Past this, the lease counts as abandoned (its owner died or hung) and another copy may take it. */
  expiresAt: Date;
}

export const leaseSchema = new Schema<LeaseDoc>(
  {
    _id: { type: String, required: true },
    kind: { type: String, enum: ["lease", "takeover"], required: true },
    owner: { type: String, required: true },
    nonce: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);
