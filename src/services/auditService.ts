// Writes the audit log: every appointment, revocation, redemption and every refusal.
import type { Models } from "../db/models/index.js";
import type { AuditDoc } from "../db/models/audit.js";

export type AuditEntry = Omit<AuditDoc, "at"> & { at?: Date };

export interface AuditService {
  record(entry: AuditEntry): Promise<void>;
  /** Many entries in one write (a bulk action audits each thing it did). */
  recordMany(entries: readonly AuditEntry[]): Promise<void>;
  recent(filter?: { actorId?: number; action?: string }, limit?: number): Promise<AuditDoc[]>;
}

export function createAuditService(models: Models, now: () => Date): AuditService {
  return {
    async record(entry) {
      await models.Audit.create({ ...entry, at: entry.at ?? now() });
    },
    async recordMany(entries) {
      if (entries.length === 0) return;
      const at = now();
      await models.Audit.insertMany(entries.map((e) => ({ ...e, at: e.at ?? at })));
    },
    async recent(filter = {}, limit = 50) {
      const query: Record<string, unknown> = {};
      if (filter.actorId !== undefined) query.actorId = filter.actorId;
      if (filter.action !== undefined) query.action = filter.action;
      return models.Audit.find(query).sort({ at: -1 }).limit(limit).lean<AuditDoc[]>();
    },
  };
}
