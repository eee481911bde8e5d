// Which reminder notices are due for an event at a given moment. Pure. Every notice has a key that names the event
// and (for those tied to a start time) the start it was computed for: a moved event gets fresh reminders for its
// new time and never the old ones again; a cancelled event gets none; a reported one gets no report request.
// The scheduler sends each key at most once (jobs/sendOnce.ts), so asking again is harmless.

export interface ReminderSettings {
  /** Reminders to the organiser this many hours before the start (e.g. [24, 2]). */
  hoursBefore: readonly number[];
  /** The report request, this many hours after the start. */
  reportRequestHoursAfter: number;
  /** Still unreported this many hours after the start: a second nudge to the organiser, and escalation. */
  escalationHoursAfter: number;
  /** A notice missed (downtime) is still sent this long after it fell due, if it still makes sense. */
  catchUpMs: number;
}

export interface ReminderEvent {
  id: string;
  startsAt: Date;
  status: "planned" | "cancelled";
  reported: boolean;
  /** When the start time was last set (registered or moved): a reminder due before then is not sent. */
  scheduledAt: Date;
}

export type Notice =
  | { kind: "before"; hours: number; eventId: string; key: string; dueAt: Date }
  | { kind: "report_request"; eventId: string; key: string; dueAt: Date }
  | { kind: "nudge"; eventId: string; key: string; dueAt: Date }
  /** The escalation: one message per state team member and cluster head; `keyFor` gives each recipient's key. */
  | { kind: "escalation"; eventId: string; key: string; dueAt: Date };

const HOUR = 60 * 60 * 1000;

export function escalationKey(eventId: string, telegramId: number): string {
  return `escalation:${eventId}:${telegramId}`;
}

/** The window of start times a scan must read to find every notice that can be due at `now`. */
export function scanWindow(now: Date, s: ReminderSettings): { from: Date; to: Date } {
  const maxBefore = Math.max(0, ...s.hoursBefore);
  return {
    from: new Date(now.getTime() - s.escalationHoursAfter * HOUR - s.catchUpMs),
    to: new Date(now.getTime() + maxBefore * HOUR + 1),
  };
}

/** The notices due for `event` at `now`. */
export function dueNotices(event: ReminderEvent, now: Date, s: ReminderSettings): Notice[] {
  if (event.status !== "planned") return [];
  const start = event.startsAt.getTime();
  const t = now.getTime();
  const iso = event.startsAt.toISOString();
  const notices: Notice[] = [];

  // Before the start: only the latest reminder whose time has come (after downtime, "in 2 hours" replaces a stale
  // "tomorrow"); none once the event has started.
  const before = [...new Set(s.hoursBefore)].sort((a, b) => a - b); // nearest first
  if (t < start) {
    const hours = before.find((h) => start - h * HOUR <= t);
    // An event registered (or moved) 10 hours ahead gets its 2-hour reminder, not a "24 hours" one at once.
    if (hours !== undefined && start - hours * HOUR >= event.scheduledAt.getTime()) {
      notices.push({ kind: "before", hours, eventId: event.id, key: `reminder.${hours}h:${event.id}:${iso}`, dueAt: new Date(start - hours * HOUR) });
    }
  }
  if (event.reported) return notices;

  const requestAt = start + s.reportRequestHoursAfter * HOUR;
  const escalateAt = start + s.escalationHoursAfter * HOUR;
  // The report request, until the nudge replaces it.
  if (t >= requestAt && t < escalateAt && t < requestAt + s.catchUpMs) {
    notices.push({ kind: "report_request", eventId: event.id, key: `report.request:${event.id}:${iso}`, dueAt: new Date(requestAt) });
  }
  if (t >= escalateAt && t < escalateAt + s.catchUpMs) {
    notices.push({ kind: "nudge", eventId: event.id, key: `report.nudge:${event.id}:${iso}`, dueAt: new Date(escalateAt) });
    notices.push({ kind: "escalation", eventId: event.id, key: `escalation:${event.id}`, dueAt: new Date(escalateAt) });
  }
  return notices;
}
