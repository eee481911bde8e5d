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
import { dateTimeText } from "./time.js";
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

function fmtShortDate(r: Reader, day: string): string {
  return DateTime.fromISO(day, { zone: r.zone }).setLocale(locale(r)).toFormat("d LLLL yyyy");
}

/** "25 Dec, 5:30 pm" / "25 दिस॰, शाम 5:30": the one clock formatter (messages/time.ts), so Hindi has no am/pm. */
function fmtWhen(r: Reader, at: Date): string {
  return dateTimeText(r.names.lang, r.zone, at, "d LLL");
}

/** A phone screen, as the head must fit it: at most this many lines of this many characters (wrapped at spaces). */
export const PHONE_SCREEN = { lines: 18, columns: 40 };

/** What a detail button opens: p pending reports, u seats without events, c clusters (national), d everything else. */
export type RollupDetail = "p" | "u" | "c" | "d";
export const ROLLUP_DETAIL_RE = /^ru:([pucd]):([A-Za-z0-9-]{1,40}):(\d{4}-\d{2}-\d{2})$/;

/** Lines listed per detail view before "…and N more" (a view may take several messages). */
const DETAIL_MAX = 60;

const scopeTitle = (rollup: Rollup, r: Reader) => {
  const scopeName = rollup.scope.level === "country" ? r.t("rollup:country") : r.names.scope(rollup.scope);
  return [r.t("rollup:title", { scope: escapeHtml(scopeName) }), r.t("rollup:date", { date: fmtDate(r, rollup.day) })].join("\n");
};

/** A seat with its state, as every seat list in the rollup names it: "Varanasi (77) (UP)". */
function withState(r: Reader, name: string, stateCode: string): string {
  return r.t("rollup:seatState", { seat: escapeHtml(name), state: escapeHtml(stateCode.replace(/^IN-/, "")) });
}

const toCheck = (rollup: Rollup) => rollup.review.awaiting + rollup.review.corrected;
const vacantPcs = (rollup: Rollup) => rollup.vacancies.reduce((n, v) => n + v.vacantPcs, 0);

/**
 * The rollup's first message, one phone screen (PHONE_SCREEN): the scope and day, the headline figures, and the
 * one or two things to do next. The lists are behind the buttons (rollupButtons), the escalated events in a second
 * message of the daily job (rollupEscalatedText).
 */
export function rollupText(rollup: Rollup, r: Reader): string {
  const { t } = r;
  const today = rollup.today;
  const cov = rollup.coverage;
  const figures: string[] = [];
  if (today.held === 0 && today.later === 0) figures.push(t("rollup:head.none"));
  else figures.push(t("rollup:head.today", { held: num(r, today.held), reported: num(r, today.reported) }));
  if (today.later > 0) figures.push(t("rollup:head.later", { count: today.later, n: num(r, today.later) }));
  if (today.reported > 0) figures.push(t("rollup:head.attendance", { total: num(r, today.attendance.total) }));
  figures.push(rollup.pending.count ? t("rollup:head.pending", { count: num(r, rollup.pending.count) }) : t("rollup:pending.none"));
  // The scope's own coverage (a cluster's or state's; the country's for the national office): the national figure
  // for a smaller scope is in "More details".
  if (rollup.scope.level !== "country") {
    figures.push(t("rollup:head.coverage", { covered: num(r, cov.pcsCovered), total: num(r, cov.pcsTotal), percent: percent(cov.pcsCovered, cov.pcsTotal) }));
  } else {
    figures.push(
      t("rollup:head.national", { covered: num(r, cov.national.pcsCovered), total: num(r, cov.national.pcsTotal), percent: percent(cov.national.pcsCovered, cov.national.pcsTotal) }),
    );
  }
  const esc = rollup.escalated;
  if (esc && esc.named.length > 0) figures.push(t("rollup:head.escalated", { count: esc.named.length, n: num(r, esc.named.length) }));
  else if (esc && esc.earlier > 0) figures.push(t("rollup:escalated.earlierOnly", { count: esc.earlier }));
  // Pace: the first running phase in one line (the rest in "More details", and /progress).
  const phase = rollup.pace?.[0];
  if (phase) {
    const p = phase.progress;
    figures.push(
      t("rollup:head.pace", { programme: escapeHtml(r.names.programme(p.phase.programmeKey)), held: num(r, p.total.held), target: num(r, p.total.target), behind: num(r, p.total.counts.behind) }),
    );
  }

  // What to do next, most urgent first: at most two.
  const next: string[] = [];
  if (esc && esc.named.length > 0) next.push(t("rollup:next.escalated", { count: esc.named.length }));
  if (rollup.pending.count > 0) next.push(t("rollup:next.pending", { count: rollup.pending.count, n: num(r, rollup.pending.count) }));
  if (rollup.review.flagged > 0) next.push(t("rollup:next.flagged", { count: rollup.review.flagged, n: num(r, rollup.review.flagged) }));
  if (toCheck(rollup) > 0) next.push(t("rollup:next.review", { count: toCheck(rollup), n: num(r, toCheck(rollup)) }));
  if (vacantPcs(rollup) > 0) next.push(t("rollup:next.vacant", { count: vacantPcs(rollup), n: num(r, vacantPcs(rollup)) }));
  if (cov.uncoveredPcs.length > 0) next.push(t("rollup:next.uncovered", { count: cov.uncoveredPcs.length, n: num(r, cov.uncoveredPcs.length) }));
  if (next.length === 0) next.push(t("rollup:next.nothing"));
  const scopeName = rollup.scope.level === "country" ? t("rollup:country") : r.names.scope(rollup.scope);
  const title = [t("rollup:head.title", { scope: escapeHtml(scopeName) }), t("rollup:head.date", { date: fmtShortDate(r, rollup.day) })].join("\n");
  return [title, figures.join("\n"), [t("rollup:next.header"), ...next.slice(0, 2)].join("\n")].join("\n\n");
}

/** The buttons under the first message: each opens one list, as of the moment it is tapped (ROLLUP_DETAIL_RE). */
export function rollupButtons(rollup: Rollup, r: Reader): { text: string; callbackData: string }[][] {
  const data = (kind: RollupDetail) => `ru:${kind}:${rollup.scope.code}:${rollup.day}`;
  if (data("d").length > 64) return []; // a cluster key too long for Telegram's 64 bytes: the lists are in /gaps
  const { t } = r;
  const lists: { text: string; callbackData: string }[] = [];
  if (rollup.pending.count > 0) lists.push({ text: t("rollup:button.pending", { n: num(r, rollup.pending.count) }), callbackData: data("p") });
  if (rollup.coverage.uncoveredPcs.length > 0) lists.push({ text: t("rollup:button.uncovered", { n: num(r, rollup.coverage.uncoveredPcs.length) }), callbackData: data("u") });
  const more: { text: string; callbackData: string }[] = [];
  if (rollup.clusters.length > 0) more.push({ text: t("rollup:button.clusters"), callbackData: data("c") });
  more.push({ text: t("rollup:button.details"), callbackData: data("d") });
  return [lists, more].filter((row) => row.length > 0);
}

/** The escalated events named today, with a tap to each seat's holder: the daily job's second message (or null). */
export function rollupEscalatedText(rollup: Rollup, r: Reader): string | null {
  const esc = rollup.escalated;
  if (!esc || esc.named.length === 0) return null;
  const lines = [r.t("rollup:escalated.header", { after: r.t("rollup:escalated.after", { count: esc.days }), count: esc.named.length, n: num(r, esc.named.length) })];
  for (const e of esc.named) lines.push(escalatedLine(r, e));
  if (esc.earlier > 0) lines.push(r.t("rollup:escalated.earlier", { count: esc.earlier }));
  return lines.join("\n");
}

/** A detail view as messages, each ≤ 4,096 characters and valid HTML on its own. */
export function rollupDetailTexts(rollup: Rollup, kind: RollupDetail, r: Reader): string[] {
  return splitHtml([scopeTitle(rollup, r), detail(rollup, kind, r)].join("\n\n"), TEXT_LIMIT);
}

function detail(rollup: Rollup, kind: RollupDetail, r: Reader): string {
  const { t } = r;
  if (kind === "p") {
    const { count, listed } = rollup.pending;
    if (count === 0) return t("rollup:pending.none");
    // Newest first: yesterday's missing report is the one still worth chasing today. Older ones than those listed
    // (rollup.pending.listedSince) are in the "more" count.
    const newest = [...listed].reverse().slice(0, DETAIL_MAX);
    const more = count - newest.length;
    return [t("rollup:pending.header", { count }), ...newest.map((p) => pendingLine(r, p)), ...(more > 0 ? [t("rollup:more", { count: more })] : [])].join("\n");
  }
  if (kind === "u") {
    const cov = rollup.coverage;
    if (cov.uncoveredPcs.length === 0) return t("rollup:coverage.allCovered");
    const names = cov.uncoveredPcs.map((c) => `• ${withState(r, r.names.pc(c), c.split(":")[0]!)}`);
    // All of them: a state has at most 80, and the list is split into as many messages as it takes.
    return [t("rollup:coverage.uncoveredHeader", { count: cov.uncoveredPcs.length }), ...names].join("\n");
  }
  if (kind === "c") {
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
    return lines.join("\n");
  }
  return details(rollup, r);
}

/** "More details": today's attendance by category, review, pace, coverage, vacancies and the next three days. */
function details(rollup: Rollup, r: Reader): string {
  const { t } = r;
  const caps = { upcoming: 10, sentBack: 10, vacancies: 40 };
  const sections: string[] = [];

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

  // Pace of the running phases (messages/progress.ts), shortened: /progress has it all.
  if (rollup.pace && rollup.pace.length > 0) sections.push(progressText(rollup.pace, r, { ...ROLLUP_PROGRESS_CAPS, behind: 3, idle: 3 }));

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
        reviewLines.push(t("rollup:review.sentBackLine", { who: escapeHtml(r.names.person(b.submittedBy)), place: withState(r, r.names.place(b), b.stateCode) }));
      }
      if (rv.sentBack.length > caps.sentBack) reviewLines.push(t("rollup:more", { count: rv.sentBack.length - caps.sentBack }));
    }
    sections.push(reviewLines.join("\n"));
  }

  // Coverage
  const cov = rollup.coverage;
  const covLines = [t("rollup:coverage.header")];
  if (rollup.scope.level !== "country") {
    covLines.push(t("rollup:coverage.pcs", { covered: num(r, cov.pcsCovered), total: num(r, cov.pcsTotal), percent: percent(cov.pcsCovered, cov.pcsTotal) }));
  }
  covLines.push(
    t("rollup:coverage.national", { covered: num(r, cov.national.pcsCovered), total: num(r, cov.national.pcsTotal), percent: percent(cov.national.pcsCovered, cov.national.pcsTotal) }),
  );
  if (cov.acsTotal > 0) covLines.push(t("rollup:coverage.acs", { covered: num(r, cov.acsCovered), total: num(r, cov.acsTotal) }));
  if (cov.uncoveredPcs.length === 0) covLines.push(t("rollup:coverage.allCovered"));
  else covLines.push(t("rollup:coverage.uncoveredCount", { count: num(r, cov.uncoveredPcs.length) }));
  sections.push(covLines.join("\n"));

  // Vacant seats, one line per state (most vacant Lok Sabha seats first): /gaps names them.
  if (rollup.vacancies.length > 0) {
    const lines = [t("rollup:vacancies.header")];
    for (const v of rollup.vacancies.slice(0, caps.vacancies)) {
      lines.push(
        t("rollup:vacancies.line", { state: escapeHtml(r.names.state(v.stateCode)), vacantPcs: num(r, v.vacantPcs), pcs: num(r, v.pcsTotal), vacantAcs: num(r, v.vacantAcs), acs: num(r, v.acsTotal) }),
      );
    }
    if (rollup.vacancies.length > caps.vacancies) lines.push(t("rollup:more", { count: rollup.vacancies.length - caps.vacancies }));
    sections.push(lines.join("\n"));
  }

  // Next three days
  const upLines: string[] = [];
  if (rollup.upcoming.length === 0) upLines.push(t("rollup:upcoming.none"));
  else {
    upLines.push(t("rollup:upcoming.header", { count: rollup.upcoming.length, n: num(r, rollup.upcoming.length) }));
    for (const u of rollup.upcoming.slice(0, caps.upcoming)) {
      upLines.push(
        t("rollup:upcoming.line", { when: escapeHtml(fmtWhen(r, u.startsAt)), programme: escapeHtml(r.names.programme(u.programmeKey)), place: withState(r, r.names.place(u), u.stateCode) }),
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
    place: withState(r, r.names.place(p), p.stateCode),
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
    place: withState(r, r.names.place(e), e.stateCode),
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
