// What the jobs need from delivery: queue a message under an idempotency key. The same key queued twice is one
// message; the delivery worker sends within Telegram's limits, waits out 429s and marks people who blocked the bot.
// The jobs decide what to send; this port is where "exactly once per recipient and period" is enforced.

export interface OutboxButton {
  text: string;
  callbackData: string;
}

export interface OutboxMessage {
  /** e.g. "reminder.24h:<eventId>:<startsAtISO>", "escalation:<eventId>:<telegramId>", "rollup:<day>:<scope>:<telegramId>" */
  key: string;
  /** What it is for: delivery reports and hooks filter on it. */
  purpose: "reminder" | "escalation" | "rollup";
  /** The event id, or the rollup's day. */
  refId: string;
  /** A reporting bucket, e.g. the rollup's scope code. */
  group?: string;
  chatId: number;
  /** HTML, of any length: one longer than Telegram allows is sent as several messages (see deliveryOutbox.ts). */
  text?: string;
  /** A PNG, with an optional HTML caption (≤ 1024 characters; a longer one goes on as text). */
  photo?: { png: Buffer; filename: string; caption?: string };
  buttons?: OutboxButton[][];
}

export interface Outbox {
  /** Queues the messages whose keys were never queued; returns how many Bot API messages were new. */
  enqueue(messages: readonly OutboxMessage[]): Promise<number>;
}
