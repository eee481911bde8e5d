// The rollup as a Telegram message (HTML) and as a chart, in the reader's language. Used by the daily job
// (jobs/rollupJob.ts) and by /rollup (features/rollup.ts), so both say exactly the same thing. A text longer than
// Telegram's 4,096 characters (a national rollup with many long cluster names) is split into several messages at
// line ends by messages/split.ts, never cut inside a tag: rollupTexts, or the jobs' outbox for the daily one.
import { DateTime } from "luxon";
import { renderStateChart } from "../charts/stateChart.js";
import type { EscalatedEvent, EventLine, Rollup, RollupNames, SeatHolder } from "../domain/rollup/types.js";
import type { Translate } from "../i18n.js";
import { CAPTION_LIMIT, TEXT_LIMIT, splitHtml } from "./split.js";
import { escapeHtml } from "./html.js";
import { progressText, ROLLUP_PROGRESS_CAPS } from "./progress.js";

export interface Reader {
  t: Translate;
  names: RollupNames;
  zone: string;
}

const locale = (r: Reader) => (r.names.lang === "hi" ? "hi-IN" : "en-IN");
const num = (r: Reader, n: number) => new Intl.NumberFormat(locale(r)).format(n);
const percent = (covered: number, total: number) => (total > 0 ? Math.round((covered / total) * 100) : 0);

function fmtDate(r: Reader, day: string): string {
  return DateTime.fromISO(day, { zone: r.zone }).setLocale(locale(r)).toFormat("cccc, d LLLL yyyy");
}

function fmtWhen(r: Reader, at: Date): string {
  return DateTime.fromJSDate(at, { zone: r.zone }).setLocale(locale(r)).toFormat("d LLL, h:mm a");
}

/** List caps, largest first: the message is rebuilt with smaller lists until it fits in one message, if it can. */
const CAPS = [
  { pending: 15, uncovered: 40, upcoming: 10, sentBack: 10, vacancies: 40, escalated: 15 },
  { pending: 10, uncovered: 20, upcoming: 6, sentBack: 6, vacancies: 15, escalated: 10 },
  { pending: 5, uncovered: 10, upcoming: 3, sentBack: 3, vacancies: 8, escalated: 5 },
  { pending: 0, uncovered: 0, upcoming: 0, sentBack: 0, vacancies: 0, escalated: 0 },
];

/**
 * The whole rollup as one HTML text, which may exceed one message: with lists capped so that it fits in one if
 * that is possible; if not even empty lists would make it fit (the rows per cluster alone are too long), with the
 * longest lists, since it is split anyway. Send it with rollupTexts (or through the jobs' outbox, which splits).
 */
export function rollupText(rollup: Rollup, r: Reader): string {
  for (const caps of CAPS) {
    const text = build(rollup, r, caps);
    if (text.length <= TEXT_LIMIT) return text;
  }
  return build(rollup, r, CAPS[0]!);
}

/** The rollup as the messages to send, each ≤ 4,096 characters and valid HTML on its own. */
export function rollupTexts(rollup: Rollup, r: Reader): string[] {
  return splitHtml(rollupText(rollup, r), TEXT_LIMIT);
}

function build(rollup: Rollup, r: Reader, caps: (typeof CAPS)[number]): string {
  const { t } = r;
  const sections: string[] = [];
  const scopeName = rollup.scope.level === "country" ? t("rollup:country") : r.names.scope(rollup.scope);
  sections.push(
    [t("rollup:title", { scope: escapeHtml(scopeName) }), t("rollup:date", { date: fmtDate(r, rollup.day) })].join("\n"),
  );
  // Pace leads: on track, behind, not started, who is furthest behind, who has nothing planned (messages/progress.ts).
  if (rollup.pace && rollup.pace.length > 0) {
    // Shortened with the other lists when the message would not fit in one.
    const paceCaps = caps === CAPS[0] ? ROLLUP_PROGRESS_CAPS : { ...ROLLUP_PROGRESS_CAPS, behind: 3, idle: 3 };
    sections.push(progressText(rollup.pace, r, paceCaps));
  }

  // Today
  const today = rollup.today;
  const todayLines = [t("rollup:today.header")];
  if (today.held === 0 && today.later === 0) todayLines.push(t("rollup:today.none"));
  else todayLines.push(t("rollup:today.held", { held: num(r, today.held), reported: num(r, today.reported) }));
  if (today.later > 0) todayLines.push(t("rollup:today.later", { count: today.later }));
  if (today.cancelled > 0) todayLines.push(t("rollup:today.cancelled", { count: today.cancelled }));
  if (today.reported > 0) {
    todayLines.push(t("rollup:attendance.total", { total: num(r, today.attendance.total) }));
    const shown = new Set<string>();
    for (const c of r.names.categories) {
      const n = today.attendance.byCategory[c.key];
      if (n === undefined) continue;
      shown.add(c.key);
      todayLines.push(t("rollup:attendance.line", { category: escapeHtml(c.name), count: num(r, n) }));
    }
    for (const [key, n] of Object.entries(today.attendance.byCategory)) {
      if (!shown.has(key)) todayLines.push(t("rollup:attendance.line", { category: escapeHtml(key), count: num(r, n) }));
    }
    todayLines.push(t("rollup:attendance.line", { category: t("rollup:attendance.others"), count: num(r, today.attendance.unassigned) }));
  }
  sections.push(todayLines.join("\n"));

  // Pending reports
  const pendingLines: string[] = [];
  if (rollup.pending.length === 0) pendingLines.push(t("rollup:pending.none"));
  else {
    pendingLines.push(t("rollup:pending.header", { count: rollup.pending.length }));
    // Newest first: yesterday's missing report is the one still worth chasing today.
    const newest = [...rollup.pending].reverse();
    for (const p of newest.slice(0, caps.pending)) pendingLines.push(pendingLine(r, p));
    if (newest.length > caps.pending) pendingLines.push(t("rollup:more", { count: newest.length - caps.pending }));
  }
  sections.push(pendingLines.join("\n"));

  // The escalation ladder: what reached this level today, named with a tap to the seat's holder; earlier ones counted.
  const esc = rollup.escalated;
  if (esc && (esc.named.length > 0 || esc.earlier > 0)) {
    const lines: string[] = [];
    if (esc.named.length > 0) {
      lines.push(t("rollup:escalated.header", { days: esc.days, count: esc.named.length }));
      for (const e of esc.named.slice(0, caps.escalated)) lines.push(escalatedLine(r, e));
      if (esc.named.length > caps.escalated) lines.push(t("rollup:more", { count: esc.named.length - caps.escalated }));
      if (esc.earlier > 0) lines.push(t("rollup:escalated.earlier", { count: esc.earlier }));
    } else {
      lines.push(t("rollup:escalated.earlierOnly", { count: esc.earlier }));
    }
    sections.push(lines.join("\n"));
  }

  // Review: what the reviewers still have to check, what waits on authors, and how much of the figure is checked.
  const rv = rollup.review;
  const counted = rv.awaiting + rv.corrected + rv.sentBack.length + rv.approved;
  if (counted > 0) {
    const reviewLines = [
      t("rollup:review.header"),
      t("rollup:review.counts", { awaiting: num(r, rv.awaiting + rv.corrected), sentBack: num(r, rv.sentBack.length), approved: num(r, rv.approved) }),
      t("rollup:review.attendance", { approved: num(r, rv.attendanceApproved), total: num(r, rv.attendance), percent: percent(rv.attendanceApproved, rv.attendance) }),
    ];
    if (rv.flagged > 0) reviewLines.push(t("rollup:review.flagged", { count: rv.flagged }));
    if (rv.sentBack.length > 0) {
      reviewLines.push(t("rollup:review.sentBackHeader"));
      for (const b of rv.sentBack.slice(0, caps.sentBack)) {
        reviewLines.push(t("rollup:review.sentBackLine", { who: escapeHtml(r.names.person(b.submittedBy)), place: escapeHtml(r.names.place(b)) }));
      }
      if (rv.sentBack.length > caps.sentBack) reviewLines.push(t("rollup:more", { count: rv.sentBack.length - caps.sentBack }));
    }
    sections.push(reviewLines.join("\n"));
  }

  // Coverage
  const cov = rollup.coverage;
  const covLines = [t("rollup:coverage.header")];
  if (rollup.scope.level !== "country") {
    covLines.push(
      t("rollup:coverage.pcs", { covered: num(r, cov.pcsCovered), total: num(r, cov.pcsTotal), percent: percent(cov.pcsCovered, cov.pcsTotal) }),
    );
  }
  covLines.push(
    t("rollup:coverage.national", {
      covered: num(r, cov.national.pcsCovered),
      total: num(r, cov.national.pcsTotal),
      percent: percent(cov.national.pcsCovered, cov.national.pcsTotal),
    }),
  );
  if (cov.acsTotal > 0) covLines.push(t("rollup:coverage.acs", { covered: num(r, cov.acsCovered), total: num(r, cov.acsTotal) }));
  if (cov.uncoveredPcs.length === 0) covLines.push(t("rollup:coverage.allCovered"));
  else if (rollup.scope.level === "country") {
    // Hundreds of names help nobody nationally: the cluster rows below show where the gaps are.
    covLines.push(t("rollup:coverage.uncoveredCount", { count: num(r, cov.uncoveredPcs.length) }));
  } else {
    const names = cov.uncoveredPcs.slice(0, caps.uncovered).map((c) => escapeHtml(r.names.pc(c)));
    const more = cov.uncoveredPcs.length - names.length;
    covLines.push(
      t("rollup:coverage.uncovered", {
        count: cov.uncoveredPcs.length,
        list: names.length ? names.join(", ") + (more > 0 ? ` ${t("rollup:more", { count: more })}` : "") : t("rollup:more", { count: more }),
      }),
    );
  }
  sections.push(covLines.join("\n"));

  // By cluster (national)
  if (rollup.clusters.length > 0) {
    const lines = [t("rollup:clusters.header")];
    for (const c of rollup.clusters) {
      lines.push(
        t("rollup:clusters.line", {
          name: escapeHtml(r.names.cluster(c.key)),
          held: num(r, c.eventsToday),
          reported: num(r, c.reportsToday),
          attendance: num(r, c.attendanceToday),
          pending: num(r, c.pending),
          covered: num(r, c.pcsCovered),
          total: num(r, c.pcsTotal),
        }),
      );
    }
    sections.push(lines.join("\n"));
  }

  // Vacant seats, one line per state (most vacant Lok Sabha seats first): /gaps names them.
  if (rollup.vacancies.length > 0) {
    const lines = [t("rollup:vacancies.header")];
    for (const v of rollup.vacancies.slice(0, caps.vacancies)) {
      lines.push(
        t("rollup:vacancies.line", {
          state: escapeHtml(r.names.state(v.stateCode)),
          vacantPcs: num(r, v.vacantPcs),
          pcs: num(r, v.pcsTotal),
          vacantAcs: num(r, v.vacantAcs),
          acs: num(r, v.acsTotal),
        }),
      );
    }
    if (rollup.vacancies.length > caps.vacancies) lines.push(t("rollup:more", { count: rollup.vacancies.length - caps.vacancies }));
    sections.push(lines.join("\n"));
  }

  // Next three days
  const upLines: string[] = [];
  if (rollup.upcoming.length === 0) upLines.push(t("rollup:upcoming.none"));
  else {
    upLines.push(t("rollup:upcoming.header", { count: rollup.upcoming.length }));
    for (const u of rollup.upcoming.slice(0, caps.upcoming)) {
      upLines.push(
        t("rollup:upcoming.line", {
          when: escapeHtml(fmtWhen(r, u.startsAt)),
          programme: escapeHtml(r.names.programme(u.programmeKey)),
          place: escapeHtml(r.names.place(u)),
        }),
      );
    }
    if (rollup.upcoming.length > caps.upcoming) upLines.push(t("rollup:more", { count: rollup.upcoming.length - caps.upcoming }));
  }
  sections.push(upLines.join("\n"));
  return sections.join("\n\n");
}

function pendingLine(r: Reader, p: EventLine): string {
  return r.t("rollup:pending.line", {
    who: escapeHtml(r.names.person(p.createdBy)),
    programme: escapeHtml(r.names.programme(p.programmeKey)),
    place: escapeHtml(r.names.place(p)),
    when: escapeHtml(fmtWhen(r, p.startsAt)),
  });
}

/** A person by name, a tap away: with their @username, or as a tg:// link that opens their chat. */
function contact(h: SeatHolder): string {
  return h.username ? `${escapeHtml(h.name)} (@${escapeHtml(h.username)})` : `<a href="tg://user?id=${h.telegramId}">${escapeHtml(h.name)}</a>`;
}

function escalatedLine(r: Reader, e: EscalatedEvent): string {
  const holders = e.holders.length
    ? e.holders.map(contact).join(", ")
    : r.t("rollup:escalated.vacant", { who: `<a href="tg://user?id=${e.createdBy}">${escapeHtml(r.names.person(e.createdBy))}</a>` });
  return r.t("rollup:escalated.line", {
    programme: escapeHtml(r.names.programme(e.programmeKey)),
    place: escapeHtml(r.names.place(e)),
    when: escapeHtml(fmtWhen(r, e.startsAt)),
    seat: escapeHtml(r.t(`common:role.${e.seat.role}`)),
    holders,
  });
}

/** The chart: attendance and coverage by state. */
export function rollupChart(rollup: Rollup, r: Reader): Buffer {
  const { t } = r;
  const scopeName = rollup.scope.level === "country" ? t("rollup:country") : r.names.scope(rollup.scope);
  return renderStateChart({
    title: t("rollup:chart.title", { scope: scopeName }),
    subtitle: t("rollup:chart.subtitle", { date: fmtDate(r, rollup.day) }),
    legend: {
      attendanceToDate: t("rollup:chart.legend.toDate"),
      attendanceToday: t("rollup:chart.legend.today"),
      coverage: t("rollup:chart.legend.coverage"),
    },
    columns: { attendance: t("rollup:chart.columns.attendance"), coverage: t("rollup:chart.columns.coverage") },
    footer: t("rollup:chart.footer", {
      covered: num(r, rollup.coverage.national.pcsCovered),
      total: num(r, rollup.coverage.national.pcsTotal),
    }),
    locale: locale(r),
    othersLabel: (count) => t("rollup:chart.others", { count }),
    emptyLabel: (count) => t("rollup:chart.empty", { count }),
    // The chart keeps the states with data, largest attendance first (charts/stateChart.ts chartRows).
    rows: rollup.byState.map((s) => ({
      label: r.names.state(s.stateCode),
      attendanceToDate: s.attendanceToDate,
      attendanceToday: s.attendanceToday,
      pcsCovered: s.pcsCovered,
      pcsTotal: s.pcsTotal,
    })),
  });
}

/**
 * The photo's caption (≤ 1,024 characters): the scope's name and the date. Names are at most 64 characters, so it
 * always fits; were it ever longer, it is split at a safe boundary and the first part kept (the text says it all).
 */
export function rollupCaption(rollup: Rollup, r: Reader): string {
  const scopeName = rollup.scope.level === "country" ? r.t("rollup:country") : r.names.scope(rollup.scope);
  const caption = r.t("rollup:chart.caption", { scope: escapeHtml(scopeName), date: fmtDate(r, rollup.day) });
  return splitHtml(caption, CAPTION_LIMIT)[0] ?? "";
}
