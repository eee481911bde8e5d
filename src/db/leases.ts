// Leases: one copy of the bot at a time does a thing (handles a chat's stored updates, polls Telegram), and a copy
// that dies loses it after `ttlMs`. Documents in db/models/lease.ts.
//
// Only inserts decide. On FerretDB 1.24 a conditional update or delete is not atomic (it finds, then writes by _id),
// so "take the lease if it has expired" cannot be one findOneAndUpdate. Instead:
// - acquire: insert {_id: key}. The one insert that succeeds holds the lease.
// - the key is taken and its lease has expired (a crashed owner): insert a takeover token
//   "<key>~<nonce of that lease>~1". The one copy whose token insert succeeds deletes the expired lease (by _id and
//   nonce) and inserts its own; every other taker of the same expired lease loses the token and backs off. A taker
//   that dies mid-way leaves a token that itself expires: the next taker tries "~2", then "~3".
// - renew: the owner moves expiresAt on (by _id and owner), then reads its leases back: a lease whose nonce is no
//   longer there was taken over, which only happens after it expired (its owner hung for longer than the lease).
// - release: delete by _id and nonce.
// The one unsafe window is an owner that hangs past its expiry and wakes during a takeover: the lease is then
// briefly held twice. The lease length must therefore be well above any pause (renewal runs every third of it).
import { randomBytes } from "node:crypto";
import { trusted, type Model } from "mongoose";
import { insertedNew } from "./duplicateKey.js";
import type { LeaseDoc } from "./models/lease.js";

export interface Lease {
  readonly key: string;
  readonly nonce: string;
  /** As last renewed. */
  expiresAt: Date;
  /** Taken over from an owner whose lease had expired (a crash), rather than acquired free. */
  readonly tookOver: boolean;
}

export interface Leases {
  /** This copy's id (the owner written into its leases). */
  readonly owner: string;
  readonly ttlMs: number;
  /** The clock expiries are read by (every copy's should agree to well within a lease). */
  now(): Date;
  /** The lease on `key`, or null when a live copy holds it (or is taking it over). */
  acquire(key: string): Promise<Lease | null>;
  /** Extends the leases; returns those that were lost (taken over after they expired). */
  renew(leases: readonly Lease[]): Promise<Lease[]>;
  release(lease: Lease): Promise<void>;
  /** Every lease held now, live or expired (the collection holds nothing else of size). */
  all(): Promise<LeaseDoc[]>;
  /** Forgets takeover tokens left by takers that died mid-way; returns how many. */
  pruneTokens(): Promise<number>;
}

/** Takeover tokens tried per expired lease before giving up until the sweep prunes them. */
const MAX_TAKEOVER_TOKENS = 3;

/** host:pid:random, unique per process (shows in the lease documents as their owner). */
export function newReplicaId(host: string, pid: number): string {
  return `${host}:${pid}:${randomBytes(3).toString("hex")}`;
}

export function createLeases(model: Model<LeaseDoc>, options: { owner: string; now: () => Date; ttlMs: number }): Leases {
  const { owner, now, ttlMs } = options;
  let counter = 0;
  const later = () => new Date(now().getTime() + ttlMs);

  const insert = (doc: LeaseDoc) => insertedNew(() => model.create(doc));

  async function takeOver(key: string, stale: LeaseDoc, nonce: string): Promise<Lease | null> {
    const tokens: string[] = [];
    for (let n = 1; n <= MAX_TAKEOVER_TOKENS; n++) {
      const tokenId = `${key}~${stale.nonce}~${n}`;
      if (!(await insert({ _id: tokenId, kind: "takeover", owner, nonce, expiresAt: later() }))) {
        const token = await model.findById(tokenId).lean<LeaseDoc>();
        if (token && token.expiresAt.getTime() > now().getTime()) return null; // another copy is taking it over
        continue;
      }
      tokens.push(tokenId);
      await model.deleteOne({ _id: key, nonce: stale.nonce });
      const expiresAt = later();
      const won = await insert({ _id: key, kind: "lease", owner, nonce, expiresAt });
      await model.deleteMany({ _id: trusted({ $in: tokens }) }).catch(() => {});
      // Not won: a copy acquired the key in the moment it was free (the stale owner had released it): theirs.
      return won ? { key, nonce, expiresAt, tookOver: true } : null;
    }
    return null;
  }

  return {
    owner,
    ttlMs,
    now,
    async acquire(key) {
      const nonce = `${owner}:${++counter}`;
      for (let attempt = 0; attempt < 3; attempt++) {
        const expiresAt = later();
        if (await insert({ _id: key, kind: "lease", owner, nonce, expiresAt })) return { key, nonce, expiresAt, tookOver: false };
        const current = await model.findById(key).lean<LeaseDoc>();
        if (!current) continue; // released in between: try again
        if (current.expiresAt.getTime() > now().getTime()) return null;
        return takeOver(key, current, nonce);
      }
      return null;
    },
    async renew(leases) {
      if (!leases.length) return [];
      const keys = leases.map((l) => l.key);
      const expiresAt = later();
      await model.updateMany({ _id: trusted({ $in: keys }), owner }, { $set: { expiresAt } });
      const docs = await model.find({ _id: trusted({ $in: keys }) }, { nonce: 1 }).lean<Pick<LeaseDoc, "_id" | "nonce">[]>();
      const nonces = new Map(docs.map((d) => [d._id, d.nonce]));
      const lost: Lease[] = [];
      for (const lease of leases) {
        if (nonces.get(lease.key) === lease.nonce) lease.expiresAt = expiresAt;
        else lost.push(lease);
      }
      return lost;
    },
    async release(lease) {
      await model.deleteOne({ _id: lease.key, nonce: lease.nonce });
    },
    all: () => model.find({ kind: "lease" }).lean<LeaseDoc[]>(),
    async pruneTokens() {
      const before = new Date(now().getTime() - ttlMs);
      const res = await model.deleteMany({ kind: "takeover", expiresAt: trusted({ $lt: before }) });
      return res.deletedCount;
    },
  };
}
