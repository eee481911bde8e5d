// The conversation store keeps the replay-log entries it last read or wrote (services/conversationStore.ts): an
// entry is never changed once written, so the next update of a chat need not read back what the last one wrote, and
// another copy's write (a new entry the head names) is always read from the database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../helpers/db.js";
import { createConversationStore } from "../../src/services/conversationStore.js";

let db: TestDatabase;
let logReads: string[] = [];
const now = () => new Date("2026-12-04T10:00:00Z");

beforeAll(async () => {
  db = await openTestDatabase("convstore");
  db.connection.set("debug", (collection: string, method: string, filter?: { _id?: string }) => {
    if (collection === "conversation_logs" && method.startsWith("find")) logReads.push(String(filter?._id));
  });
});
afterAll(async () => {
  db.connection.set("debug", false);
  await db.drop();
});

describe("the conversation store", () => {
  it("reads back what it wrote without reading the log again; another copy reads it from the database", async () => {
    const store = createConversationStore(db.models, now);
    const written = await store.write("chat:1", '{"state":"one"}', [10]);
    logReads = [];
    expect(await store.read("chat:1")).toMatchObject({ logId: written.logId, value: '{"state":"one"}', handledUpdateIds: [10] });
    expect(logReads).toEqual([]);

    const otherCopy = createConversationStore(db.models, now);
    expect((await otherCopy.read("chat:1"))?.value).toBe('{"state":"one"}');
    expect(logReads).toEqual([written.logId]);
    // Kept by the other copy too, once read.
    await otherCopy.read("chat:1");
    expect(logReads).toEqual([written.logId]);
  });

  it("uses the entry the head names: a newer one written by another copy is read, never the one kept", async () => {
    const store = createConversationStore(db.models, now);
    const otherCopy = createConversationStore(db.models, now);
    await store.write("chat:2", '{"state":"mine"}', [20]);
    const theirs = await otherCopy.write("chat:2", '{"state":"theirs"}', [20, 21]);
    logReads = [];
    expect(await store.read("chat:2")).toMatchObject({ logId: theirs.logId, value: '{"state":"theirs"}', handledUpdateIds: [20, 21] });
    expect(logReads).toEqual([theirs.logId]);
    // A finished conversation: no entry at all.
    await store.write("chat:2", null, [20, 21, 22]);
    expect(await store.read("chat:2")).toMatchObject({ logId: null, value: null });
  });

  it("keeps only up to its size, the least recently used going first", async () => {
    const value = (c: string) => JSON.stringify({ s: c.repeat(20) });
    const store = createConversationStore(db.models, now, { logCacheChars: 2 * value("a").length });
    const a = await store.write("chat:3", value("a"), []);
    await store.write("chat:4", value("b"), []);
    const c = await store.write("chat:5", value("c"), []);
    logReads = [];
    await store.read("chat:5");
    await store.read("chat:4");
    expect(logReads).toEqual([]);
    expect((await store.read("chat:3"))?.value).toBe(value("a"));
    expect(logReads).toEqual([a.logId]);
    // Reading chat:3 kept it and let the least recently used (chat:5) go.
    await store.read("chat:5");
    expect(logReads).toEqual([a.logId, c.logId]);
  });
});
