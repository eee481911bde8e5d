// The jobs' outbox port (jobs/outbox.ts) on the delivery layer's durable outbox (src/delivery): messages become Bot
// API calls queued under the same idempotency keys; the delivery worker sends them within Telegram's limits, waits
// out 429s and marks people who blocked the bot (403).
import type { OutboxMessage as DeliveryMessage, OutboxService } from "../delivery/outbox.js";
import type { Outbox, OutboxMessage } from "./outbox.js";

/** Reminders are time-bound: they go ahead of a large broadcast that is still being sent. */
const PRIORITY: Record<OutboxMessage["purpose"], number> = { reminder: 1, escalation: 1, rollup: 1 };

export function toDeliveryMessage(m: OutboxMessage): DeliveryMessage {
  const common = {
    key: m.key,
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
  if (m.photo) {
    return {
      ...common,
      method: "sendPhoto",
      params: { ...(m.photo.caption ? { caption: m.photo.caption, parse_mode: "HTML" } : {}), ...(reply_markup ? { reply_markup } : {}) },
      upload: { field: "photo", data: m.photo.png, filename: m.photo.filename },
    };
  }
  return {
    ...common,
    method: "sendMessage",
    params: {
      text: m.text ?? "",
      parse_mode: "HTML",
      link_preview_options: { is_disabled: true },
      ...(reply_markup ? { reply_markup } : {}),
    },
  };
}

export function deliveryOutbox(outbox: Pick<OutboxService, "enqueue">): Outbox {
  return {
    async enqueue(messages) {
      if (messages.length === 0) return 0;
      return (await outbox.enqueue(messages.map(toDeliveryMessage))).enqueued;
    },
  };
}
