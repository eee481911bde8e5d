// The reminder scan: every trigger reads the planned events whose notices can be due now (a start-time window, an
// indexed range) and queues each due notice under its key: reminders to the organiser before the start, the report
// request after it (with the button that opens /report for the event), and at 48 hours unreported a second nudge
// plus an escalation to the state team and cluster head of the event's state. Every scan covers everything due in
// the catch-up window, so one scan after downtime sends what was missed, once.
import { dueNotices, escalationKey, scanWindow, type Notice, type ReminderSettings } from "../domain/reminders.js";
import type { I18n } from "../i18n.js";
import type { Logger } from "../logger.js";
import type { EventService, EventView } from "../services/eventService.js";
import type { MapService } from "../services/mapService.js";
import type { Recipient, RecipientService } from "../services/recipientService.js";
import type { RollupNames, RollupService } from "../services/rollupService.js";
import { escapeHtml } from "../messages/html.js";
import { dateTimeText } from "../messages/time.js";
import { reportButtonData } from "../messages/buttons.js";
import type { Outbox, OutboxMessage } from "./outbox.js";
import { minutePeriod } from "./periods.js";
import type { JobDefinition } from "./runner.js";

export const REMINDER_JOB = "reminders";

export interface ReminderJobDeps {
  events: Pick<EventService, "listPlannedStartingBetween">;
  recipients: RecipientService;
  map: Pick<MapService, "listClusters">;
  rollups: Pick<RollupService, "labels">;
  i18n: I18n;
  outbox: Outbox;
  now: () => Date;
  zone: string;
  settings: ReminderSettings;
  logger: Logger;
  /** Events read and queued at a time (default SCAN_PAGE_SIZE). */
  pageSize?: number;
}

/** Events a scan reads at a time: enough that a normal scan is one read, few enough that a backlog stays small. */
export const SCAN_PAGE_SIZE = 500;

export function createReminderJob(deps: ReminderJobDeps): JobDefinition & { scan(): Promise<Record<string, number>> } {
  const { events: eventService, recipients, i18n, outbox, now, zone, settings, logger } = deps;
  // Keys this process has already handed to the outbox: later scans skip them without a database round trip.
  // (The outbox's unique keys are the real guard; this only saves work. Bounded: pruned to the scan window.)
  // Keyed with the event's organiser too: an event handed to a seat's new holder is looked at again, so a notice
  // still in its window reaches them (the old organiser's message keeps its key and is not queued twice).
  const queued = new Map<string, number>();
  const cacheKey = (notice: Notice, event: EventView) => `${notice.key}|${event.createdBy}`;

  async function scan(): Promise<Record<string, number>> {
    const at = now();
    const window = scanWindow(at, settings);
    for (const [key, t] of queued) if (t < window.from.getTime()) queued.delete(key);

    // A page of events at a time, each queued before the next is read: after downtime the window can hold many
    // thousands of due notices, and the process holds one page of them (its events, recipients and texts), not all.
    const counts: Record<string, number> = { events: 0, due: 0, queued: 0 };
    const limit = deps.pageSize ?? SCAN_PAGE_SIZE;
    let after: { startsAt: Date; id: string } | undefined;
    for (;;) {
      const events = await eventService.listPlannedStartingBetween(window.from, window.to, { after, limit });
      await queuePage(events, at, counts);
      if (events.length < limit) break;
      const last = events[events.length - 1]!;
      after = { startsAt: last.startsAt, id: last.id };
    }
    if (counts.queued! > 0) logger.info({ ...counts }, "reminders queued");
    return counts;
  }

  /** Queues the due notices of one page of events, adding what it did to `counts`. */
  async function queuePage(events: EventView[], at: Date, counts: Record<string, number>): Promise<void> {
    counts.events! += events.length;
    const due: { event: EventView; notice: Notice }[] = [];
    for (const event of events) {
      const notices = dueNotices(
        {
          id: event.id,
          startsAt: event.startsAt,
          status: event.status,
          reported: event.reportedAt != null,
          scheduledAt: event.updatedAt ?? event.createdAt ?? new Date(0),
        },
        at,
        settings,
      );
      for (const notice of notices) if (!queued.has(cacheKey(notice, event))) due.push({ event, notice });
    }
    if (due.length === 0) return;
    counts.due! += due.length;

    // Recipients: the current holders of each event's seat (people come and go; the seat stays) and whoever
    // registered it; for escalations also the PC in-charge of an AC event, the state teams and the cluster heads.
    const organisers = await recipients.byIds(due.map((d) => d.event.createdBy));
    const seatOf = (e: EventView) => (e.level === "ac" ? { role: "ac_incharge" as const, code: e.code } : { role: "pc_incharge" as const, code: e.code });
    const [pcSeats, acSeats] = await Promise.all([
      recipients.holdersOf("pc_incharge", [...new Set(due.map((d) => d.event.pcCode))]),
      recipients.holdersOf("ac_incharge", [...new Set(due.filter((d) => d.event.level === "ac").map((d) => d.event.code))]),
    ]);
    const holdersOfSeat = (e: EventView): Recipient[] => {
      const seat = seatOf(e);
      return (seat.role === "ac_incharge" ? acSeats : pcSeats).get(seat.code) ?? [];
    };
    const escalating = due.filter((d) => d.notice.kind === "escalation");
    const escalationStates = [...new Set(escalating.map((d) => d.event.stateCode))];
    const clusters = escalationStates.length
      ? (await deps.map.listClusters()).filter((c) => c.stateCodes.some((code) => escalationStates.includes(code)))
      : [];
    const [stateTeams, clusterHeads] = await Promise.all([
      recipients.holdersOf("state_team", escalationStates),
      recipients.holdersOf("cluster_head", clusters.map((c) => c.key)),
    ]);
    const escalationTo = (event: EventView): Recipient[] => {
      const cluster = clusters.find((c) => c.stateCodes.includes(event.stateCode));
      // An AC event unreported at 48 hours also reaches the in-charge of its Lok Sabha seat.
      const pcInCharge = event.level === "ac" ? (pcSeats.get(event.pcCode) ?? []) : [];
      const all = [...pcInCharge, ...(stateTeams.get(event.stateCode) ?? []), ...(cluster ? (clusterHeads.get(cluster.key) ?? []) : [])];
      // The organiser and the seat's holders get the nudge, not also the escalation.
      const seen = new Set<number>([event.createdBy, ...holdersOfSeat(event).map((r) => r.telegramId)]);
      return all.filter((r) => !seen.has(r.telegramId) && seen.add(r.telegramId));
    };

    const names = new Map<string, RollupNames>();
    const namesFor = async (lang: Recipient["lang"]) => {
      let n = names.get(lang);
      if (!n) {
        n = await deps.rollups.labels(lang, due.flatMap((d) => [d.event.createdBy, ...holdersOfSeat(d.event).map((r) => r.telegramId)]));
        names.set(lang, n);
      }
      return n;
    };

    const messages: OutboxMessage[] = [];
    const addressed: string[] = [];
    for (const { event, notice } of due) {
      const eventId = event.id;
      const recipients: { to: Recipient; key: string }[] = [];
      if (notice.kind === "escalation") {
        for (const to of escalationTo(event)) recipients.push({ to, key: escalationKey(eventId, to.telegramId) });
      } else {
        // Whoever registered the event keeps the notice's own key (as before seats were followed); anyone else (a
        // holder of the seat, or the new holder an event was handed to) gets it under a key of their own, so each
        // is told once: a handed-over event's notices reach the new organiser even if the old one already had them.
        const organiser = organisers.get(event.createdBy);
        const handedOver = event.registeredBy != null && event.registeredBy !== event.createdBy;
        if (organiser) recipients.push({ to: organiser, key: handedOver ? `${notice.key}:${event.createdBy}` : notice.key });
        for (const holder of holdersOfSeat(event)) {
          if (holder.telegramId !== event.createdBy) recipients.push({ to: holder, key: `${notice.key}:${holder.telegramId}` });
        }
      }
      for (const { to, key } of recipients) {
        const n = await namesFor(to.lang);
        const t = i18n.t(to.lang);
        const vars = {
          programme: escapeHtml(n.programme(event.programmeKey)),
          place: escapeHtml(n.place({ pcCode: event.pcCode, acCode: event.acCode ?? null })),
          when: escapeHtml(dateTimeText(to.lang, zone, event.startsAt, "cccc d LLL")),
          venue: escapeHtml(event.venue ?? ""),
          organiser: escapeHtml(n.person(event.createdBy)),
          count: settings.escalationHoursAfter,
        };
        const reportButton = [[{ text: t("reminders:reportButton"), callbackData: reportButtonData(eventId) }]];
        const base = { key, chatId: to.telegramId, refId: eventId, group: event.stateCode };
        switch (notice.kind) {
          case "before":
            messages.push({ ...base, purpose: "reminder", text: t("reminders:before", vars) });
            break;
          case "report_request":
            messages.push({ ...base, purpose: "reminder", text: t("reminders:reportRequest", vars), buttons: reportButton });
            break;
          case "nudge":
            messages.push({ ...base, purpose: "reminder", text: t("reminders:nudge", vars), buttons: reportButton });
            break;
          case "escalation":
            messages.push({ ...base, purpose: "escalation", text: t("reminders:escalation", vars) });
            break;
        }
      }
      counts[notice.kind] = (counts[notice.kind] ?? 0) + recipients.length;
      // A notice with nobody to tell yet (organiser blocked the bot, no state team appointed) is looked at again.
      if (recipients.length > 0) addressed.push(cacheKey(notice, event));
    }
    const fresh = await outbox.enqueue(messages);
    const dueAt = new Map(due.map((d) => [cacheKey(d.notice, d.event), d.notice.dueAt.getTime()]));
    for (const key of addressed) queued.set(key, dueAt.get(key)!);
    counts.queued! += fresh;
  }

  return {
    name: REMINDER_JOB,
    leaseMs: 5 * 60_000,
    duePeriods: (at) => [minutePeriod(at)],
    run: () => scan(),
    scan,
  };
}
