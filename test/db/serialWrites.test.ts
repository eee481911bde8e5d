// Writes to a shared document, one at a time within a process (db/serialWrites.ts): on FerretDB 1.24 two concurrent
// updates of one document can lose one, and many people's actions write one PC's calendar.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Types } from "mongoose";
import { openTestDatabase, type TestDatabase } from "../helpers/db.js";
import { createSerialWrites } from "../../src/db/serialWrites.js";
import { createCalendars } from "../../src/services/calendars.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase("serial-writes");
});
afterAll(async () => {
  await db.drop();
});

describe("serial writes", () => {
  it("run one key's writes in order, each after the one before has settled, a failed one included", async () => {
    const serial = createSerialWrites();
    const log: string[] = [];
    let release!: () => void;
    const first = serial.run("k", () => new Promise<void>((resolve) => (release = resolve)).then(() => void log.push("first")));
    const failing = serial.run("k", () => Promise.reject(new Error("refused")));
    const third = serial.run("k", async () => void log.push("third"));
    const other = serial.run("other", async () => void log.push("other key"));
    await other;
    expect(log).toEqual(["other key"]); // another key does not wait
    release();
    await first;
    await expect(failing).rejects.toThrow("refused");
    await third;
    expect(log).toEqual(["other key", "first", "third"]);
    await Promise.resolve();
    expect(serial.busy).toBe(0);
  });

  it("keep every one of 40 events filed at once into one PC's calendar", async () => {
    const calendars = createCalendars(db.models);
    const startsAt = new Date("2026-12-10T10:00:00Z");
    const ids = Array.from({ length: 40 }, () => new Types.ObjectId().toHexString());
    await Promise.all(ids.map((id, i) => calendars.file({ id, startsAt, pcCode: "IN-UP:P70", acCode: null, createdBy: 7_200_000_000 + i })));
    await Promise.all(ids.slice(0, 10).map((id, i) => calendars.close({ id, pcCode: "IN-UP:P70", acCode: null, createdBy: 7_200_000_000 + i })));
    const doc = await db.models.Calendar.findById("pc:IN-UP:P70").lean();
    expect(doc?.entries).toHaveLength(40);
    expect(doc?.closed?.sort()).toEqual(ids.slice(0, 10).sort());
    expect((await calendars.idsBetween(["pc:IN-UP:P70"], undefined, { open: true })).sort()).toEqual(ids.slice(10).sort());
  });
});
