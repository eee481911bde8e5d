// The pool of map-seeded test databases (test/helpers/seededDatabase.ts): a database handed from one file to the
// next keeps the map and nothing else, and gets its default clusters back however they were edited.
import { expect, it } from "vitest";
import { openSeededTestDatabase } from "../helpers/seededDatabase.js";
import { createServices } from "../../src/services/index.js";

it("hands a database on with the map and the default clusters only", async () => {
  const first = await openSeededTestDatabase("pool");
  const s = createServices({ models: first.models, now: () => new Date("2026-11-26T06:30:00Z") });
  await s.people.touch({ id: 5_990_000_001, first_name: "Left behind" });
  await s.map.deleteCluster((await s.map.createCluster({ key: "extra", name: { en: "Extra", hi: "अतिरिक्त" } })).key);
  await s.map.moveState("IN-UP", "south");
  await first.drop();

  const second = await openSeededTestDatabase("pool");
  try {
    expect(second.dbName).toBe(first.dbName); // the same database, reused
    expect(await second.models.Person.countDocuments({})).toBe(0);
    expect(await second.models.Audit.countDocuments({})).toBe(0);
    expect([await second.models.State.countDocuments({}), await second.models.Pc.countDocuments({}), await second.models.Ac.countDocuments({})]).toEqual([36, 543, 4123]);
    const clusters = await createServices({ models: second.models, now: () => new Date() }).map.listClusters();
    expect(clusters).toHaveLength(8);
    expect(clusters.find((c) => c.stateCodes.includes("IN-UP"))!.key).not.toBe("south");
    // Indexes came back with the collections: a second person under the same Telegram id is refused.
    await second.models.Person.create({ telegramId: 5_990_000_002 });
    await expect(second.models.Person.create({ _id: 1, telegramId: 5_990_000_002 })).rejects.toThrow(/duplicate key/i);
  } finally {
    await second.drop();
  }
});

it("makes the collections and indexes again when a test dropped one or added an index", async () => {
  const first = await openSeededTestDatabase("pool");
  await first.models.Person.collection.createIndex({ firstName: 1 });
  await first.models.Audit.collection.drop();
  await first.connection.db!.collection("made_by_a_test").insertOne({ x: 1 });
  await first.drop();

  const second = await openSeededTestDatabase("pool");
  try {
    expect(second.dbName).toBe(first.dbName);
    const keys = (await second.models.Person.listIndexes()).map((ix: { key: Record<string, number> }) => JSON.stringify(ix.key));
    expect(keys).not.toContain('{"firstName":1}');
    expect((await second.models.Audit.listIndexes()).length).toBe(second.models.Audit.schema.indexes().length + 1);
    const names = (await second.connection.db!.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names).not.toContain("made_by_a_test");
  } finally {
    await second.drop();
  }
});
