// Progress and pace of the running phases as Telegram HTML, in the reader's language: /progress (features/progress.ts)
// and the top of the daily rollup (messages/rollup.ts) say the same. Short lines for a 360-pixel phone: one line of
// figures, one of statuses, then the few names that need action: the states (or seats) furthest behind, the clusters
// ranked (national), and the in-charges with nothing in the phase, a tap away.
import { DateTime } from "luxon";
import {
  furthestBehind,
  idleSeats,
  lineShare,
  rankClusters,
  seatsFurthestBehind,
  type AreaProgress,
  type ScopeProgress,
  type SeatProgress,
} from "../domain/plans/progress.js";
import type { SeatHolder } from "../domain/rollup/types.js";
import { escapeHtml } from "./html.js";
import type { Reader } from "./rollup.js";

export interface ProgressCaps {
  /** States, seats or clusters listed as furthest behind. */
  behind: number;
  /** In-charges named with nothing in the phase. */
  idle: number;
  /** Clusters ranked (national). */
  clusters: number;
  /** Seats listed one by one (a PC in-charge's ACs). */
  seats: number;
}

export const PROGRESS_CAPS: ProgressCaps = { behind: 5, idle: 10, clusters: 50, seats: 30 };
export const ROLLUP_PROGRESS_CAPS: ProgressCaps = { behind: 5, idle: 5, clusters: 50, seats: 10 };

const locale = (r: Reader) => (r.names.lang === "hi" ? "hi-IN" : "en-IN");
const num = (r: Reader, n: number) => new Intl.NumberFormat(locale(r)).format(n);
const fmtDay = (r: Reader, day: string) => DateTime.fromISO(day, { zone: r.zone }).setLocale(locale(r)).toFormat("d LLL");

/** A seat with its state, as every seat list names it: "Varanasi (77), Uttar Pradesh". */
function seatName(r: Reader, s: { code: string; stateCode: string }): string {
  return `${escapeHtml(r.names.pc(s.code))}, ${escapeHtml(r.names.state(s.stateCode))}`;
}

function contact(h: SeatHolder): string {
  return h.username ? `${escapeHtml(h.name)} (@${escapeHtml(h.username)})` : `<a href="tg://user?id=${h.telegramId}">${escapeHtml(h.name)}</a>`;
}

function statusLine(r: Reader, a: AreaProgress): string {
  return r.t("progress:statuses", {
    onTrack: num(r, a.counts.on_track),
    behind: num(r, a.counts.behind),
    notStarted: num(r, a.counts.not_started),
    vacant: num(r, a.counts.vacant),
  });
}

function seatLine(r: Reader, s: SeatProgress): string {
  return r.t("progress:seat", {
    icon: r.t(`progress:icon.${s.status}`),
    seat: seatName(r, s),
    status: r.t(`progress:status.${s.status}`),
    held: num(r, s.held),
    target: num(r, s.target),
    due: num(r, s.due),
    planned: num(r, s.planned),
  });
}

/** One phase in one scope. */
export function progressSection(sp: ScopeProgress, r: Reader, caps: ProgressCaps = PROGRESS_CAPS): string {
  const { t } = r;
  const p = sp.progress;
  const ph = p.phase;
  const dayNo = Math.floor(DateTime.fromISO(p.day).diff(DateTime.fromISO(ph.startDay), "days").days) + 1;
  const days = Math.floor(DateTime.fromISO(ph.endDay).diff(DateTime.fromISO(ph.startDay), "days").days) + 1;
  const lines = [
    t("progress:phase", { programme: escapeHtml(r.names.programme(ph.programmeKey)), level: t(`progress:level.${ph.level}`) }),
    t("progress:dates", { target: ph.target, from: fmtDay(r, ph.startDay), to: fmtDay(r, ph.endDay), day: dayNo, days }),
    t("progress:figures", { held: num(r, p.total.held), target: num(r, p.total.target), due: num(r, p.total.due), planned: num(r, p.total.planned) }),
  ];
  const seatScope = sp.scope.level === "pc" || sp.scope.level === "ac";
  if (seatScope) {
    for (const s of p.seats.slice(0, caps.seats)) lines.push(seatLine(r, s));
    if (p.seats.length > caps.seats) lines.push(t("rollup:more", { count: p.seats.length - caps.seats }));
    return lines.join("\n");
  }
  lines.push(statusLine(r, p.total));

  // Furthest behind: states for a country or cluster, seats for a state (the seat lists name their state).
  if (sp.scope.level === "state") {
    const behind = seatsFurthestBehind(p.seats, caps.behind);
    if (behind.length > 0) {
      lines.push(t("progress:behindSeats"));
      for (const s of behind) lines.push(seatLine(r, s));
    }
  } else {
    const behind = furthestBehind(p.states, caps.behind);
    if (behind.length > 0) {
      lines.push(t("progress:behindStates"));
      behind.forEach((a, i) =>
        lines.push(t("progress:area", { n: i + 1, name: escapeHtml(r.names.state(a.key)), owed: num(r, a.owed), held: num(r, a.held), due: num(r, a.due) })),
      );
    }
  }
  if (sp.scope.level === "country" && p.clusters.length > 0) {
    lines.push(t("progress:clusters"));
    const ranked = rankClusters(p.clusters);
    ranked.slice(0, caps.clusters).forEach((c, i) =>
      lines.push(
        t("progress:cluster", {
          n: i + 1,
          name: escapeHtml(r.names.cluster(c.key)),
          percent: Math.round(lineShare(c) * 100),
          owed: num(r, c.owed),
          onTrack: num(r, c.counts.on_track),
          seats: num(r, c.seats),
        }),
      ),
    );
    if (ranked.length > caps.clusters) lines.push(t("rollup:more", { count: ranked.length - caps.clusters }));
  }

  const idle = idleSeats(p);
  if (idle.length > 0) {
    lines.push(t("progress:idle", { count: idle.length }));
    for (const s of idle.slice(0, caps.idle)) {
      const who = s.holders.map((id) => sp.people.get(id)).filter((h): h is SeatHolder => h !== undefined);
      lines.push(t("progress:idleLine", { who: who.map(contact).join(", "), seat: seatName(r, s) }));
    }
    if (idle.length > caps.idle) lines.push(t("rollup:more", { count: idle.length - caps.idle }));
  }
  return lines.join("\n");
}

/** Every running phase of a scope, or a line saying none runs. */
export function progressText(list: readonly ScopeProgress[], r: Reader, caps: ProgressCaps = PROGRESS_CAPS): string {
  if (list.length === 0) return r.t("progress:none");
  return list.map((sp) => progressSection(sp, r, caps)).join("\n\n");
}
