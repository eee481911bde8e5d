// Writes the audit log (every appointment, revocation, redemption and every refusal) and reads it back, a page at a
// time, for /audit. Each entry also stores `refs`: the ids and codes its details name (an event, an invite, a
// directive, a seat, a person acted upon), so that "everything about this record" is one indexed query.
import type { Models } from "../db/models/index.js";
import type { AuditDoc } from "../db/models/audit.js";

export type AuditEntry = Omit<AuditDoc, "at" | "refs"> & { at?: Date };
/** A stored entry, as /audit shows it. */
export type AuditRecord = AuditDoc;

/** Keys of `details` whose values name a record (or a person acted upon), as written across the services. */
const REF_KEYS = ["eventId", "inviteId", "directiveId", "deliveryId", "reportId", "code", "key", "telegramId", "ownerId", "invitedBy", "to"] as const;

/** What /audit asks for: the latest entries, those by or about one person, or those about one record. */
export type AuditFilter = { kind: "all" } | { kind: "person"; telegramId: number } | { kind: "record"; ref: string };

export interface AuditPage {
  entries: AuditDoc[];
  /** Zero-based. */
  page: number;
  hasMore: boolean;
}

export interface AuditService {
  record(entry: AuditEntry): Promise<void>;
  /** Many entries in one write (a bulk action audits each thing it did). */
  recordMany(entries: readonly AuditEntry[]): Promise<void>;
  recent(filter?: { actorId?: number; action?: string }, limit?: number): Promise<AuditDoc[]>;
  /** Newest first, `size` per page. */
  page(filter: AuditFilter, page: number, size: number): Promise<AuditPage>;
}

export function refsOf(details: Record<string, unknown> | undefined): string[] {
  if (!details) return [];
  const out = new Set<string>();
  for (const key of REF_KEYS) {
    const v = details[key];
    if (typeof v === "string" && v.length > 0 && v.length <= 64) out.add(v);
    else if (typeof v === "number" && Number.isSafeInteger(v)) out.add(String(v));
  }
  return [...out];
}

/** The entry as written: its time, and its refs when its details name any. */
function stored(entry: AuditEntry, at: Date): AuditDoc {
  const refs = refsOf(entry.details);
  return { ...entry, at: entry.at ?? at, ...(refs.length ? { refs } : {}) } as AuditDoc;
}

export function createAuditService(models: Models, now: () => Date): AuditService {
  return {
    async record(entry) {
      await models.Audit.create(stored(entry, now()));
    },
    async recordMany(entries) {
      if (entries.length === 0) return;
      const at = now();
      await models.Audit.insertMany(entries.map((e) => stored(e, at)));
    },
    async recent(filter = {}, limit = 50) {
      const query: Record<string, unknown> = {};
      if (filter.actorId !== undefined) query.actorId = filter.actorId;
      if (filter.action !== undefined) query.action = filter.action;
      return models.Audit.find(query).sort({ at: -1, _id: -1 }).limit(limit).lean<AuditDoc[]>();
    },
    async page(filter, page, size) {
      const query =
        filter.kind === "person"
          ? { $or: [{ actorId: filter.telegramId }, { refs: String(filter.telegramId) }] }
          : filter.kind === "record"
            ? { refs: filter.ref }
            : {};
      const safePage = Math.max(0, Math.floor(page));
      // One more than a page tells whether there is a next one without counting the whole log. _id breaks ties
      // between entries written in the same millisecond, so pages never overlap.
      const docs = await models.Audit.find(query)
        .sort({ at: -1, _id: -1 })
        .skip(safePage * size)
        .limit(size + 1)
        .lean<AuditDoc[]>();
      return { entries: docs.slice(0, size), page: safePage, hasMore: docs.length > size };
    },
  };
}
