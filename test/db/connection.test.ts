import { describe, expect } from "vitest";
import { testDbKind, testWithFileDatabase as it } from "../helpers/db.js";

describe("database connection", () => {

  it("creates the unique indexes the code relies on", async ({ db }) => {
    const indexes = (await db.models.Invite.listIndexes()) as { key: Record<string, number>; unique?: boolean }[];
    expect(indexes.find((i) => i.key.tokenHash === 1)?.unique).toBe(true);
    const people = (await db.models.Person.listIndexes()) as { key: Record<string, number>; unique?: boolean }[];
    expect(people.find((i) => i.key.telegramId === 1)?.unique).toBe(true);
  });

  it("rejects a second person with the same Telegram id", async ({ db }) => {
    await db.models.Person.create({ telegramId: 7_000_000_001, firstName: "A", roles: [] });
    await expect(db.models.Person.create({ telegramId: 7_000_000_001, firstName: "B", roles: [] })).rejects.toMatchObject({
      code: 11000,
    });
    expect(await db.models.Person.countDocuments({ telegramId: 7_000_000_001 })).toBe(1);
  });

  it("throws on a query by a field the schema does not know (strictQuery)", async ({ db }) => {
    await expect(db.models.Person.find({ notAField: 1 } as never)).rejects.toThrow();
  });

  it("neutralises operators smuggled into a filter (sanitizeFilter)", async ({ db }) => {
    // Wrapped in $eq by sanitizeFilter, the object can never act as an operator: the query is refused outright.
    await expect(db.models.Person.findOne({ firstName: { $ne: "zzz" } as never })).rejects.toThrow(/Cast/);
  });

  it("names the server the tests run on", () => {
    expect(["ferretdb", "mongod", "mongodb-memory-server-download", "TEST_MONGODB_URI"]).toContain(testDbKind());
  });
});
