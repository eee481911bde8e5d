// The attendance report of one event: total → each category (never more than is left of the total), or all the
// numbers in one message ("120 15 30 10 25 20", in the order the prompt shows) → photos
// (0-10, then Done) → notes → summary with Confirm / Edit / Cancel. Opened from /report's list or a reminder's
// button (rp:<eventId>). A report's author may correct it for 72 hours: the same steps, with "Keep" buttons
// holding the current values. One report version per draft, whichever copy of the summary is confirmed and on
// whichever bot instance; a correction is a new conversation, so a new draft and a new version.
import type { Message } from "grammy/types";
import type { ReportPhoto } from "../../domain/reports.js";
import { CORRECTION_WINDOW_MS, parseAttendanceLine, type AttendanceLineResult } from "../../domain/events/index.js";
import type { AppContext } from "../context.js";
import { escapeHtml } from "../format.js";
import { ask, type Verdict } from "./ask.js";
import { fmtWhen, reportLines, type Reader } from "./eventFormat.js";
import { countReason, countVerdict, notesVerdict } from "./eventSteps.js";
import { ANSWER_PREFIX, load, say, type Choice, type Conv } from "./prompts.js";
import { safely } from "./safely.js";
import { draftKeyOf, finishCopies, settleConfirm, summaryStep } from "./summaryStep.js";
import { reasonText } from "../../messages/review.js";
import type { ReportAccess } from "../../services/reportService.js";

export const REPORT_CONVERSATION = "report";
export const MAX_PHOTOS = 10;

interface Draft {
  total: number;
  counts: Record<string, number>;
  photos: ReportPhoto[];
  notes: string;
}

type Field = "numbers" | "photos" | "notes";

/**
 * `opened`: the access the handler that opened it has just checked in this same update (a tap on an event), so it
 * is not read again; without it (the /report command going straight to its one event) it is checked here.
 */
export async function reportConversation(conversation: Conv, ctx: AppContext, eventId: string, opened?: ReportAccess): Promise<void> {
  const draftKey = draftKeyOf(ctx);
  const actorId = ctx.from!.id;
  const lang = ctx.lang;
  const info = await load(conversation, async (c) => {
    const actor = { telegramId: actorId, scopes: c.scopes };
    const services = c.deps.services;
    const access = opened ?? (await services.reports.access(actor, eventId));
    const event = access.ok ? access.event : null;
    // The rest is configuration, read by key: at once.
    const [allCategories, programme, territory] = await Promise.all([
      services.programmes.list("category", { includeHidden: true }),
      event ? services.programmes.get("programme", event.programmeKey) : null,
      event ? services.map.territoryName({ level: event.level, code: event.code }, lang) : "",
    ]);
    // `event` apart too: logs stored before access carried it hold it only there.
    return { access, event, allCategories, programme, territory };
  });
  const { access, event } = info;
  if (!access.ok || !event) {
    await ctx.reply(ctx.t(`report:refused.${access.ok ? "not_found" : access.reason}`, { defaultValue: ctx.t("report:refused.generic") }));
    return;
  }
  const prior = access.mode === "correct" ? access.report : undefined;
  // Active categories, plus any hidden since that the report being corrected has a count for.
  const categories = info.allCategories
    .filter((c) => c.active || (prior && c.key in prior.counts))
    .map((c) => ({ key: c.key, name: c.name[lang] }));
  const reader: Reader = { lang, zone: ctx.deps.timeZone };
  const heading = `<b>${escapeHtml(info.programme?.name[lang] ?? event.programmeKey)}</b>\n${escapeHtml(info.territory)}\n${escapeHtml(fmtWhen(reader, event.startsAt))}`;

  const intro =
    access.mode !== "correct"
      ? ctx.t("report:intro.new")
      : access.until === null
        ? ctx.t("report:intro.sentBack", { reason: reasonText(ctx.t, access.report.review) })
        : ctx.t("report:intro.correct", { until: escapeHtml(fmtWhen(reader, access.until)) });
  await ctx.reply(`${intro}\n\n${heading}`, { parse_mode: "HTML" });

  const keep = (n: number | undefined): Choice[] => (n === undefined ? [] : [{ label: ctx.t("report:keep", { value: n }), value: `k${n}` }]);

  // The total, or every number at once in the order shown (one message instead of one per category).
  const totalPrompt = categories.length
    ? `${ctx.t("report:total.ask")}\n\n${ctx.t("report:total.allAtOnce", {
        order: [ctx.t("report:field.total"), ...categories.map((c) => c.name)].map(escapeHtml).join(", "),
        example: exampleLine(categories.length),
      })}`
    : ctx.t("report:total.ask");

  const askNumbers = async (draft: Partial<Draft>) => {
    const totalAnswer = await ask<AttendanceLine>(conversation, ctx, {
      prompt: totalPrompt,
      buttons: keep(prior?.total),
      text: (s) => attendanceVerdict(ctx, s, categories),
      otherReason: ctx.t("events:count.not_a_number"),
    });
    const line: AttendanceLine =
      totalAnswer.kind === "value" ? totalAnswer.value : { ok: true, kind: "total", total: Number(totalAnswer.value.slice(1)) };
    draft.total = line.total;
    draft.counts = {};
    if (line.kind === "all") {
      categories.forEach((cat, i) => (draft.counts![cat.key] = line.counts[i]!));
      return;
    }
    let left = draft.total;
    for (const cat of categories) {
      if (left === 0) {
        // Nobody left to count: the rest are 0 without asking.
        draft.counts[cat.key] = 0;
        continue;
      }
      const before = prior?.counts[cat.key];
      const answer = await ask<number>(conversation, ctx, {
        prompt: ctx.t("report:category.ask", { name: escapeHtml(cat.name), left }),
        buttons: [{ label: "0", value: "k0" }, ...(before !== undefined && before > 0 && before <= left ? keep(before) : [])],
        columns: 2,
        text: (s) => {
          const v = countVerdict(ctx, s);
          if (v.ok && v.value > left) return { ok: false, reason: ctx.t("report:category.tooMany", { left, total: draft.total }) };
          return v;
        },
        otherReason: ctx.t("events:count.not_a_number"),
      });
      const n = answer.kind === "value" ? answer.value : Number(answer.value.slice(1));
      draft.counts[cat.key] = n;
      left -= n;
    }
  };

  const askPhotos = async (draft: Partial<Draft>) => {
    draft.photos = await collectPhotos(conversation, ctx, prior?.photos);
  };

  const askReportNotes = async (draft: Partial<Draft>) => {
    const answer = await ask<string>(conversation, ctx, {
      prompt: ctx.t("report:notes.ask"),
      buttons: [
        { label: ctx.t("events:skip"), value: "skip" },
        ...(prior?.notes ? [{ label: ctx.t("report:keepNotes"), value: "keep" }] : []),
      ],
      text: (s) => notesVerdict(ctx, s),
      otherReason: ctx.t("events:notes.error.notText"),
    });
    draft.notes = answer.kind === "value" ? answer.value : answer.value === "keep" ? (prior?.notes ?? "") : "";
  };

  const askField = (field: Field, draft: Partial<Draft>) =>
    field === "numbers" ? askNumbers(draft) : field === "photos" ? askPhotos(draft) : askReportNotes(draft);

  const draft: Partial<Draft> = {};
  await askNumbers(draft);
  await askPhotos(draft);
  await askReportNotes(draft);

  for (;;) {
    const d = draft as Draft;
    const body = reportLines(ctx.t, { total: d.total, counts: d.counts, categories, photos: d.photos.length, notes: d.notes });
    const summaryText = `<b>${ctx.t(prior ? "report:summary.titleCorrect" : "report:summary.title")}</b>\n\n${heading}\n\n${body}`;
    const answer = await summaryStep(conversation, ctx, {
      draft: draftKey,
      text: summaryText,
      cancelled: ctx.t("report:summary.cancelled"),
      fields: (["numbers", "photos", "notes"] as Field[]).map((f) => ({ label: ctx.t(`report:edit.${f}`), value: f })),
      columns: 3,
    });
    if (answer.kind === "cancelled") return;
    if (answer.kind === "edit") {
      if (answer.field) await askField(answer.field, draft);
      continue;
    }

    const { tap, confirmKey, copies } = answer;
    const input = { total: d.total, counts: d.counts, photos: d.photos, notes: d.notes };
    const result = await load(conversation, (c) =>
      safely(c, () => c.deps.services.reports.submit({ actor: { telegramId: actorId, scopes: c.scopes }, eventId, input, confirmKey })),
    );
    const outcome = await settleConfirm(ctx, tap, result, "report:refused");
    if (outcome === "retry") continue;
    if (result.ok) {
      const until = new Date(new Date(result.report.submittedAt).getTime() + CORRECTION_WINDOW_MS);
      const title = result.version === 1 ? ctx.t("report:saved.title") : ctx.t("report:saved.titleCorrected", { version: result.version });
      // Already saved (another copy's Confirm, maybe on another instance, or this draft confirmed again after an
      // Edit): the report as it is stored, which an edit since does not change.
      const r = result.report;
      const shown =
        outcome === "already"
          ? `${reportLines(ctx.t, { total: r.total, counts: r.counts, categories, photos: r.photos.length, notes: r.notes })}\n\n${ctx.t("report:saved.already")}`
          : body;
      // A report back from a reviewer goes to them again; otherwise the author may still correct it for a while.
      const next =
        r.review.status === "corrected" ? ctx.t("report:saved.nextReview") : ctx.t("report:saved.next", { until: escapeHtml(fmtWhen(reader, until)) });
      await finishCopies(tap, copies, `<b>${title}</b>\n\n${heading}\n\n${shown}\n\n${next}`);
      return;
    }
    // Numbers the service refused (a category added or hidden meanwhile): ask them again. Anything else ends here.
    if (["bad_total", "bad_count", "unknown_category", "exceeds_total"].includes(result.reason)) {
      await askNumbers(draft);
      continue;
    }
    return;
  }
}

type AttendanceLine = Extract<AttendanceLineResult, { ok: true }>;

/** A line of numbers for the prompt's example: a total and one plausible count per category, adding up to less. */
function exampleLine(categories: number): string {
  const counts = Array.from({ length: categories }, (_, i) => [15, 30, 10, 25, 20][i % 5]!);
  return [counts.reduce((a, b) => a + b, 20), ...counts].join(" ");
}

/** The total alone, or all the numbers at once; a refusal names the number that is wrong. */
function attendanceVerdict(ctx: AppContext, text: string, categories: { name: string }[]): Verdict<AttendanceLine> {
  const r = parseAttendanceLine(text, categories.length);
  if (r.ok) return { ok: true, value: r };
  if (r.reason === "wrong_length") return { ok: false, reason: ctx.t("report:all.wrongLength", { got: r.got, want: r.want }) };
  if (r.reason === "exceeds_total") return { ok: false, reason: ctx.t("report:all.exceeds", { sum: r.sum, total: r.total }) };
  const reason = countReason(ctx, r);
  if (r.index === undefined) return { ok: false, reason };
  const name = r.index === 0 ? ctx.t("report:field.total") : categories[r.index - 1]!.name;
  return { ok: false, reason: ctx.t("report:all.badNumber", { name: escapeHtml(name), reason }) };
}

/** The photo or image file in a message, if any; `false` for a file that is not an image. */
function photoOf(msg: Message): ReportPhoto | false | undefined {
  if (msg.photo?.length) {
    // Telegram sends several sizes; the largest is last.
    const largest = msg.photo[msg.photo.length - 1]!;
    return { fileId: largest.file_id, fileUniqueId: largest.file_unique_id, kind: "photo" };
  }
  if (msg.document) {
    if (!(msg.document.mime_type ?? "").startsWith("image/")) return false;
    return { fileId: msg.document.file_id, fileUniqueId: msg.document.file_unique_id, kind: "document" };
  }
  return undefined;
}

// The callback data of the Done and Keep buttons, as `say` sends them.
const DONE = `${ANSWER_PREFIX}done`;
const KEEP = `${ANSWER_PREFIX}keep`;

/** Up to MAX_PHOTOS photos or image files, until Done (or Keep, when correcting a report that has photos). */
async function collectPhotos(conversation: Conv, ctx: AppContext, prior: ReportPhoto[] | undefined): Promise<ReportPhoto[]> {
  const photos: ReportPhoto[] = [];
  const ours: number[] = [];
  const buttons = (): Choice[] => [
    { label: ctx.t("report:photos.done", { count: photos.length }), value: "done" },
    ...(prior?.length && photos.length === 0 ? [{ label: ctx.t("report:photos.keep", { count: prior.length }), value: "keep" }] : []),
  ];
  const send = async (text: string) => ours.push(await say(ctx, text, buttons(), 1));
  await send(ctx.t("report:photos.ask", { max: MAX_PHOTOS }));

  for (;;) {
    const answer = await conversation.wait();
    const query = answer.callbackQuery;
    if (query) {
      const data = query.data ?? "";
      const mine = query.message !== undefined && ours.includes(query.message.message_id);
      if (!mine || (data !== DONE && data !== KEEP)) {
        await answer.answerCallbackQuery({ text: answer.t("common:button.stale") }).catch(() => {});
        continue;
      }
      if (data === KEEP && !(prior?.length && photos.length === 0)) {
        await answer.answerCallbackQuery({ text: answer.t("common:button.invalid") }).catch(() => {});
        continue;
      }
      await answer.answerCallbackQuery().catch(() => {});
      // Take the Done buttons off every photo message, so none can be pressed later.
      for (const id of ours) await answer.api.editMessageReplyMarkup(answer.chat!.id, id).catch(() => {});
      return data === KEEP ? [...prior!] : photos;
    }
    const msg = answer.message;
    if (!msg) continue;
    const photo = photoOf(msg);
    if (photo === undefined) {
      const reason =
        msg.text !== undefined && msg.text.startsWith("/")
          ? answer.t("common:conversation.commandInMiddle")
          : msg.text !== undefined
            ? answer.t("report:photos.textInstead")
            : answer.t("report:photos.notPhoto");
      await send(`⚠️ ${reason}\n\n${answer.t("report:photos.ask", { max: MAX_PHOTOS })}`);
      continue;
    }
    if (photo === false) {
      await send(`⚠️ ${answer.t("report:photos.notImage")}`);
      continue;
    }
    if (photos.some((p) => p.fileUniqueId === photo.fileUniqueId)) {
      await send(answer.t("report:photos.duplicate", { count: photos.length, max: MAX_PHOTOS }));
      continue;
    }
    photos.push(photo);
    if (photos.length >= MAX_PHOTOS) {
      for (const id of ours) await answer.api.editMessageReplyMarkup(answer.chat!.id, id).catch(() => {});
      await answer.reply(answer.t("report:photos.full", { max: MAX_PHOTOS }));
      return photos;
    }
    await send(answer.t("report:photos.received", { count: photos.length, max: MAX_PHOTOS }));
  }
}
