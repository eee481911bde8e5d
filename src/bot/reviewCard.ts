// How /review reads: the report card (everything a reviewer needs to decide, in the reader's language) and a queue
// line. Short lines for small phones; user text escaped; the organiser a tap away (their @username, or a tg:// link).
import type { Translate } from "../i18n.js";
import type { RollupNames } from "../domain/rollup/types.js";
import type { Person } from "../domain/people.js";
import type { ReportCard } from "../services/reviewService.js";
import type { ReportView } from "../services/reportService.js";
import { escapeHtml } from "./format.js";
import { fmtShort, fmtWhen, type Reader } from "./conversations/eventFormat.js";
import { reasonText } from "../messages/review.js";

export interface CardReader extends Reader {
  t: Translate;
  names: RollupNames;
}

/** A person as a link a reviewer can tap to write to them. */
export function contactLink(person: Pick<Person, "telegramId" | "firstName" | "lastName" | "username"> | null, fallback: string): string {
  if (!person) return escapeHtml(fallback);
  const name = escapeHtml([person.firstName, person.lastName].filter(Boolean).join(" ").trim() || fallback);
  return person.username ? `${name} (@${escapeHtml(person.username)})` : `<a href="tg://user?id=${person.telegramId}">${name}</a>`;
}

/** What changed from one version to the next: "total 120 → 130, Women 30 → 35, notes". */
function changes(r: CardReader, before: ReportCard["versions"][number], after: ReportCard["versions"][number]): string {
  const { t, names } = r;
  const out: string[] = [];
  if (before.total !== after.total) out.push(t("review:card.change.total", { from: before.total, to: after.total }));
  for (const c of names.categories) {
    const from = before.counts[c.key] ?? 0;
    const to = after.counts[c.key] ?? 0;
    if (from !== to) out.push(t("review:card.change.count", { name: c.name, from, to }));
  }
  if (before.photos.length !== after.photos.length || before.photos.some((p, i) => p.fileUniqueId !== after.photos[i]?.fileUniqueId)) {
    out.push(t("review:card.change.photos", { from: before.photos.length, to: after.photos.length }));
  }
  if (before.notes !== after.notes) out.push(t("review:card.change.notes"));
  return out.length ? out.join(", ") : t("review:card.version.nothing");
}

/** The card's text (HTML). The photos go before it, as an album. */
export function cardText(r: CardReader, card: ReportCard, organiser: Person | null): string {
  const { t, names } = r;
  const { report, event } = card;
  const lines: string[] = [
    t("review:card.title", { programme: escapeHtml(names.programme(report.programmeKey)), status: t(`review:status.${report.review.status}`) }),
    t("review:card.place", { place: escapeHtml(`${names.place({ pcCode: report.pcCode, acCode: report.acCode })}, ${names.state(report.stateCode)}`) }),
    t("review:card.when", { when: escapeHtml(fmtWhen(r, event.startsAt)) }),
  ];
  if (event.venue) lines.push(t("review:card.venue", { venue: escapeHtml(event.venue) }));
  if (event.location) {
    const url = `https://maps.google.com/?q=${event.location.latitude},${event.location.longitude}`;
    lines.push(t("review:card.map", { url: escapeHtml(url) }));
  }
  lines.push(t("review:card.organiser", { name: contactLink(organiser, names.person(report.submittedBy)) }));
  lines.push("", t("review:card.total", { total: report.total }));
  for (const c of names.categories) {
    const count = report.counts[c.key];
    if (count !== undefined) lines.push(t("review:card.category", { name: escapeHtml(c.name), count }));
  }
  if (report.others > 0) lines.push(t("review:card.others", { count: report.others }));
  if (report.notes) lines.push("", t("review:card.notes", { notes: escapeHtml(report.notes) }));
  lines.push("", report.photos.length ? t("review:card.photos", { count: report.photos.length }) : t("review:card.noPhotos"));

  lines.push("", t("review:card.versions"));
  card.versions.forEach((v, i) => {
    const who = escapeHtml(names.person(v.changedBy));
    const when = escapeHtml(fmtShort(r, v.changedAt));
    lines.push(
      i === 0
        ? t("review:card.version.first", { when, who })
        : t("review:card.version.next", { version: v.version, when, who, changes: escapeHtml(changes(r, card.versions[i - 1]!, v)) }),
    );
  });
  for (const d of card.decisions) {
    lines.push(
      t(`review:card.decision.${d.action}`, {
        version: d.version,
        who: escapeHtml(names.person(d.actorId)),
        when: escapeHtml(fmtShort(r, d.at)),
        reason: reasonText(t, d),
      }),
    );
  }
  return lines.join("\n");
}

/** A queue's button label: the seat, the date and the total. */
export function queueItemLabel(r: CardReader, report: ReportView): string {
  return r.t("review:list.item", {
    place: r.names.place({ pcCode: report.pcCode, acCode: report.acCode }),
    date: fmtShort(r, report.eventStartsAt).split(" ")[0],
    total: report.total,
  });
}
