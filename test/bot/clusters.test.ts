// National office admins edit the cluster layout by buttons; nobody else can.
import { describe, expect } from "vitest";
import { testWithHarness as it, type TestPerson } from "../helpers/harness.js";

describe("/clusters", () => {
  let admin: TestPerson;
  it.beforeAll(async ({ harness }) => {
    admin = await harness.grant(5_100_000_001, "national_admin", "IN", { language_code: "en" });
  });

  it("creates a cluster, moves a state into it, renames it, and removes the state again", async ({ harness: h }) => {
    await admin.send("/clusters");
    expect(admin.lastText()).toContain("Clusters");
    await admin.tap("➕ New cluster");
    await admin.send("/help"); // a command mid-way is refused, the question repeats
    expect(admin.lastText()).toContain("in English");
    await admin.send("Capital Region");
    await admin.send("राजधानी क्षेत्र");
    expect(admin.lastText()).toContain("Capital Region");
    const created = await h.services.map.getCluster("capital-region");
    expect(created).toMatchObject({ name: { en: "Capital Region", hi: "राजधानी क्षेत्र" }, stateCodes: [] });

    const before = await h.services.map.clusterOfState("IN-DL");
    await admin.send("/clusters");
    await admin.tap("Capital Region");
    await admin.tap("➕ Add a state");
    for (let i = 0; i < 5 && !admin.lastButtons().some((b) => b.startsWith("Delhi")); i++) await admin.tap("▶");
    await admin.tap(/^Delhi/);
    expect((await h.services.map.getCluster("capital-region"))?.stateCodes).toEqual(["IN-DL"]);
    expect((await h.services.map.getCluster(before!.key))?.stateCodes).not.toContain("IN-DL");
    expect(await h.db.models.Audit.countDocuments({ action: "cluster.moveState", actorId: admin.id })).toBe(1);

    await admin.tap("✏️ Rename");
    await admin.send("NCR");
    await admin.send("एनसीआर");
    expect((await h.services.map.getCluster("capital-region"))?.name).toEqual({ en: "NCR", hi: "एनसीआर" });

    await admin.send("/clusters");
    await admin.tap("NCR");
    await admin.tap("➖ Remove a state");
    await admin.tap("Delhi");
    expect((await h.services.map.getCluster("capital-region"))?.stateCodes).toEqual([]);
    await admin.tap("🗑 Delete");
    expect(await h.services.map.getCluster("capital-region")).toBeNull();
  });

  it("refuses everyone but national office admins, even with forged buttons", async ({ harness: h }) => {
    const cluster = (await h.services.map.listClusters())[0]!;
    const head = await h.grant(5_100_000_002, "cluster_head", cluster.key, { language_code: "en" });
    await head.send("/clusters");
    expect(head.lastText()).toContain("cannot do this");
    const msg = head.transcript().filter((e) => e.from === "bot").at(-1)!.message;
    await head.tapData(msg.message_id, `cl:x:${cluster.key}:${cluster.stateCodes[0]}`);
    expect((await h.services.map.getCluster(cluster.key))?.stateCodes).toEqual(cluster.stateCodes);
    expect(await h.db.models.Audit.countDocuments({ actorId: head.id, action: "access.denied" })).toBe(2);
  });
});
