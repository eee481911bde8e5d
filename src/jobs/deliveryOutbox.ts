// The jobs' outbox port (jobs/outbox.ts) on the delivery layer's durable outbox (src/delivery): messages become Bot
// API calls queued under the same idempotency keys; the delivery worker sends them within Telegram's limits, waits
// out 429s and marks people who blocked the bot (403).
import type { OutboxMessage as DeliveryMessage, OutboxService } from "../delivery/index.js";
import { CAPTION_LIMIT, TEXT_LIMIT, splitHtml } from "../messages/split.js";
import type { Outbox, OutboxMessage } from "./outbox.js";

/** Reminders are time-bound: they go ahead of a large broadcast that is still being sent. */
const PRIORITY: Record<OutboxMessage["purpose"], number> = { reminder: 1, escalation: 1, rollup: 1 };

/** The idempotency key of part n (1-based) of a message split in several: the first keeps the message's key. */
export function partKey(key: string, n: number): string {
  return n === 1 ? key : `${key}#p${n}`;
}

/**
 * One job message as the Bot API calls that carry it. A text longer than Telegram allows becomes several messages
 * (messages/split.ts: cut at line ends, tags closed and reopened), each under its own key — the message's key,
 * then `<key>#p2`, `<key>#p3` … — so queueing it again is still a no-op part by part. The buttons go with the last
 * part. A photo's caption over 1,024 characters keeps its first part and sends the rest as text after it.
 * Parts of one message share the chat's 1/s window, so the worker sends them in order one second apart.
 */
export function toDeliveryMessages(m: OutboxMessage): DeliveryMessage[] {
  const common = {
    purpose: m.purpose,
    refId: m.refId,
    group: m.group ?? null,
    chatId: m.chatId,
    personId: m.chatId,
    priority: PRIORITY[m.purpose],
    // Telegram has no idempotency key: if a worker dies mid-call, record a failure rather than risk a second copy.
    ifInterrupted: "fail" as const,
  };
  const reply_markup = m.buttons
    ? { inline_keyboard: m.buttons.map((row) => row.map((b) => ({ text: b.text, callback_data: b.callbackData }))) }
    : undefined;
  const textParts = (html: string, from: number, last: boolean): DeliveryMessage[] => {
    const parts = splitHtml(html, TEXT_LIMIT);
    return parts.map((text, i) => ({
      ...common,
      key: partKey(m.key, from + i),
      method: "sendMessage",
      params: {
        text,
        parse_mode: "HTML",
        link_preview_options: { is_disabled: true },
        ...(last && reply_markup && i === parts.length - 1 ? { reply_markup } : {}),
      },
    }));
  };
  if (m.photo) {
    const [caption, ...rest] = m.photo.caption ? splitHtml(m.photo.caption, CAPTION_LIMIT) : [];
    const more = rest.length ? textParts(rest.join("\n"), 2, true) : [];
    const photo: DeliveryMessage = {
      ...common,
      key: m.key,
      method: "sendPhoto",
      params: { ...(caption ? { caption, parse_mode: "HTML" } : {}), ...(reply_markup && more.length === 0 ? { reply_markup } : {}) },
      upload: { field: "photo", data: m.photo.png, filename: m.photo.filename },
    };
    return [photo, ...more];
  }
  const parts = textParts(m.text ?? "", 1, true);
  // An empty text is Telegram's to refuse (400, recorded as rejected), as before.
  return parts.length > 0 ? parts : [{ ...common, key: m.key, method: "sendMessage", params: { text: m.text ?? "", parse_mode: "HTML" } }];
}

export function deliveryOutbox(outbox: Pick<OutboxService, "enqueue">): Outbox {
  return {
    async enqueue(messages) {
      if (messages.length === 0) return 0;
      // Counts Bot API messages: a job message split in parts counts each part queued.
      return (await outbox.enqueue(messages.flatMap(toDeliveryMessages))).enqueued;
    },
  };
}
