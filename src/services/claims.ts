// claimOnce: insert-wins, backed by the unique index on claims.key (see db/models/claim.ts for why not updates).
import type { Models } from "../db/models/index.js";
import type { ClaimDoc } from "../db/models/claim.js";
import { isDuplicateKey } from "../db/duplicateKey.js";

// Services have long imported the duplicate-key check from here; it lives in the db layer (delivery uses it too).
export { isDuplicateKey };

export type ClaimOutcome = { won: true } | { won: false; existing: ClaimDoc };

export interface Claims {
  claimOnce(key: string, owner: string, result?: Record<string, unknown>): Promise<ClaimOutcome>;
  /** Records what the winner produced, for later losers to read. */
  setResult(key: string, result: Record<string, unknown>): Promise<void>;
  get(key: string): Promise<ClaimDoc | null>;
  release(key: string): Promise<void>;
}

export function createClaims(models: Models, now: () => Date): Claims {
  const { Claim } = models;
  return {
    async claimOnce(key, owner, result) {
      try {
        await Claim.create({ key, owner, at: now(), result: result ?? null });
        return { won: true };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const existing = await Claim.findOne({ key }).lean<ClaimDoc>();
        if (!existing) throw err;
        return { won: false, existing };
      }
    },
    async setResult(key, result) {
      await Claim.updateOne({ key }, { $set: { result } });
    },
    get: (key) => Claim.findOne({ key }).lean<ClaimDoc>(),
    async release(key) {
      await Claim.deleteOne({ key });
    },
  };
}
