// /newevent: programme → constituency → date and time → venue (+ optional pin) → expected attendance → notes →
// summary with Confirm / Edit a field / Cancel. The event is stored once per draft, whichever copy of the summary
// is confirmed and on whichever bot instance (see summaryStep's draftKeyOf and eventService).
import type { LatLng } from "../../domain/events/index.js";
import type { TerritoryRef } from "../../domain/territory.js";
import type { EventRefusal } from "../../services/eventService.js";
import type { AppContext } from "../context.js";
import { escapeHtml } from "../format.js";
import { eventLines, fmtWhen, type Reader } from "./eventFormat.js";
import { askExpected, askLocation, askNotes, askProgramme, askTerritory, askVenue } from "./eventSteps.js";
import { load, say, waitForTap, type Conv } from "./prompts.js";
import { safely } from "./safely.js";
import { draftKeyOf, finishCopies, settleConfirm, summaryStep } from "./summaryStep.js";
import { askWhen } from "./whenStep.js";

export const NEW_EVENT_CONVERSATION = "newEvent";

interface Draft {
  programmeKey: string;
  territory: TerritoryRef;
  /** ISO (conversation values must survive JSON). */
  startsAt: string;
  venue: string;
  location: LatLng | null;
  expectedAttendance: number;
  notes: string;
}

type Field = "programme" | "territory" | "when" | "venue" | "location" | "expected" | "notes";
const FIELDS: Field[] = ["programme", "territory", "when", "venue", "location", "expected", "notes"];

/** Refusals at confirm that send the person back to one field; the rest end the conversation. */
const REFUSAL_FIELD: Partial<Record<EventRefusal | "temporary", Field>> = {
  bad_time: "when",
  unknown_programme: "programme",
  bad_venue: "venue",
  bad_expected: "expected",
  bad_notes: "notes",
};

export async function newEventConversation(conversation: Conv, ctx: AppContext): Promise<void> {
  const draftKey = draftKeyOf(ctx);
  // Roles as they were when the person started: the steps offered must not change between replays. The service
  // checks the current roles again at confirm.
  const scopes = await load(conversation, async (c) => c.scopes);
  const programmes = await load(conversation, (c) => c.deps.services.programmes.list("programme"));
  if (programmes.length === 0) {
    await ctx.reply(ctx.t("events:noProgrammes"));
    return;
  }
  const reader: Reader = { lang: ctx.lang, zone: ctx.deps.timeZone };

  const askField = async (field: Field, draft: Partial<Draft>): Promise<void> => {
    switch (field) {
      case "programme":
        draft.programmeKey = await askProgramme(conversation, ctx, programmes);
        return;
      case "territory":
        draft.territory = await askTerritory(conversation, ctx, scopes);
        return;
      case "when":
        draft.startsAt = await askWhen(conversation, ctx);
        return;
      case "venue": {
        const v = await askVenue(conversation, ctx);
        draft.venue = v.venue;
        if (v.location) draft.location = v.location;
        return;
      }
      case "location":
        draft.location = await askLocation(conversation, ctx);
        return;
      case "expected":
        draft.expectedAttendance = await askExpected(conversation, ctx);
        return;
      case "notes":
        draft.notes = await askNotes(conversation, ctx, ctx.t("events:notes.ask"));
        return;
    }
  };

  const draft: Partial<Draft> = {};
  for (const field of FIELDS) {
    // A pin that came with the venue answers the location step.
    if (field === "location" && draft.location) continue;
    await askField(field, draft);
  }

  for (;;) {
    const d = draft as Draft;
    const lang = ctx.lang;
    const territoryName = await load(conversation, (c) => c.deps.services.map.territoryName(d.territory, lang));
    const programme = programmes.find((p) => p.key === d.programmeKey);
    const body = eventLines(ctx.t, reader, {
      programme: programme?.name[lang] ?? d.programmeKey,
      territory: territoryName,
      startsAt: d.startsAt,
      venue: d.venue,
      location: d.location,
      expectedAttendance: d.expectedAttendance,
      notes: d.notes,
    });
    const summaryText = `<b>${ctx.t("events:summary.title")}</b>\n\n${body}`;
    const answer = await summaryStep(conversation, ctx, {
      draft: draftKey,
      text: summaryText,
      cancelled: ctx.t("events:summary.cancelled"),
      fields: FIELDS.map((f) => ({ label: ctx.t(`events:edit.field.${f}`), value: f })),
      columns: 2,
    });
    if (answer.kind === "cancelled") return;
    if (answer.kind === "edit") {
      if (answer.field) await askField(answer.field, draft);
      continue;
    }

    // Confirm.
    const { confirmKey, copies } = answer;
    let { tap } = answer;
    const actorId = ctx.from!.id;
    const input = { ...d, startsAt: new Date(d.startsAt) };
    const save = (refuseSameSlot: boolean) =>
      load(conversation, (c) =>
        safely(c, () => c.deps.services.events.create({ actor: { telegramId: actorId, scopes: c.scopes }, input, confirmKey, refuseSameSlot })),
      );
    let result = await save(true);
    if (!result.ok && result.reason === "same_slot" && "existing" in result) {
      // The seat already has an event at this very time: a second one only when the person says so.
      const first = result.existing[0]!;
      const again = await askAnother(conversation, ctx, tap, {
        seat: territoryName,
        programme: programmes.find((p) => p.key === first.programmeKey)?.name[lang] ?? first.programmeKey,
        when: fmtWhen(reader, first.startsAt),
        venue: first.venue,
      });
      if (!again) continue;
      tap = again;
      copies.push(again.callbackQuery!.message!.message_id);
      result = await save(false);
    }
    const outcome = await settleConfirm(ctx, tap, result, "events:refused");
    if (outcome === "retry") continue;
    if (result.ok) {
      // The summary turns into the confirmation: a replayed press edits it again instead of sending a second message.
      // Already saved (another copy's Confirm, maybe on another instance, or this draft confirmed again after an
      // Edit): the event as it is stored, which an edit since does not change.
      let shown = body;
      if (outcome === "already") {
        const e = result.event;
        const place = { level: e.level, code: e.code };
        const storedTerritory =
          place.level === d.territory.level && place.code === d.territory.code
            ? territoryName
            : await load(conversation, (c) => c.deps.services.map.territoryName(place, lang));
        shown = eventLines(ctx.t, reader, {
          programme: programmes.find((p) => p.key === e.programmeKey)?.name[lang] ?? e.programmeKey,
          territory: storedTerritory,
          startsAt: e.startsAt,
          venue: e.venue,
          location: e.location,
          expectedAttendance: e.expectedAttendance,
          notes: e.notes,
        });
      }
      const already = outcome === "already" ? `\n\n${ctx.t("events:created.already")}` : "";
      await finishCopies(tap, copies, `<b>${ctx.t("events:created.title")}</b>\n\n${shown}${already}\n\n${ctx.t("events:created.next")}`);
      return;
    }
    const field = REFUSAL_FIELD[result.reason as EventRefusal];
    if (!field) return;
    await askField(field, draft);
  }
}

/**
 * "This seat already has an event at this time: register another?" Yes: the tap that said so (it becomes the
 * confirmation, as the Confirm tap would have). No: null, and the summary comes back (to edit the time, or cancel).
 */
async function askAnother(
  conversation: Conv,
  ctx: AppContext,
  confirmTap: AppContext,
  existing: { seat: string; programme: string; when: string; venue: string },
): Promise<AppContext | null> {
  await confirmTap.answerCallbackQuery().catch(() => {});
  await confirmTap.editMessageReplyMarkup().catch(() => {});
  const vars = Object.fromEntries(Object.entries(existing).map(([k, v]) => [k, escapeHtml(v)]));
  const buttons = [
    { label: ctx.t("events:sameSlot.yes"), value: "yes" },
    { label: ctx.t("events:sameSlot.no"), value: "no" },
  ];
  const text = ctx.t("events:sameSlot.ask", vars);
  const prompts = [await say(ctx, text, buttons, 1)];
  const { value, ctx: tap } = await waitForTap(conversation, () => prompts, ["yes", "no"], async (other) => {
    await other.reply(other.t("events:summary.useButtons"));
    prompts.push(await say(other, text, buttons, 1));
  });
  if (value === "yes") return tap;
  await tap.answerCallbackQuery().catch(() => {});
  await tap.editMessageText(`${text}\n\n✅ <b>${escapeHtml(ctx.t("events:sameSlot.no"))}</b>`, { parse_mode: "HTML" }).catch(() => {});
  return null;
}
