// /review for state teams, cluster in-charges and the national office: the reports of their area by status (awaiting
// review first), paged by buttons and filterable by state and programme; a report's card with its photos as an
// album; Approve, Send back (a preset reason or a typed one) and, for the national office, Void. Every button checks
// access again in the service (a forged or stale button gets a short answer, and a denial is audited).
//
// callback_data (≤ 64 bytes), "-" meaning "all":
//   rv:o:<state>:<programme>              the overview (counts per queue)
//   rv:q:<status#>:<page>:<state>:<prog>  one page of a queue
//   rv:e:<list#>:<page>:<state>:<prog>    one page of an event list (planned, awaiting a report, overdue)
//   rv:fs:<programme> / rv:fp:<state>     pick the state / the programme filter
//   rv:c:<event>                          open a report's card (messages/buttons.ts: also in the "corrected" notice)
//   rv:a:<event>:<version>                approve that version
//   rv:s:<event>:<version>                choose why to send it back
//   rv:r:<event>:<version>:<reason#>[:<card message>]  send back with a preset reason (then the card is updated)
//   rv:t:<event>:<version>                send back with a typed reason (a short conversation)
//   rv:x:<event>                          void (national office; the reason is typed)
//   rv:m:<event>                          write to the event's organiser (a short conversation)
//   rv:g:<event>                          national office: give the event to its seat's current holder
//   rm:<event>:<person>                   Reply, under a message about an event (services/reviewService.ts)
import { Composer, InlineKeyboard } from "grammy";
import type { InputMediaDocument, InputMediaPhoto } from "grammy/types";
import { REPORT_STATUSES, REVIEW_QUEUES, SEND_BACK_REASONS, canVoid, reviewerScopes, type ReportStatus } from "../../domain/review.js";
import { reviewCardData } from "../../messages/buttons.js";
import { EVENT_LISTS, type EventList, type QueueFilter, type ReviewRefusal } from "../../services/reviewService.js";
import type { Actor } from "../../services/eventService.js";
import type { AppContext, BotContext } from "../context.js";
import { REVIEW_REASON_CONVERSATION, reviewReasonConversation } from "../conversations/reviewReason.js";
import { REVIEW_MESSAGE_CONVERSATION, reviewMessageConversation } from "../conversations/reviewMessage.js";
import { denyAccess } from "../middleware/deny.js";
import { escapeHtml } from "../format.js";
import { editHtml, replyHtml } from "../reply.js";
import { cardText, queueItemLabel, type CardReader } from "../reviewCard.js";
import { fmtShort } from "../conversations/eventFormat.js";
import { installConversation, unlessBusy } from "./conversationEntry.js";
import { REASON_MAX } from "../../domain/review.js";

const EVENT = "([0-9a-f]{24})";
// The place filter is "-", a state ("IN-UP") or one of its PCs ("IN-UP.77": ':' separates the fields here).
const FILTER = "(IN-[A-Z]{2}(?:\\.\\d{1,3})?|-):([a-z0-9-]+|-)";
const OVERVIEW_RE = new RegExp(`^rv:o:${FILTER}$`);
const QUEUE_RE = new RegExp(`^rv:q:(\\d):(\\d{1,4}):${FILTER}$`);
const EVENTS_RE = new RegExp(`^rv:e:(\\d):(\\d{1,4}):${FILTER}$`);
const PICK_STATE_RE = /^rv:fs:([a-z0-9-]+|-)$/;
const PICK_PROGRAMME_RE = /^rv:fp:(IN-[A-Z]{2}(?:\.\d{1,3})?|-)$/;
const PICK_PC_RE = /^rv:fc:(IN-[A-Z]{2}):([a-z0-9-]+|-)$/;
const CARD_RE = new RegExp(`^rv:c:${EVENT}$`);
const APPROVE_RE = new RegExp(`^rv:a:${EVENT}:(\\d{1,3})$`);
const SEND_BACK_RE = new RegExp(`^rv:s:${EVENT}:(\\d{1,3})$`);
const PRESET_RE = new RegExp(`^rv:r:${EVENT}:(\\d{1,3}):(\\d)(?::(\\d{1,10}))?$`);
const TYPED_RE = new RegExp(`^rv:t:${EVENT}:(\\d{1,3})$`);
const VOID_RE = new RegExp(`^rv:x:${EVENT}$`);
const MESSAGE_RE = new RegExp(`^rv:m:${EVENT}$`);
const REASSIGN_RE = new RegExp(`^rv:g:${EVENT}$`);
const REPLY_RE = new RegExp(`^rm:${EVENT}:(\\d{1,15})$`);

const enc = (v: string | undefined) => v ?? "-";
const dec = (v: string | undefined) => (v && v !== "-" ? v : undefined);
const placeData = (f: QueueFilter) => (f.pcCode ? f.pcCode.replace(":P", ".") : enc(f.stateCode));
const filterData = (f: QueueFilter) => `${placeData(f)}:${enc(f.programmeKey)}`;
/** The filter a button carries: its place token and programme. */
function filterOf(place: string | undefined, programme: string | undefined): QueueFilter {
  const token = dec(place);
  const [state, pcNo] = token ? token.split(".") : [];
  return { ...(state ? { stateCode: state } : {}), ...(pcNo ? { pcCode: `${state}:P${pcNo}` } : {}), ...(dec(programme) ? { programmeKey: dec(programme) } : {}) };
}

function actorOf(ctx: AppContext): Actor {
  return { telegramId: ctx.from!.id, scopes: ctx.scopes };
}

async function readerOf(ctx: AppContext, people: readonly number[] = []): Promise<CardReader> {
  return { lang: ctx.lang, zone: ctx.deps.timeZone, t: ctx.t, names: await ctx.deps.services.rollups.labels(ctx.lang, people) };
}

/** A refusal as a short toast (a tap) or a reply; a refusal about access is audited by the service. */
async function refuse(ctx: AppContext, reason: ReviewRefusal): Promise<void> {
  const text = ctx.t(`review:refused.${reason}`, { max: REASON_MAX, defaultValue: ctx.t("review:refused.generic") });
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text, show_alert: true }).catch(() => {});
  else await ctx.reply(text);
}

function areaName(ctx: AppContext, r: CardReader, filter: QueueFilter): string {
  if (filter.pcCode) return r.names.pc(filter.pcCode);
  return filter.stateCode ? r.names.state(filter.stateCode) : ctx.t("review:allArea");
}

async function overview(ctx: BotContext, filter: QueueFilter, edit: boolean): Promise<void> {
  const services = ctx.deps.services;
  const actor = actorOf(ctx);
  const [counts, eventCounts, states, r] = await Promise.all([
    services.review.queueCounts(actor, filter),
    services.review.eventCounts(actor, filter),
    services.review.statesInScope(ctx.scopes),
    readerOf(ctx),
  ]);
  const area = areaName(ctx, r, filter);
  const kb = new InlineKeyboard();
  for (const status of REVIEW_QUEUES) {
    const label = ctx.t("review:queueButton", { label: ctx.t(`review:queue.${status}`), count: counts[status] });
    kb.text(label, `rv:q:${REPORT_STATUSES.indexOf(status)}:0:${filterData(filter)}`).row();
  }
  for (const [i, list] of EVENT_LISTS.entries()) {
    kb.text(ctx.t("review:queueButton", { label: ctx.t(`review:events.${list}`), count: eventCounts[list] }), `rv:e:${i}:0:${filterData(filter)}`).row();
  }
  if (states === "all" || states.length > 1) {
    kb.text(ctx.t("review:filter.state", { name: filter.stateCode ? r.names.state(filter.stateCode) : ctx.t("review:filter.all") }), `rv:fs:${enc(filter.programmeKey)}`);
  }
  // A seat filter within a state: the one chosen, or a state team's own.
  const pcState = filter.stateCode ?? (states !== "all" && states.length === 1 ? states[0] : undefined);
  if (pcState) {
    const pc = filter.pcCode ? r.names.pc(filter.pcCode) : ctx.t("review:filter.all");
    kb.text(ctx.t("review:filter.pc", { name: pc }), `rv:fc:${pcState}:${enc(filter.programmeKey)}`);
  }
  const programme = filter.programmeKey ? r.names.programme(filter.programmeKey) : ctx.t("review:filter.all");
  kb.text(ctx.t("review:filter.programme", { name: programme }), `rv:fp:${placeData(filter)}`).row();
  const text = `${ctx.t("review:title", { area: escapeHtml(area) })}\n\n${ctx.t("review:overview")}`;
  if (edit) await editHtml(ctx, text, { reply_markup: kb });
  else await replyHtml(ctx, text, { reply_markup: kb });
}


async function showQueue(ctx: BotContext, status: ReportStatus, page: number, filter: QueueFilter): Promise<void> {
  const result = await ctx.deps.services.review.listQueue(actorOf(ctx), status, filter, page);
  if ("ok" in result) return refuse(ctx, result.reason);
  const r = await readerOf(ctx);
  const area = areaName(ctx, r, filter);
  const kb = new InlineKeyboard();
  for (const report of result.items) kb.text(queueItemLabel(r, report), reviewCardData(report.eventId)).row();
  const statusNo = REPORT_STATUSES.indexOf(status);
  if (result.page > 0) kb.text(ctx.t("review:nav.prev"), `rv:q:${statusNo}:${result.page - 1}:${filterData(filter)}`);
  if (result.page + 1 < result.pages) kb.text(ctx.t("review:nav.next"), `rv:q:${statusNo}:${result.page + 1}:${filterData(filter)}`);
  kb.row().text(ctx.t("review:nav.back"), `rv:o:${filterData(filter)}`);
  const lines = [ctx.t("review:list.title", { label: ctx.t(`review:queue.${status}`), area: escapeHtml(area), count: result.total })];
  lines.push(result.total ? ctx.t("review:list.page", { page: result.page + 1, pages: result.pages }) : ctx.t("review:list.empty"));
  await editHtml(ctx, lines.join("\n"), { reply_markup: kb });
}

async function showEvents(ctx: BotContext, list: EventList, page: number, filter: QueueFilter): Promise<void> {
  const result = await ctx.deps.services.review.listEvents(actorOf(ctx), list, filter, page);
  if ("ok" in result) return refuse(ctx, result.reason);
  const r = await readerOf(ctx, result.items.map((e) => e.createdBy));
  const area = areaName(ctx, r, filter);
  const kb = new InlineKeyboard();
  // Each opens the event as /myevents does (its details, and what this person may do with it).
  for (const e of result.items) {
    kb.text(ctx.t("review:events.item", { place: r.names.place(e), when: fmtShort(r, e.startsAt), who: r.names.person(e.createdBy) }), `ev:${e.id}`).row();
  }
  const listNo = EVENT_LISTS.indexOf(list);
  if (result.page > 0) kb.text(ctx.t("review:nav.prev"), `rv:e:${listNo}:${result.page - 1}:${filterData(filter)}`);
  if (result.page + 1 < result.pages) kb.text(ctx.t("review:nav.next"), `rv:e:${listNo}:${result.page + 1}:${filterData(filter)}`);
  kb.row().text(ctx.t("review:nav.back"), `rv:o:${filterData(filter)}`);
  const lines = [ctx.t("review:list.title", { label: ctx.t(`review:events.${list}`), area: escapeHtml(area), count: result.total })];
  lines.push(result.total ? ctx.t("review:events.page", { page: result.page + 1, pages: result.pages }) : ctx.t("review:events.empty"));
  await editHtml(ctx, lines.join("\n"), { reply_markup: kb });
}

/** The card's buttons: what this reviewer may do now with the version shown. */
function cardKeyboard(ctx: AppContext, eventId: string, version: number, status: ReportStatus): InlineKeyboard {
  const kb = new InlineKeyboard();
  if (status === "submitted" || status === "corrected") {
    kb.text(ctx.t("review:action.approve"), `rv:a:${eventId}:${version}`).text(ctx.t("review:action.sendBack"), `rv:s:${eventId}:${version}`).row();
  }
  kb.text(ctx.t("review:action.message"), `rv:m:${eventId}`).row();
  if (canVoid(ctx.scopes).allowed) {
    kb.text(ctx.t("review:action.reassign"), `rv:g:${eventId}`);
    if (status !== "void") kb.text(ctx.t("review:action.void"), `rv:x:${eventId}`);
    kb.row();
  }
  kb.text(ctx.t("review:nav.back"), "rv:o:-:-");
  return kb;
}

interface RenderedCard {
  text: string;
  keyboard: InlineKeyboard;
  photos: { fileId: string; kind: string }[];
  /** Photos that match a photo of another event's report: this one, the other, and a caption naming the other. */
  reuse: { fileId: string; otherFileId: string; caption: string }[];
}

async function renderCard(ctx: BotContext, eventId: string): Promise<RenderedCard | undefined> {
  const services = ctx.deps.services;
  const result = await services.review.card(actorOf(ctx), eventId);
  if (!result.ok) {
    if (result.reason === "outside_scope" || result.reason === "no_role") await denyAccess(ctx, "review.open", result.reason, { eventId });
    else await refuse(ctx, result.reason);
    return undefined;
  }
  const { card } = result;
  const people = [card.report.submittedBy, ...card.versions.map((v) => v.changedBy), ...card.decisions.map((d) => d.actorId)];
  const [r, organiser, flags] = await Promise.all([readerOf(ctx, people), services.people.get(card.report.submittedBy), services.photos.flagsFor(eventId)]);
  const keyboard = cardKeyboard(ctx, eventId, card.report.version, card.report.review.status);
  // A flagged photo: the card names the other report, a button opens it, and both photos are shown side by side.
  const reuse: RenderedCard["reuse"] = [];
  const flagLines: string[] = [];
  for (const flag of flags) {
    const other = await services.events.get(flag.other.eventId);
    const place = other ? `${r.names.place(other)}, ${fmtShort(r, other.startsAt)}` : flag.other.eventId;
    const line = ctx.t(`review:card.reuse.${flag.reason}`, { place: escapeHtml(place), distance: flag.distance });
    flagLines.push(line);
    reuse.push({ fileId: flag.fileId, otherFileId: flag.other.fileId, caption: ctx.t("review:card.reuseCaption", { place }) });
    keyboard.row().text(ctx.t("review:action.openOther", { place }), reviewCardData(flag.other.eventId));
  }
  const text = flagLines.length ? `${cardText(r, card, organiser)}\n\n${flagLines.join("\n")}` : cardText(r, card, organiser);
  return { text, keyboard, photos: card.report.photos, reuse };
}

/** The photos as albums (photos and documents apart: Telegram does not mix them), or one message for one. */
async function sendPhotos(ctx: BotContext, photos: readonly { fileId: string; kind: string }[]): Promise<void> {
  const groups = [photos.filter((p) => p.kind === "photo"), photos.filter((p) => p.kind !== "photo")];
  for (const [i, group] of groups.entries()) {
    if (group.length === 0) continue;
    if (group.length === 1) {
      if (i === 0) await ctx.replyWithPhoto(group[0]!.fileId);
      else await ctx.replyWithDocument(group[0]!.fileId);
      continue;
    }
    const media = group.map((p) => ({ type: i === 0 ? "photo" : "document", media: p.fileId }) as InputMediaPhoto | InputMediaDocument);
    await ctx.replyWithMediaGroup(media as InputMediaPhoto[]);
  }
}

async function openCard(ctx: BotContext, eventId: string): Promise<void> {
  const rendered = await renderCard(ctx, eventId);
  if (!rendered) return;
  if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => {});
  // A photo that can no longer be sent (too old a file id) must not keep the reviewer from the card.
  await sendPhotos(ctx, rendered.photos).catch((err: unknown) => ctx.log.warn({ err, eventId }, "could not send a report's photos"));
  for (const pair of rendered.reuse) {
    await ctx
      .replyWithMediaGroup([
        { type: "photo", media: pair.fileId, caption: pair.caption },
        { type: "photo", media: pair.otherFileId },
      ])
      .catch((err: unknown) => ctx.log.warn({ err, eventId }, "could not show a possibly reused photo"));
  }
  await replyHtml(ctx, rendered.text, { reply_markup: rendered.keyboard });
}

/** After a decision: the card shows the new state, with what can still be done. */
async function refreshCard(ctx: BotContext, eventId: string, done: string): Promise<void> {
  await ctx.answerCallbackQuery({ text: done }).catch(() => {});
  const rendered = await renderCard(ctx, eventId);
  if (rendered) await editHtml(ctx, rendered.text, { reply_markup: rendered.keyboard });
}

/** Names the tap: the same card's same button is one request, whoever replays it. */
const requestKeyOf = (ctx: AppContext, action: string) => `card:${ctx.chatId}:${ctx.callbackQuery?.message?.message_id ?? ctx.update.update_id}:${action}`;

export function reviewFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.use(installConversation(REVIEW_REASON_CONVERSATION, reviewReasonConversation));
  composer.use(installConversation(REVIEW_MESSAGE_CONVERSATION, reviewMessageConversation));

  const reviewersOnly = async (ctx: BotContext, action: string): Promise<boolean> => {
    if (reviewerScopes(ctx.scopes).length > 0) return true;
    await denyAccess(ctx, action, "no_role");
    return false;
  };

  composer.command("review", async (ctx) => {
    if (await reviewersOnly(ctx, "review.open")) await overview(ctx, {}, false);
  });
  composer.callbackQuery(OVERVIEW_RE, async (ctx) => {
    if (!(await reviewersOnly(ctx, "review.open"))) return;
    await ctx.answerCallbackQuery().catch(() => {});
    await overview(ctx, filterOf(ctx.match[1], ctx.match[2]), true);
  });
  composer.callbackQuery(QUEUE_RE, async (ctx) => {
    const status = REPORT_STATUSES[Number(ctx.match[1])];
    if (!status) return refuse(ctx, "not_found");
    await ctx.answerCallbackQuery().catch(() => {});
    await showQueue(ctx, status, Number(ctx.match[2]), filterOf(ctx.match[3], ctx.match[4]));
  });
  composer.callbackQuery(EVENTS_RE, async (ctx) => {
    const list = EVENT_LISTS[Number(ctx.match[1])];
    if (!list) return refuse(ctx, "not_found");
    await ctx.answerCallbackQuery().catch(() => {});
    await showEvents(ctx, list, Number(ctx.match[2]), filterOf(ctx.match[3], ctx.match[4]));
  });
  composer.callbackQuery(PICK_STATE_RE, async (ctx) => {
    if (!(await reviewersOnly(ctx, "review.open"))) return;
    await ctx.answerCallbackQuery().catch(() => {});
    const programme = ctx.match[1]!;
    const [states, r] = await Promise.all([ctx.deps.services.review.statesInScope(ctx.scopes), readerOf(ctx)]);
    const codes = states === "all" ? (await ctx.deps.services.map.listStates()).map((s) => s.code) : states;
    const named = codes.map((code) => ({ code, name: r.names.state(code) })).sort((a, b) => a.name.localeCompare(b.name, ctx.lang));
    const kb = new InlineKeyboard().text(ctx.t("review:filter.allStates"), `rv:o:-:${programme}`).row();
    named.forEach((s, i) => {
      kb.text(s.name, `rv:o:${s.code}:${programme}`);
      if (i % 2 === 1) kb.row();
    });
    await editHtml(ctx, ctx.t("review:filter.pickState"), { reply_markup: kb });
  });
  composer.callbackQuery(PICK_PC_RE, async (ctx) => {
    if (!(await reviewersOnly(ctx, "review.open"))) return;
    await ctx.answerCallbackQuery().catch(() => {});
    const [state, programme] = [ctx.match[1]!, ctx.match[2]!];
    const [pcs, r] = await Promise.all([ctx.deps.services.map.listPcs(state), readerOf(ctx)]);
    const kb = new InlineKeyboard().text(ctx.t("review:filter.allPcs"), `rv:o:${state}:${programme}`).row();
    [...pcs].sort((a, b) => a.no - b.no).forEach((pc, i) => {
      kb.text(r.names.pc(pc.code), `rv:o:${state}.${pc.no}:${programme}`);
      if (i % 2 === 1) kb.row();
    });
    await editHtml(ctx, ctx.t("review:filter.pickPc", { state: escapeHtml(r.names.state(state)) }), { reply_markup: kb });
  });
  composer.callbackQuery(PICK_PROGRAMME_RE, async (ctx) => {
    if (!(await reviewersOnly(ctx, "review.open"))) return;
    await ctx.answerCallbackQuery().catch(() => {});
    const state = ctx.match[1]!;
    const programmes = await ctx.deps.services.programmes.list("programme");
    const kb = new InlineKeyboard().text(ctx.t("review:filter.allProgrammes"), `rv:o:${state}:-`).row();
    for (const p of programmes) kb.text(p.name[ctx.lang], `rv:o:${state}:${p.key}`).row();
    await editHtml(ctx, ctx.t("review:filter.pickProgramme"), { reply_markup: kb });
  });
  composer.callbackQuery(CARD_RE, (ctx) => openCard(ctx, ctx.match[1]!));

  composer.callbackQuery(APPROVE_RE, async (ctx) => {
    const eventId = ctx.match[1]!;
    const result = await ctx.deps.services.review.decide(actorOf(ctx), {
      eventId,
      version: Number(ctx.match[2]),
      action: "approve",
      requestKey: requestKeyOf(ctx, "approve"),
    });
    if (!result.ok) return refuse(ctx, result.reason);
    await refreshCard(ctx, eventId, ctx.t(result.duplicate ? "review:done.duplicate" : "review:done.approve"));
  });
  composer.callbackQuery(SEND_BACK_RE, async (ctx) => {
    const [eventId, version] = [ctx.match[1]!, ctx.match[2]!];
    await ctx.answerCallbackQuery().catch(() => {});
    const kb = new InlineKeyboard();
    // The card's message id rides along, so that the card itself shows the decision afterwards (no stale buttons).
    const card = ctx.callbackQuery.message?.message_id;
    SEND_BACK_REASONS.forEach((key, i) => kb.text(ctx.t(`review:reason.${key}`), `rv:r:${eventId}:${version}:${i}${card ? `:${card}` : ""}`).row());
    kb.text(ctx.t("review:action.typeReason"), `rv:t:${eventId}:${version}`).row();
    kb.text(ctx.t("review:nav.back"), reviewCardData(eventId));
    await ctx.reply(ctx.t("review:sendBack.pick"), { reply_markup: kb });
  });
  composer.callbackQuery(PRESET_RE, async (ctx) => {
    const [eventId, version, reasonNo] = [ctx.match[1]!, Number(ctx.match[2]), Number(ctx.match[3])];
    const reasonKey = SEND_BACK_REASONS[reasonNo];
    if (!reasonKey) return refuse(ctx, "bad_reason");
    const result = await ctx.deps.services.review.decide(actorOf(ctx), {
      eventId,
      version,
      action: "send_back",
      reasonKey,
      requestKey: requestKeyOf(ctx, "send_back"),
    });
    if (!result.ok) return refuse(ctx, result.reason);
    await ctx.answerCallbackQuery({ text: ctx.t(result.duplicate ? "review:done.duplicate" : "review:done.send_back") }).catch(() => {});
    await ctx.editMessageText(ctx.t("review:done.send_back"), { reply_markup: new InlineKeyboard().text(ctx.t("review:notice.openButton"), reviewCardData(eventId)) }).catch(() => {});
    const cardMessage = ctx.match[4] ? Number(ctx.match[4]) : undefined;
    if (cardMessage && ctx.chatId !== undefined) {
      const rendered = await renderCard(ctx, eventId);
      if (rendered) {
        await ctx.api
          .editMessageText(ctx.chatId, cardMessage, rendered.text, { parse_mode: "HTML", reply_markup: rendered.keyboard })
          .catch((err: unknown) => ctx.log.debug({ err }, "the card could not be updated (too old, or too long)"));
      }
    }
  });
  composer.callbackQuery(TYPED_RE, (ctx, next) =>
    unlessBusy(ctx, next, async () => {
      await ctx.answerCallbackQuery().catch(() => {});
      await ctx.conversation.enter(REVIEW_REASON_CONVERSATION, { eventId: ctx.match[1]!, version: Number(ctx.match[2]), action: "send_back" });
    }),
  );
  composer.callbackQuery(VOID_RE, (ctx, next) =>
    unlessBusy(ctx, next, async () => {
      if (!canVoid(ctx.scopes).allowed) return denyAccess(ctx, "review.void", "no_role", { eventId: ctx.match[1] });
      await ctx.answerCallbackQuery().catch(() => {});
      await ctx.conversation.enter(REVIEW_REASON_CONVERSATION, { eventId: ctx.match[1]!, version: 0, action: "void" });
    }),
  );
  composer.callbackQuery(MESSAGE_RE, (ctx, next) =>
    unlessBusy(ctx, next, async () => {
      const event = await ctx.deps.services.events.get(ctx.match[1]!);
      if (!event) return refuse(ctx, "not_found");
      await ctx.answerCallbackQuery().catch(() => {});
      await ctx.conversation.enter(REVIEW_MESSAGE_CONVERSATION, { eventId: event.id, to: event.createdBy });
    }),
  );
  composer.callbackQuery(REPLY_RE, (ctx, next) =>
    unlessBusy(ctx, next, async () => {
      // Who may write to whom is checked when the message is sent (the service); a forged Reply gets nowhere.
      await ctx.answerCallbackQuery().catch(() => {});
      await ctx.conversation.enter(REVIEW_MESSAGE_CONVERSATION, { eventId: ctx.match[1]!, to: Number(ctx.match[2]) });
    }),
  );
  composer.callbackQuery(REASSIGN_RE, async (ctx) => {
    const eventId = ctx.match[1]!;
    const result = await ctx.deps.services.review.reassignToSeatHolder(actorOf(ctx), eventId);
    if (!result.ok) {
      if (result.reason === "no_role") return denyAccess(ctx, "event.reassign", "no_role", { eventId });
      return refuse(ctx, result.reason as ReviewRefusal);
    }
    const name = (await ctx.deps.services.rollups.labels(ctx.lang, [result.to])).person(result.to);
    await refreshCard(ctx, eventId, ctx.t(result.changed ? "review:done.reassigned" : "review:done.alreadyHolder", { name }));
  });
  return composer;
}
