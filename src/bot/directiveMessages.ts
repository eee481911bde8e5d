// How directives read: the message each recipient gets (in their language, with an Acknowledge button), the
// sender's progress line, and the summaries of /directives. The directive's own text is the sender's, escaped.
import type { I18n, Language, Translate } from "../i18n.js";
import type { DeliveryCounts } from "../domain/directives.js";
import type { DirectiveRenderer } from "../services/directiveService.js";
import { escapeHtml } from "./format.js";
import { dateTimeText } from "../messages/time.js";

/** Callback data of the Acknowledge button: `dv:a:<deliveryId>` (29 bytes). */
export const ACK_PREFIX = "dv:a:";
export const ACK_DATA = /^dv:a:([0-9a-f]{24})$/;

export function ackData(deliveryId: string): string {
  return `${ACK_PREFIX}${deliveryId}`;
}

export function formatWhen(lang: Language, zone: string, at: Date | string): string {
  return dateTimeText(lang, zone, at, "d LLL yyyy");
}

export function ackKeyboard(t: Translate, deliveryId: string, acknowledged = false): { inline_keyboard: { text: string; callback_data: string }[][] } {
  return {
    inline_keyboard: [[{ text: t(acknowledged ? "directives:message.acknowledged" : "directives:message.ack"), callback_data: ackData(deliveryId) }]],
  };
}

/** The renderer the directive service uses for every recipient's message. */
export function createDirectiveRenderer(i18n: I18n, timeZone: string): DirectiveRenderer {
  return ({ lang, deliveryId, reminder, directive }) => {
    const t = i18n.t(lang);
    const from = directive.fromCluster
      ? t("directives:message.fromCluster", { name: escapeHtml(directive.fromCluster[lang]) })
      : t("directives:message.fromNational");
    const header = t(reminder ? "directives:message.reminderHeader" : "directives:message.header", {
      from,
      when: escapeHtml(formatWhen(lang, timeZone, directive.createdAt)),
    });
    const body = `${header}\n\n${escapeHtml(directive.text)}`;
    const reply_markup = ackKeyboard(t, deliveryId);
    const media = directive.media;
    if (!media) {
      return { method: "sendMessage", params: { text: body, parse_mode: "HTML", reply_markup, link_preview_options: { is_disabled: true } } };
    }
    return {
      method: media.kind === "photo" ? "sendPhoto" : "sendDocument",
      params: { [media.kind]: media.fileId, caption: body, parse_mode: "HTML", reply_markup },
    };
  };
}

export function countsLine(t: Translate, c: DeliveryCounts, withAcks: boolean): string {
  const parts = [
    t("directives:counts.sent", { n: c.sent }),
    ...(withAcks ? [t("directives:counts.acknowledged", { n: c.acknowledged })] : []),
    ...(c.blocked ? [t("directives:counts.blocked", { n: c.blocked })] : []),
    ...(c.failed ? [t("directives:counts.failed", { n: c.failed })] : []),
    ...(c.pending ? [t("directives:counts.pending", { n: c.pending })] : []),
  ];
  return parts.join(" · ");
}

/** The sender's status message, edited as deliveries complete. */
export function progressText(t: Translate, c: DeliveryCounts): string {
  const done = c.total - c.pending;
  const head = c.pending === 0 ? t("directives:progress.finished", { count: c.total }) : t("directives:progress.sending", { done, total: c.total });
  const tail = c.pending === 0 ? `\n\n${t("directives:progress.seeList")}` : "";
  return `${head}\n${countsLine(t, c, false)}${tail}`;
}
