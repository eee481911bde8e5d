// The steps of /newevent, each asking one thing until it gets a usable answer. Shared by the first pass and by
// "Edit a field" on the summary.
import type { Message } from "grammy/types";
import {
  checkLocation,
  checkNotes,
  checkVenue,
  parseCount,
  registrationOptions,
  MAX_ATTENDANCE,
  type CountResult,
  type LatLng,
  type TextResult,
} from "../../domain/events/index.js";
import type { TerritoryRef } from "../../domain/territory.js";
import type { AppContext } from "../context.js";
import { ask, type Verdict } from "./ask.js";
import { choose, load, type Choice, type Conv } from "./prompts.js";
import { pickTerritory } from "./territoryPicker.js";

/** A reason for a refused piece of text, in the reader's language. */
export function textReason(ctx: AppContext, ns: string, r: Extract<TextResult, { ok: false }>): string {
  return ctx.t(`${ns}.${r.reason}`, { max: r.max, min: r.min });
}

export function countReason(ctx: AppContext, r: Extract<CountResult, { ok: false }>): string {
  return ctx.t(`events:count.${r.reason}`, { max: r.max ?? MAX_ATTENDANCE });
}

export function countVerdict(ctx: AppContext, text: string, max?: number): Verdict<number> {
  const r = parseCount(text, max);
  return r.ok ? r : { ok: false, reason: countReason(ctx, r) };
}

export function notesVerdict(ctx: AppContext, text: string): Verdict<string> {
  const r = checkNotes(text);
  return r.ok ? r : { ok: false, reason: textReason(ctx, "events:notes.error", r) };
}

export async function askProgramme(conversation: Conv, ctx: AppContext, programmes: { key: string; name: { hi: string; en: string } }[]): Promise<string> {
  if (programmes.length === 1) return programmes[0]!.key;
  return choose(conversation, ctx, {
    prompt: ctx.t("events:programme.ask"),
    choices: programmes.map((p) => ({ label: p.name[ctx.lang], value: p.key })),
    columns: 1,
  });
}

/**
 * Own PC or AC first (★, the default); a PC in-charge may pick one of the PC's ACs; state team, cluster heads and
 * the national office pick any PC or AC in their states. An AC in-charge with one AC is not asked at all.
 */
export async function askTerritory(conversation: Conv, ctx: AppContext, scopes: AppContext["scopes"]): Promise<TerritoryRef> {
  const options = registrationOptions(scopes);
  const lang = ctx.lang;
  const names = await load(conversation, async (c) => {
    const out: Record<string, string> = {};
    for (const ref of options.own) out[ref.code] = await c.deps.services.map.territoryName(ref, lang);
    for (const pc of options.acsOf) out[pc] = await c.deps.services.map.territoryName({ level: "pc", code: pc }, lang);
    return out;
  });
  const choices: Choice[] = [];
  options.own.forEach((ref, i) => choices.push({ label: `${i === 0 ? "★ " : ""}${names[ref.code] ?? ref.code}`, value: `t:${ref.code}` }));
  for (const pc of options.acsOf) choices.push({ label: ctx.t("events:territory.acOf", { pc: names[pc] ?? pc }), value: `a:${pc}` });
  if (options.wide) {
    choices.push({ label: ctx.t("events:territory.anyPc"), value: "w:pc" }, { label: ctx.t("events:territory.anyAc"), value: "w:ac" });
  }
  const only = choices.length === 1 ? choices[0]!.value : undefined;
  const picked = only ?? (await choose(conversation, ctx, { prompt: ctx.t("events:territory.ask"), choices, columns: 1 }));

  if (picked.startsWith("t:")) {
    const code = picked.slice(2);
    return options.own.find((r) => r.code === code)!;
  }
  if (picked.startsWith("a:")) {
    const pc = picked.slice(2);
    const acs = await load(conversation, (c) => c.deps.services.map.listAcs(pc));
    const code = await choose(conversation, ctx, {
      prompt: ctx.t("picker:ac"),
      choices: acs.map((a) => ({ label: `${a.no}. ${a.name}`, value: a.code })),
      columns: 2,
      pageSize: 12,
      searchable: true,
    });
    return { level: "ac", code };
  }
  const wide = options.wide;
  const clusterKeys = wide && wide !== "all" ? wide.clusterKeys : [];
  const clusterStates = await load(conversation, async (c) => {
    if (!clusterKeys.length) return [] as string[];
    const clusters = await c.deps.services.map.listClusters();
    return clusters.filter((cl) => clusterKeys.includes(cl.key)).flatMap((cl) => cl.stateCodes);
  });
  const allowedStates = wide === "all" || !wide ? undefined : [...wide.stateCodes, ...clusterStates];
  return pickTerritory(conversation, ctx, { level: picked === "w:ac" ? "ac" : "pc", allowedStates });
}

function locationOf(msg: Message): LatLng | undefined {
  const loc = msg.venue?.location ?? msg.location;
  return loc ? checkLocation(loc) : undefined;
}

/**
 * The venue's name (typed). A Telegram "venue" (a place picked from the map) gives name and pin at once; a bare pin
 * is kept and the name asked for. Returns the location only if one came with the answer.
 */
export async function askVenue(conversation: Conv, ctx: AppContext): Promise<{ venue: string; location?: LatLng }> {
  let location: LatLng | undefined;
  let firstReason: string | undefined;
  for (;;) {
    const answer = await ask<{ venue?: string; location?: LatLng }>(conversation, ctx, {
      prompt: ctx.t("events:venue.ask"),
      ...(firstReason ? { firstReason } : {}),
      text: (s) => {
        const r = checkVenue(s);
        return r.ok ? { ok: true, value: { venue: r.value } } : { ok: false, reason: textReason(ctx, "events:venue.error", r) };
      },
      message: (msg) => {
        const pin = locationOf(msg);
        if (!pin) return undefined;
        if (msg.venue) {
          const r = checkVenue([msg.venue.title, msg.venue.address].filter(Boolean).join(", "));
          if (r.ok) return { ok: true, value: { venue: r.value, location: pin } };
        }
        return { ok: true, value: { location: pin } };
      },
      otherReason: ctx.t("events:venue.error.notText"),
    });
    if (answer.kind !== "value") continue;
    if (answer.value.location) location = answer.value.location;
    if (answer.value.venue) return { venue: answer.value.venue, ...(location ? { location } : {}) };
    firstReason = ctx.t("events:venue.pinKept");
  }
}

/** A location pin, or Skip. */
export async function askLocation(conversation: Conv, ctx: AppContext): Promise<LatLng | null> {
  const answer = await ask<LatLng>(conversation, ctx, {
    prompt: ctx.t("events:location.ask"),
    buttons: [{ label: ctx.t("events:skip"), value: "skip" }],
    message: (msg) => {
      const pin = locationOf(msg);
      return pin ? { ok: true, value: pin } : undefined;
    },
    textReason: ctx.t("events:location.error"),
    otherReason: ctx.t("events:location.error"),
  });
  return answer.kind === "value" ? answer.value : null;
}

const EXPECTED_BUTTONS = [25, 50, 100, 200];

export async function askExpected(conversation: Conv, ctx: AppContext): Promise<number> {
  const answer = await ask<number>(conversation, ctx, {
    prompt: ctx.t("events:expected.ask"),
    buttons: EXPECTED_BUTTONS.map((n) => ({ label: String(n), value: `n${n}` })),
    columns: 4,
    text: (s) => countVerdict(ctx, s),
    otherReason: ctx.t("events:count.not_a_number"),
  });
  return answer.kind === "value" ? answer.value : Number(answer.value.slice(1));
}

/** Free text, or Skip (""). */
export async function askNotes(conversation: Conv, ctx: AppContext, prompt: string): Promise<string> {
  const answer = await ask<string>(conversation, ctx, {
    prompt,
    buttons: [{ label: ctx.t("events:skip"), value: "skip" }],
    text: (s) => notesVerdict(ctx, s),
    otherReason: ctx.t("events:notes.error.notText"),
  });
  return answer.kind === "value" ? answer.value : "";
}
