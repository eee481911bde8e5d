// Enqueueing: one message per idempotency key for all time (pending or final), payloads kept as JSON (keyboards are
// nested arrays), and the merged view of pending and final messages.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createOutboxService, type OutboxService } from "../../src/delivery/outbox.js";
import { openTestDatabase, type TestDatabase } from "../helpers/db.js";

describe("outbox", () => {
  let db: TestDatabase;
  let outbox: OutboxService;
  const now = () => new Date("2026-11-26T06:30:00Z");

  // A database per test: each counts everything queued in it.
  beforeEach(async () => {
    db = await openTestDatabase("outbox");
    outbox = createOutboxService(db.models, now);
  });
  afterEach(async () => {
    await db.drop();
  });

  const msg = (key: string, chatId = 1) => ({
    key,
    purpose: "rollup",
    refId: "2026-11-26",
    group: "north",
    chatId,
    personId: chatId,
    params: { text: "<b>Hi</b>", parse_mode: "HTML", reply_markup: { inline_keyboard: [[{ text: "A", callback_data: "a" }], [{ text: "B", callback_data: "b" }]] } },
  });

  it("queues a key once, even when repeated in one call, and wakes listeners only for new work", async () => {
    let woken = 0;
    const off = outbox.onEnqueued(() => woken++);
    expect(await outbox.enqueue([msg("k1"), msg("k1"), msg("k2", 2)])).toEqual({ enqueued: 2, duplicates: 1 });
    expect(await outbox.enqueue(msg("k1"))).toEqual({ enqueued: 0, duplicates: 1 });
    expect(woken).toBe(1);
    off();
    const item = await db.models.OutboxItem.findOne({ key: "k1" }).lean();
    expect(JSON.parse(item!.params).reply_markup.inline_keyboard[1][0].callback_data).toBe("b");
    expect(item).toMatchObject({ status: "pending", method: "sendMessage", priority: 0, ifInterrupted: "fail" });
  });

  it("never queues again a key that is already final", async () => {
    await outbox.enqueue([msg("k1"), msg("k2", 2)]);
    const item = await db.models.OutboxItem.findOne({ key: "k2" }).lean();
    await db.models.OutboxDone.create({
      _id: item!._id, key: "k2", purpose: "rollup", refId: "2026-11-26", group: "north", chatId: 2, personId: 2, method: "sendMessage",
      status: "sent", attempts: 1, reason: null, errorCode: null, error: null, sentAt: now(), messageId: 5, createdAt: now(), finishedAt: now(),
    });
    await db.models.OutboxItem.deleteOne({ key: "k2" });
    expect(await outbox.enqueue(msg("k2", 2))).toEqual({ enqueued: 0, duplicates: 1 });
    expect(await db.models.OutboxItem.countDocuments({ key: "k2" })).toBe(0);
    expect(await outbox.get("k2")).toMatchObject({ status: "sent", messageId: 5, attempts: 1 });
    expect(await outbox.get("k1")).toMatchObject({ status: "pending", attempts: 0 });
    expect((await outbox.listByRef("rollup", "2026-11-26")).map((r) => [r.key, r.status]).sort()).toEqual([
      ["k1", "pending"],
      ["k2", "sent"],
    ]);
    expect(await outbox.pendingCount()).toBe(1);
    expect(await outbox.pendingCount({ purpose: "directive" })).toBe(0);
  });

  it("refuses malformed messages before anything is stored", async () => {
    await expect(outbox.enqueue({ ...msg(""), key: "" })).rejects.toThrow(/key/);
    await expect(outbox.enqueue({ ...msg("k9"), params: { chat_id: 5, text: "x" } })).rejects.toThrow(/chat_id/);
    await expect(outbox.enqueue({ ...msg("k9"), chatId: 1.5 })).rejects.toThrow(/chatId/);
    expect(await db.models.OutboxItem.countDocuments({ key: "k9" })).toBe(0);
  });
});
