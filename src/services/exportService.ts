// Figures that leave Telegram: the events and the reports of one's area, and (national office) the audit log, as a
// spreadsheet (XLSX) or CSV. Rows carry codes and names, times in UTC ISO and in the programme's zone, so that a
// sheet can be checked against the rollups and joined with other data.
import { DateTime } from "luxon";
import { trusted } from "mongoose";
import type { Models } from "../db/models/index.js";
import { reviewerScopes } from "../domain/review.js";
import type { RoleScope } from "../domain/roles.js";
import { othersOf } from "../domain/events/index.js";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import type { AuditDoc } from "../db/models/audit.js";
import type { EventDoc } from "../db/models/event.js";
import type { ReportDoc } from "../db/models/report.js";
import type { Claims } from "./claims.js";
import type { DirectiveService } from "./directiveService.js";
import { mayDirect } from "../domain/directives.js";
import type { PersonDoc } from "../db/models/person.js";
import type { AcDoc, PcDoc, StateDoc } from "../db/models/territory.js";
import { streamCsv, streamXlsx, tableToCsv, tableToXlsx, type Cell, type Table } from "./spreadsheet.js";

export const EXPORT_KINDS = ["events", "reports", "seats", "directives", "audit"] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];
export type ExportFormat = "xlsx" | "csv";

export type ExportTable = Table;
// The writers are shared with the bulk invite links.
export { tableToCsv, tableToXlsx };

export interface ExportSheet {
  columns: string[];
  /** Read from a database cursor as the writer asks for them: the rows never sit in memory together. */
  rows: AsyncIterable<Cell[]>;
}

export type ExportBusy = { ok: false; reason: "busy" };

export interface ExportService {
  /** The sheet of `kind` for the actor's area; the audit log for the national office only. */
  sheet(actor: { telegramId: number; scopes: RoleScope[] }, kind: ExportKind): Promise<{ ok: true; sheet: ExportSheet } | { ok: false; reason: "no_role" }>;
  /**
   * Writes the sheet to `out` as XLSX (exceljs's streaming writer) or CSV, a row at a time; returns the rows written.
   * One export at a time per person: a second while the first runs is refused ("busy").
   */
  write(
    actor: { telegramId: number; scopes: RoleScope[] },
    kind: ExportKind,
    format: ExportFormat,
    out: Writable,
  ): Promise<{ ok: true; rows: number } | { ok: false; reason: "no_role" | "busy" }>;
  /** The whole sheet in memory (small areas, tests). */
  table(actor: { telegramId: number; scopes: RoleScope[] }, kind: ExportKind): Promise<{ ok: true; table: ExportTable } | { ok: false; reason: "no_role" }>;
}

/** How far back the audit export goes: the log grows with every tap, the sheet must stay openable. */
export const AUDIT_EXPORT_DAYS = 30;
/** An export lock older than this is from a crashed process (100,000 rows take well under a minute). */
export const EXPORT_LOCK_MS = 10 * 60_000;

export function createExportService(deps: {
  models: Models;
  now: () => Date;
  zone: string;
  claims: Claims;
  statesInScope: (scopes: readonly RoleScope[]) => Promise<"all" | string[]>;
  directives: Pick<DirectiveService, "deliveryRows">;
}): ExportService {
  const { models } = deps;
  const local = (d: Date | null | undefined) => (d ? DateTime.fromJSDate(d, { zone: deps.zone }).toFormat("yyyy-MM-dd HH:mm") : "");
  const iso = (d: Date | null | undefined) => (d ? d.toISOString() : "");

  async function* mapped<T>(cursor: AsyncIterable<T>, row: (doc: T) => Cell[]): AsyncIterable<Cell[]> {
    for await (const doc of cursor) yield row(doc);
  }

  async function sheet(actor: { telegramId: number; scopes: RoleScope[] }, kind: ExportKind): Promise<{ ok: true; sheet: ExportSheet } | { ok: false; reason: "no_role" }> {
    if (reviewerScopes(actor.scopes).length === 0) return { ok: false, reason: "no_role" };
    if (kind === "audit") {
      if (!actor.scopes.some((s) => s.role === "national_admin")) return { ok: false, reason: "no_role" };
      const since = new Date(deps.now().getTime() - AUDIT_EXPORT_DAYS * 24 * 3600_000);
      const cursor = models.Audit.find({ at: trusted({ $gte: since }) }).sort({ at: 1, _id: 1 }).lean<AuditDoc[]>().cursor();
      return {
        ok: true,
        sheet: {
          columns: ["at_utc", "at_local", "actor_id", "action", "outcome", "reason", "details"],
          rows: mapped(cursor, (a: AuditDoc) => [iso(a.at), local(a.at), a.actorId ?? "", a.action, a.outcome, a.reason ?? "", JSON.stringify(a.details ?? {})]),
        },
      };
    }
    if (kind === "directives") {
      if (!mayDirect(actor.scopes)) return { ok: false, reason: "no_role" };
      return { ok: true, sheet: directivesSheet(actor) };
    }
    const states = await deps.statesInScope(actor.scopes);
    const area = states === "all" ? {} : { stateCode: trusted({ $in: states }) };
    if (kind === "seats") return { ok: true, sheet: await seatsSheet(area) };
    if (kind === "events") {
      // A cursor in batches: the database hands over a thousand documents at a time, the writer takes them one by one.
      const cursor = models.Event.find(area).sort({ startsAt: 1, _id: 1 }).lean<EventDoc[]>().cursor({ batchSize: 1000 });
      return {
        ok: true,
        sheet: {
          columns: ["event_id", "programme", "state", "pc", "ac", "starts_utc", "starts_local", "venue", "expected", "status", "organiser", "registered_by", "reported_utc"],
          rows: mapped(cursor, (e: EventDoc) => [
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
            // The organiser is whoever holds the event now (a seat's new holder inherits it); registered_by who typed it in.
            e.createdBy,
            e.registeredBy ?? e.createdBy,
            iso(e.reportedAt),
          ]),
        },
      };
    }
    const categories = await models.AttendeeCategory.find({}, { _id: 0, key: 1, order: 1 }).sort({ order: 1, key: 1 }).lean<{ key: string }[]>();
    const keys = categories.map((c) => c.key);
    const cursor = models.Report.find(area).sort({ eventStartsAt: 1, _id: 1 }).lean<ReportDoc[]>().cursor({ batchSize: 1000 });
    return {
      ok: true,
      sheet: {
        columns: ["event_id", "programme", "state", "pc", "ac", "event_local", "total", ...keys, "others", "photos", "review_status", "version", "submitted_by", "submitted_utc"],
        rows: mapped(cursor, (r: ReportDoc) => [
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
  }

  /**
   * Every Lok Sabha and Vidhan Sabha seat of the area, a row each: who holds it (names, ids, usernames; several
   * holders in one cell), whether the bot can reach them, and whether an open link waits for it. Names in both
   * languages where the data has them (states; constituency names exist in English only).
   */
  async function seatsSheet(area: Record<string, unknown>): Promise<ExportSheet> {
    const [states, holders, open] = await Promise.all([
      models.State.find({}, { _id: 0, code: 1, name: 1, nameHi: 1 }).lean<StateDoc[]>(),
      models.Person.find({ "roles.role": trusted({ $in: ["pc_incharge", "ac_incharge"] }) }, { roles: 1, telegramId: 1, firstName: 1, lastName: 1, username: 1, blockedBotAt: 1 })
        // Holders of one seat in a fixed order (a database returns unsorted documents in any order it likes).
        .sort({ telegramId: 1 })
        .lean<PersonDoc[]>(),
      models.Invite.find({ role: trusted({ $in: ["pc_incharge", "ac_incharge"] }), usedBy: null, revokedAt: null, expiresAt: trusted({ $gt: deps.now() }) }, { _id: 0, role: 1, code: 1 }).lean<{ role: string; code: string }[]>(),
    ]);
    const stateOf = new Map(states.map((st) => [st.code, st]));
    const bySeat = new Map<string, PersonDoc[]>();
    for (const p of holders) {
      for (const g of p.roles) {
        if (g.role !== "pc_incharge" && g.role !== "ac_incharge") continue;
        const key = `${g.role}:${g.code}`;
        bySeat.set(key, [...(bySeat.get(key) ?? []), p]);
      }
    }
    const waiting = new Set(open.map((i) => `${i.role}:${i.code}`));
    const row = (role: "pc_incharge" | "ac_incharge", seat: { stateCode: string; code: string; no: number; name: string }, pcCode: string): Cell[] => {
      const people = bySeat.get(`${role}:${seat.code}`) ?? [];
      const state = stateOf.get(seat.stateCode);
      const status = people.length === 0 ? "vacant" : people.every((p) => p.blockedBotAt) ? "blocked" : people.every((p) => !p.firstName) ? "never_started" : "held";
      return [
        seat.stateCode,
        state?.name ?? "",
        state?.nameHi ?? "",
        role === "pc_incharge" ? "pc" : "ac",
        seat.code,
        seat.no,
        seat.name,
        pcCode,
        status,
        people.map((p) => [p.firstName, p.lastName].filter(Boolean).join(" ") || String(p.telegramId)).join("; "),
        people.map((p) => p.telegramId).join("; "),
        people.map((p) => (p.username ? `@${p.username}` : "")).filter(Boolean).join("; "),
        waiting.has(`${role}:${seat.code}`) ? "yes" : "no",
      ];
    };
    async function* rows(): AsyncIterable<Cell[]> {
      for await (const pc of models.Pc.find(area).sort({ stateCode: 1, no: 1 }).lean<PcDoc[]>().cursor({ batchSize: 1000 })) yield row("pc_incharge", pc, pc.code);
      for await (const ac of models.Ac.find(area).sort({ stateCode: 1, no: 1 }).lean<AcDoc[]>().cursor({ batchSize: 1000 })) yield row("ac_incharge", ac, ac.pcCode);
    }
    return {
      columns: ["state", "state_name", "state_name_hi", "level", "seat", "no", "seat_name", "pc", "status", "holders", "holder_ids", "holder_usernames", "open_invite"],
      rows: rows(),
    };
  }

  /** Every recipient of every directive the actor may see: delivery and acknowledgement, a row each. */
  function directivesSheet(actor: { telegramId: number; scopes: RoleScope[] }): ExportSheet {
    const audience = (a: { roles: string[]; area: { level: string; code: string }; people?: number[] }) =>
      `${a.roles.join("+")} @ ${a.area.level}${a.area.code ? `:${a.area.code}` : ""}${a.people ? ` (${a.people.length} picked)` : ""}`;
    return {
      columns: ["directive_id", "sent_utc", "sent_local", "sent_by", "audience", "text", "recipient_id", "cluster", "delivery", "reason", "delivered_utc", "acknowledged_utc", "acknowledged_local"],
      rows: mapped(deps.directives.deliveryRows(actor), (r) => [
        r.directiveId,
        iso(r.createdAt),
        local(r.createdAt),
        r.createdBy,
        audience(r.audience),
        r.text,
        r.telegramId,
        r.cluster ?? "",
        r.status,
        r.reason ?? "",
        iso(r.sentAt),
        iso(r.acknowledgedAt),
        local(r.acknowledgedAt),
      ]),
    };
  }

  /** One export per person at a time: an insert-wins claim, released when done, taken over when stale. */
  async function lock(telegramId: number): Promise<(() => Promise<void>) | null> {
    const key = `export:${telegramId}`;
    let claim = await deps.claims.claimOnce(key, "export");
    if (!claim.won && deps.now().getTime() - new Date(claim.existing.at).getTime() > EXPORT_LOCK_MS) {
      await deps.claims.release(key);
      claim = await deps.claims.claimOnce(key, "export");
    }
    return claim.won ? () => deps.claims.release(key) : null;
  }

  return {
    sheet,
    async write(actor, kind, format, out) {
      const opened = await sheet(actor, kind);
      // A refusal writes nothing: the stream is closed unwritten (the caller removes what it opened).
      if (!opened.ok) return (out.destroy(), opened);
      const release = await lock(actor.telegramId);
      if (!release) return (out.destroy(), { ok: false, reason: "busy" } satisfies ExportBusy);
      try {
        const rows = format === "xlsx" ? await streamXlsx(opened.sheet, kind, out) : await streamCsv(opened.sheet, out);
        if (format === "csv") out.end(); // the XLSX writer ends the stream itself
        await finished(out);
        return { ok: true, rows };
      } catch (err) {
        out.destroy();
        throw err;
      } finally {
        await release();
      }
    },
    async table(actor, kind) {
      const opened = await sheet(actor, kind);
      if (!opened.ok) return opened;
      const rows: Cell[][] = [];
      for await (const row of opened.sheet.rows) rows.push(row);
      return { ok: true, table: { columns: opened.sheet.columns, rows } };
    },
  };
}
