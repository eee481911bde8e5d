// /directive: text → optional photo or document → to whom: roles in an area (all India, a cluster or a state; a
// cluster in-charge only their own), one Lok Sabha seat's in-charge, one Vidhan Sabha seat's in-charge, or people
// picked by name → a sample and the exact number of recipients → Send or Cancel. Sending is the
// outbox's job; the sender's status message is kept up to date by bot/directiveProgress.ts.
import { randomBytes } from "node:crypto";
import type { Message } from "grammy/types";
import { CAPTION_TEXT_MAX, PICKED_PEOPLE_MAX, TEXT_MAX, checkDirectiveText, type Audience } from "../../domain/directives.js";
import type { Role } from "../../domain/roles.js";
import { COUNTRY, type TerritoryRef } from "../../domain/territory.js";
import type { DirectiveMedia } from "../../domain/directives.js";
import type { PickablePerson, SenderOptions } from "../../services/directiveService.js";
import type { AppContext } from "../context.js";
import { createDirectiveRenderer } from "../directiveMessages.js";
import { escapeHtml, territoryLabel } from "../format.js";
import { ask, type Verdict } from "./ask.js";
import { chooseMany } from "./chooseMany.js";
import { choose, load, type Conv } from "./prompts.js";
import { safely } from "./safely.js";
import { pickTerritory } from "./territoryPicker.js";

export const DIRECTIVE_CONVERSATION = "directive";

export async function directiveConversation(conversation: Conv, ctx: AppContext): Promise<void> {
  // Stable across replays (it is in the replay log): one "Send" can only ever create one directive.
  const requestId = await conversation.external(() => randomBytes(8).toString("hex"));
  const actorId = ctx.from!.id;
  const options = await load(conversation, (c) => c.deps.services.directives.senderOptions(c.scopes));
  if (!options.allowed) {
    await ctx.reply(ctx.t("directives:refused.no_role"));
    return;
  }

  const text = await askText(conversation, ctx);
  const media = await askMedia(conversation, ctx, text);

  const { audience, picked } = await pickAudience(conversation, ctx, options);
  const { roles, area } = audience;

  const preview = await load(conversation, (c) =>
    c.deps.services.directives.preview({ telegramId: actorId, scopes: c.scopes }, audience),
  );
  if (!preview.ok) {
    await ctx.reply(ctx.t(`directives:refused.${preview.reason}`));
    return;
  }
  if (preview.count === 0) {
    await ctx.reply(ctx.t("directives:preview.nobody"));
    return;
  }

  await showSample(conversation, ctx, options, area, text, media);
  const areaName = await load(conversation, (c) => territoryLabel(c, area));
  const roleNames = roles.map((r) => ctx.t(`common:role.${r}`)).join(", ");
  const confirm = {
    prompt: picked.length
      ? ctx.t("directives:preview.confirmPeople", { count: preview.count, names: escapeHtml(picked.join(", ")) })
      : ctx.t("directives:preview.confirm", { count: preview.count, roles: escapeHtml(roleNames), area: escapeHtml(areaName) }),
    choices: [
      { label: ctx.t("directives:preview.send", { count: preview.count }), value: "send" },
      { label: ctx.t("directives:preview.cancel"), value: "cancel" },
    ],
    columns: 1,
  };
  let decision = await choose(conversation, ctx, confirm);

  for (;;) {
    if (decision === "cancel") {
      await ctx.reply(ctx.t("directives:preview.cancelled"));
      return;
    }
    const status = await ctx.reply(ctx.t("directives:progress.preparing", { count: preview.count }));
    const chatId = ctx.chat!.id;
    const result = await load(conversation, (c) =>
      safely(c, () =>
        c.deps.services.directives.create(
          {
            actor: { telegramId: actorId, scopes: c.scopes },
            requestKey: `${actorId}:${requestId}`,
            text,
            media,
            audience,
            senderLang: c.lang,
            progress: { chatId, messageId: status.message_id },
            updateId: c.update.update_id,
          },
          createDirectiveRenderer(c.deps.i18n, c.deps.timeZone),
        ),
      ),
    );
    if (result.ok) return; // the delivery worker edits the status message from here on
    const reason = ctx.t(`directives:refused.${result.reason}`);
    await ctx.api.editMessageText(chatId, status.message_id, reason).catch(() => ctx.reply(reason));
    if (result.reason !== "temporary") return;
    decision = await choose(conversation, ctx, {
      ...confirm,
      choices: [{ label: ctx.t("directives:retry"), value: "send" }, confirm.choices[1]!],
    });
  }
}

async function askText(conversation: Conv, ctx: AppContext): Promise<string> {
  const answer = await ask<string>(conversation, ctx, {
    prompt: ctx.t("directives:ask.text", { max: TEXT_MAX }),
    text: (raw, c): Verdict<string> => {
      const checked = checkDirectiveText(raw, false);
      return checked.ok
        ? { ok: true, value: checked.text }
        : { ok: false, reason: c.t(`directives:ask.textProblem.${checked.reason}`, { max: checked.max, length: checked.length }) };
    },
    otherReason: ctx.t("directives:ask.textFirst"),
  });
  return answer.kind === "value" ? answer.value : "";
}

async function askMedia(conversation: Conv, ctx: AppContext, text: string): Promise<DirectiveMedia | null> {
  const answer = await ask<DirectiveMedia>(conversation, ctx, {
    prompt: ctx.t("directives:ask.attachment"),
    buttons: [{ label: ctx.t("directives:ask.noAttachment"), value: "none" }],
    columns: 1,
    message: (msg: Message, c): Verdict<DirectiveMedia> | undefined => {
      const media: DirectiveMedia | undefined = msg.photo?.length
        ? { kind: "photo", fileId: msg.photo[msg.photo.length - 1]!.file_id }
        : msg.document
          ? { kind: "document", fileId: msg.document.file_id, fileName: msg.document.file_name ?? null }
          : undefined;
      if (!media) return undefined;
      const checked = checkDirectiveText(text, true);
      if (!checked.ok) {
        return { ok: false, reason: c.t("directives:ask.tooLongForCaption", { max: CAPTION_TEXT_MAX, length: checked.length }) };
      }
      return { ok: true, value: media };
    },
    textReason: ctx.t("directives:ask.attachmentOrSkip"),
    otherReason: ctx.t("directives:ask.attachmentOrSkip"),
  });
  return answer.kind === "value" ? answer.value : null;
}

/** To whom: roles in an area, one seat's in-charge, or people picked by name (with their names, for the summary). */
async function pickAudience(conversation: Conv, ctx: AppContext, options: SenderOptions): Promise<{ audience: Audience; picked: string[] }> {
  const allowedStates = options.national ? undefined : options.clusters.flatMap((c) => c.stateCodes);
  const mode = await choose(conversation, ctx, {
    prompt: ctx.t("directives:ask.target"),
    choices: [
      { label: ctx.t("directives:ask.targetRoles"), value: "roles" },
      ...(options.roles.includes("pc_incharge") ? [{ label: ctx.t("directives:ask.targetPc"), value: "pc" }] : []),
      ...(options.roles.includes("ac_incharge") ? [{ label: ctx.t("directives:ask.targetAc"), value: "ac" }] : []),
      { label: ctx.t("directives:ask.targetPeople"), value: "people" },
    ],
    columns: 1,
  });
  if (mode === "pc" || mode === "ac") {
    const seat = await pickTerritory(conversation, ctx, { level: mode, allowedStates });
    return { audience: { roles: [mode === "pc" ? "pc_incharge" : "ac_incharge"], area: seat }, picked: [] };
  }
  if (mode === "people") {
    const area = options.national ? COUNTRY : await ownCluster(conversation, ctx, options);
    const people = await pickPeople(conversation, ctx, area);
    return { audience: { roles: [...options.roles], area, people: people.map((p) => p.telegramId) }, picked: people.map((p) => p.name) };
  }
  const roles = (await chooseMany(conversation, ctx, {
    prompt: ctx.t("directives:ask.roles"),
    choices: options.roles.map((r) => ({ label: ctx.t(`common:role.${r}`), value: r })),
    doneLabel: ctx.t("directives:ask.continue"),
    allLabel: ctx.t("directives:ask.allRoles"),
    noneReason: ctx.t("directives:ask.noRole"),
  })) as Role[];
  return { audience: { roles, area: await pickArea(conversation, ctx, options) }, picked: [] };
}

async function ownCluster(conversation: Conv, ctx: AppContext, options: SenderOptions): Promise<TerritoryRef> {
  const keys = options.clusters.map((c) => c.key);
  if (keys.length === 1) return { level: "cluster", code: keys[0]! };
  return pickTerritory(conversation, ctx, { level: "cluster", allowedClusters: keys });
}

/** Name searches, each match a button; as many rounds as needed, then Done. Only people the sender may address. */
async function pickPeople(conversation: Conv, ctx: AppContext, area: TerritoryRef): Promise<PickablePerson[]> {
  const picked: PickablePerson[] = [];
  const actorId = ctx.from!.id;
  let note: string | undefined;
  for (;;) {
    const names = picked.map((p) => p.name).join(", ");
    const answer = await ask<string>(conversation, ctx, {
      prompt: picked.length ? ctx.t("directives:ask.peopleMore", { count: picked.length, names: escapeHtml(names) }) : ctx.t("directives:ask.people"),
      buttons: picked.length ? [{ label: ctx.t("directives:ask.peopleDone", { count: picked.length }), value: "done" }] : [],
      columns: 1,
      text: (raw, c): Verdict<string> =>
        raw.trim().length >= 2 ? { ok: true, value: raw.trim().slice(0, 64) } : { ok: false, reason: c.t("directives:ask.peopleShort") },
      otherReason: ctx.t("directives:ask.peopleShort"),
      ...(note ? { firstReason: note } : {}),
    });
    note = undefined;
    if (answer.kind === "button") return picked;
    const found = (await load(conversation, (c) => c.deps.services.directives.findPeople({ telegramId: actorId, scopes: c.scopes }, area, answer.value))).filter(
      (p) => !picked.some((q) => q.telegramId === p.telegramId),
    );
    if (found.length === 0) {
      note = ctx.t("directives:ask.peopleNone", { query: escapeHtml(answer.value) });
      continue;
    }
    const choice = await choose(conversation, ctx, {
      prompt: ctx.t("directives:ask.peoplePick"),
      choices: found.map((p, i) => ({ label: `${p.name} · ${ctx.t(`common:role.${p.role}`)}`, value: String(i) })),
      extra: [{ label: ctx.t("directives:ask.peopleSearchAgain"), value: "again" }],
      columns: 1,
    });
    if (choice !== "again") picked.push(found[Number(choice)]!);
    if (picked.length >= PICKED_PEOPLE_MAX) return picked;
  }
}

async function pickArea(conversation: Conv, ctx: AppContext, options: SenderOptions): Promise<TerritoryRef> {
  const clusterKeys = options.clusters.map((c) => c.key);
  if (options.national) {
    const level = await choose(conversation, ctx, {
      prompt: ctx.t("directives:ask.area"),
      choices: [
        { label: ctx.t("directives:ask.areaCountry"), value: "country" },
        { label: ctx.t("directives:ask.areaCluster"), value: "cluster" },
        { label: ctx.t("directives:ask.areaState"), value: "state" },
      ],
      columns: 1,
    });
    if (level === "country") return COUNTRY;
    return pickTerritory(conversation, ctx, { level: level === "cluster" ? "cluster" : "state" });
  }
  const level = await choose(conversation, ctx, {
    prompt: ctx.t("directives:ask.area"),
    choices: [
      { label: ctx.t("directives:ask.areaWholeCluster"), value: "cluster" },
      { label: ctx.t("directives:ask.areaOneState"), value: "state" },
    ],
    columns: 1,
  });
  if (level === "cluster") {
    if (clusterKeys.length === 1) return { level: "cluster", code: clusterKeys[0]! };
    return pickTerritory(conversation, ctx, { level: "cluster", allowedClusters: clusterKeys });
  }
  return pickTerritory(conversation, ctx, { level: "state", allowedStates: options.clusters.flatMap((c) => c.stateCodes) });
}

/** The message as recipients will see it, in the sender's language. */
async function showSample(
  conversation: Conv,
  ctx: AppContext,
  options: SenderOptions,
  area: TerritoryRef,
  text: string,
  media: DirectiveMedia | null,
): Promise<void> {
  const cluster = options.national
    ? null
    : (options.clusters.find((c) => (area.level === "cluster" ? c.key === area.code : c.stateCodes.includes(area.code))) ?? null);
  const createdAt = new Date(await conversation.now());
  const sample = await conversation.external((c: AppContext) =>
    createDirectiveRenderer(c.deps.i18n, c.deps.timeZone)({
      lang: c.lang,
      deliveryId: "0".repeat(24),
      reminder: false,
      directive: { text, media, createdAt, fromCluster: cluster ? cluster.name : null },
    }),
  );
  await ctx.reply(ctx.t("directives:preview.sample"));
  const { reply_markup: _button, ...params } = sample.params;
  if (sample.method === "sendMessage") {
    await ctx.reply(String(params.text), { parse_mode: "HTML", link_preview_options: { is_disabled: true } });
  } else if (sample.method === "sendPhoto") {
    await ctx.replyWithPhoto(String(params.photo), { caption: String(params.caption), parse_mode: "HTML" });
  } else {
    await ctx.replyWithDocument(String(params.document), { caption: String(params.caption), parse_mode: "HTML" });
  }
}
