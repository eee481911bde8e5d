// /directive: text → optional photo or document → roles → area (all India, a cluster or a state; a cluster
// in-charge only their own) → a sample and the exact number of recipients → Send or Cancel. Sending is the
// outbox's job; the sender's status message is kept up to date by bot/directiveProgress.ts.
import { randomBytes } from "node:crypto";
import type { Message } from "grammy/types";
import { CAPTION_TEXT_MAX, TEXT_MAX, checkDirectiveText, type Audience } from "../../domain/directives.js";
import type { Role } from "../../domain/roles.js";
import { COUNTRY, type TerritoryRef } from "../../domain/territory.js";
import type { DirectiveMedia } from "../../domain/directives.js";
import type { SenderOptions } from "../../services/directiveService.js";
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

  const roles = (await chooseMany(conversation, ctx, {
    prompt: ctx.t("directives:ask.roles"),
    choices: options.roles.map((r) => ({ label: ctx.t(`common:role.${r}`), value: r })),
    doneLabel: ctx.t("directives:ask.continue"),
    allLabel: ctx.t("directives:ask.allRoles"),
    noneReason: ctx.t("directives:ask.noRole"),
  })) as Role[];
  const area = await pickArea(conversation, ctx, options);
  const audience: Audience = { roles, area };

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
    prompt: ctx.t("directives:preview.confirm", { count: preview.count, roles: escapeHtml(roleNames), area: escapeHtml(areaName) }),
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
    const status = await ctx.reply(ctx.t("directives:progress.preparing", { total: preview.count }));
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
