// Older databases re-keyed at start: people by Telegram id, conversation states by chat, reports by event and
// versions by "<event>:<version>". Idempotent, and an interrupted run is finished by the next.
import { describe, expect } from "vitest";
import { Types } from "mongoose";
// Each test its own database: the counts below are of everything legacy in it.
import { testWithDatabase as it } from "../helpers/db.js";
import { rekeyLegacyDocuments, rekeyLegacyDocumentsOnce } from "../../src/db/migrations/rekey.js";

describe("re-keying legacy documents", () => {
  it("moves people, conversation states, reports and versions to their keys, once", async ({ db }) => {
    const eventId = new Types.ObjectId();
    const m = db.models;
    await m.Person.collection.insertOne({ _id: new Types.ObjectId(), telegramId: 6_500_000_001, firstName: "Old", roles: [], language: "hi" } as never);
    await m.ConversationState.collection.insertOne({ _id: new Types.ObjectId(), key: "chat:6500000001", value: "{}", updatedAt: new Date() } as never);
    await m.Report.collection.insertOne({ _id: new Types.ObjectId(), eventId, total: 5, version: 1 } as never);
    await m.ReportVersion.collection.insertOne({ _id: new Types.ObjectId(), eventId, version: 1, total: 5 } as never);

    expect(await rekeyLegacyDocuments(m)).toBe(4);
    expect(await m.Person.findById(6_500_000_001).lean()).toMatchObject({ firstName: "Old", language: "hi" });
    expect(await m.Person.countDocuments({})).toBe(1);
    expect(await m.ConversationState.findById("chat:6500000001").lean()).toMatchObject({ logId: "chat:6500000001#legacy", handledUpdateIds: [] });
    expect(await m.ConversationLog.findById("chat:6500000001#legacy").lean()).toMatchObject({ value: "{}" });
    expect(await m.Report.findById(eventId).lean()).toMatchObject({ total: 5 });
    expect(await m.ReportVersion.findById(`${String(eventId)}:1`).lean()).toMatchObject({ total: 5 });
    // Nothing left to do the second time.
    expect(await rekeyLegacyDocuments(m)).toBe(0);
  });

  it("finishes a run interrupted after a legacy document was removed and before its new copy was stored", async ({ db }) => {
    const m = db.models;
    const legacy = { _id: new Types.ObjectId(), telegramId: 6_500_000_002, firstName: "Half", roles: [] };
    // As the interrupted run left it: copied aside, removed from people, not yet re-inserted.
    await m.Person.db.collection("people_rekey").insertOne(legacy as never);
    expect(await rekeyLegacyDocuments(m)).toBe(1);
    expect(await m.Person.findById(6_500_000_002).lean()).toMatchObject({ firstName: "Half" });
    expect(await m.Person.db.collection("people_rekey").countDocuments({})).toBe(0);
  });

  it("runs at start only until it has once run to its end (later starts read one marker, not the collections)", async ({ db }) => {
    const m = db.models;
    await m.Person.collection.insertOne({ _id: new Types.ObjectId(), telegramId: 6_500_000_003, firstName: "Late", roles: [] } as never);
    expect(await rekeyLegacyDocumentsOnce(m, () => new Date())).toBe(1);
    expect(await m.Person.findById(6_500_000_003).lean()).toMatchObject({ firstName: "Late" });
    await m.Person.collection.insertOne({ _id: new Types.ObjectId(), telegramId: 6_500_000_004, firstName: "After", roles: [] } as never);
    expect(await rekeyLegacyDocumentsOnce(m, () => new Date())).toBe(0);
  });
});
