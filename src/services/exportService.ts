// Figures that leave Telegram: the events and the reports of one's area, and (national office) the audit log, as a
// spreadsheet (XLSX) or CSV. Rows carry codes and names, times in UTC ISO and in the programme's zone, so that a
// sheet can be checked against the rollups and joined with other data.
import { DateTime } from "luxon";
import { trusted } from "mongoose";
import type { Models } from "../db/models/index.js";
import { reviewerScopes } from "../domain/review.js";
import type { RoleScope } from "../domain/roles.js";
import { othersOf } from "../domain/events/index.js";
import { tableToCsv, tableToXlsx, type Table } from "./spreadsheet.js";

export const EXPORT_KINDS = ["events", "reports", "audit"] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];
export type ExportFormat = "xlsx" | "csv";

export type ExportTable = Table;
// The writers are shared with the bulk invite links.
export { tableToCsv, tableToXlsx };

export interface ExportService {
  /** The table of `kind` for the actor's area; the audit log for the national office only. */
  table(actor: { telegramId: number; scopes: RoleScope[] }, kind: ExportKind): Promise<{ ok: true; table: ExportTable } | { ok: false; reason: "no_role" }>;
}

/** How far back the audit export goes: the log grows with every tap, the sheet must stay openable. */
export const AUDIT_EXPORT_DAYS = 30;

export function createExportService(deps: {
  models: Models;
  now: () => Date;
  zone: string;
  statesInScope: (scopes: readonly RoleScope[]) => Promise<"all" | string[]>;
}): ExportService {
  const { models } = deps;
  const local = (d: Date | null | undefined) => (d ? DateTime.fromJSDate(d, { zone: deps.zone }).toFormat("yyyy-MM-dd HH:mm") : "");
  const iso = (d: Date | null | undefined) => (d ? d.toISOString() : "");
  return {
    async table(actor, kind) {
      if (reviewerScopes(actor.scopes).length === 0) return { ok: false, reason: "no_role" };
      if (kind === "audit") {
        if (!actor.scopes.some((s) => s.role === "national_admin")) return { ok: false, reason: "no_role" };
        const since = new Date(deps.now().getTime() - AUDIT_EXPORT_DAYS * 24 * 3600_000);
        const docs = await models.Audit.find({ at: trusted({ $gte: since }) }).sort({ at: 1 }).lean();
        return {
          ok: true,
          table: {
            columns: ["at_utc", "at_local", "actor_id", "action", "outcome", "reason", "details"],
            rows: docs.map((a) => [iso(a.at), local(a.at), a.actorId ?? "", a.action, a.outcome, a.reason ?? "", JSON.stringify(a.details ?? {})]),
          },
        };
      }
      const states = await deps.statesInScope(actor.scopes);
      const area = states === "all" ? {} : { stateCode: trusted({ $in: states }) };
      if (kind === "events") {
        const docs = await models.Event.find(area).sort({ startsAt: 1 }).lean();
        return {
          ok: true,
          table: {
            columns: ["event_id", "programme", "state", "pc", "ac", "starts_utc", "starts_local", "venue", "expected", "status", "registered_by", "reported_utc"],
            rows: docs.map((e) => [
              e._id.toHexString(),
              e.programmeKey,
              e.stateCode,
              e.pcCode,
              e.acCode ?? "",
              iso(e.startsAt),
              local(e.startsAt),
              e.venue,
              e.expectedAttendance,
              e.status ?? "planned",
              e.createdBy,
              iso(e.reportedAt),
            ]),
          },
        };
      }
      const [docs, categories] = await Promise.all([
        models.Report.find(area).sort({ eventStartsAt: 1 }).lean(),
        models.AttendeeCategory.find({}, { _id: 0, key: 1, order: 1 }).sort({ order: 1, key: 1 }).lean<{ key: string }[]>(),
      ]);
      const keys = categories.map((c) => c.key);
      return {
        ok: true,
        table: {
          columns: ["event_id", "programme", "state", "pc", "ac", "event_local", "total", ...keys, "others", "photos", "review_status", "version", "submitted_by", "submitted_utc"],
          rows: docs.map((r) => [
            r.eventId.toHexString(),
            r.programmeKey,
            r.stateCode,
            r.pcCode,
            r.acCode ?? "",
            local(r.eventStartsAt),
            r.total,
            ...keys.map((k) => r.counts?.[k] ?? 0),
            othersOf(r.total, r.counts ?? {}),
            (r.photos ?? []).length,
            r.reviewStatus ?? "submitted",
            r.version,
            r.submittedBy,
            iso(r.submittedAt),
          ]),
        },
      };
    },
  };
}
