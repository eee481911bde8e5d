// claimOnce: insert-wins, backed by the unique index on claims.key (see db/models/claim.ts for why not updates).
import type { Models } from "../db/models/index.js";
import type { ClaimDoc } from "../db/models/claim.js";

export type ClaimOutcome = { won: true } | { won: false; existing: ClaimDoc };

export interface Claims {
  claimOnce(key: string, owner: string, result?: Record<string, unknown>): Promise<ClaimOutcome>;
  /** Records what the winner produced, for later losers to read. */
  setResult(key: string, result: Record<string, unknown>): Promise<void>;
  get(key: string): Promise<ClaimDoc | null>;
  release(key: string): Promise<void>;
}

export function isDuplicateKey(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: number }).code === 11000;
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
