// The "when" step of /newevent and of moving an event: a date and a time, by buttons (today, tomorrow, common
// hours) or typed in any form domain/events/when.ts reads, in either order or together. Whatever part was already
// given is kept while the other is asked for; an impossible or too-early moment is refused with the reason.
import {
  checkDate,
  combineWhen,
  parseWhen,
  resolveDate,
  type CalendarDate,
  type ClockTime,
  type WhenError,
} from "../../domain/events/index.js";
import type { AppContext } from "../context.js";
import { ask, type Verdict } from "./ask.js";
import { fmtDay, fmtTime, type Reader } from "./eventFormat.js";
import { load, type Conv } from "./prompts.js";

const TIME_BUTTONS: ClockTime[] = [
  { hour: 10, minute: 0 },
  { hour: 11, minute: 0 },
  { hour: 12, minute: 0 },
  { hour: 15, minute: 0 },
  { hour: 16, minute: 0 },
  { hour: 17, minute: 0 },
];

type Parts = { date?: CalendarDate; time?: ClockTime };

/** Returns the chosen moment as an ISO string (UTC). */
export async function askWhen(conversation: Conv, ctx: AppContext, initial: Parts = {}): Promise<string> {
  const zone = ctx.deps.timeZone;
  const reader: Reader = { lang: ctx.lang, zone };
  // The clock is read once, through the replay log, so "today" means the same on every replay.
  const nowIso = await load(conversation, async (c) => c.deps.now().toISOString());
  const now = new Date(nowIso);
  const errorText = (reason: WhenError) => ctx.t(`events:when.error.${reason}`);
  const parts: Parts = { ...initial };
  let pendingReason: string | undefined;

  const dayOffset = (offsetDays: number): CalendarDate => {
    const r = resolveDate({ offsetDays }, now, zone);
    return r.ok ? r.value : { year: 2000, month: 1, day: 1 };
  };

  for (;;) {
    if (parts.date && parts.time) {
      const combined = combineWhen(parts.date, parts.time, now, zone);
      if (combined.ok) return combined.value.toISOString();
      // The date makes it too early or too late: keep the time, ask for the day again.
      pendingReason = errorText(combined.reason);
      delete parts.date;
    }

    const dayButtons = [
      { label: ctx.t("events:when.today"), value: "d0" },
      { label: ctx.t("events:when.tomorrow"), value: "d1" },
    ];
    const timeButtons = TIME_BUTTONS.map((tm) => ({ label: fmtTime(reader, tm), value: `h${tm.hour}` }));
    const prompt = !parts.date && !parts.time
      ? ctx.t("events:when.ask")
      : parts.date
        ? ctx.t("events:when.askTime", { date: fmtDay(reader, parts.date) })
        : ctx.t("events:when.askDate", { time: fmtTime(reader, parts.time!) });
    const buttons = parts.date ? timeButtons : dayButtons;

    const read = (text: string): Verdict<Parts> => {
      const parsed = parseWhen(text);
      if (!parsed.ok) return { ok: false, reason: errorText(parsed.reason) };
      const out: Parts = {};
      if (parsed.value.date) {
        const resolved = resolveDate(parsed.value.date, now, zone);
        if (!resolved.ok) return { ok: false, reason: errorText(resolved.reason) };
        const checked = checkDate(resolved.value, now, zone);
        if (!checked.ok) return { ok: false, reason: errorText(checked.reason) };
        out.date = checked.value;
      }
      if (parsed.value.time) out.time = parsed.value.time;
      return { ok: true, value: out };
    };

    const firstReason = pendingReason;
    pendingReason = undefined;
    const answer = await ask<Parts>(conversation, ctx, {
      prompt,
      ...(firstReason ? { firstReason: `⚠️ ${firstReason}` } : {}),
      buttons,
      columns: parts.date ? 3 : 2,
      text: read,
      otherReason: ctx.t("events:when.error.not_understood"),
    });
    if (answer.kind === "button") {
      if (answer.value.startsWith("d")) parts.date = dayOffset(Number(answer.value.slice(1)));
      else parts.time = { hour: Number(answer.value.slice(1)), minute: 0 };
    } else {
      if (answer.value.date) parts.date = answer.value.date;
      if (answer.value.time) parts.time = answer.value.time;
    }
  }
}
