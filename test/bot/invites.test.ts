// /invites through the real bot: the open links of one's area, withdrawn one by one or all at once (they stop working
// at once, audited); a withdrawal racing a redemption gives one outcome; the inviter hears when their link is used.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ExcelJS from "exceljs";
import { createHarness, type Harness } from "../helpers/harness.js";

let h: Harness;
let nextId = 5_800_000_000;

beforeAll(async () => {
  h = await createHarness({ label: "invites" });
  h.clock.set("2026-11-26T06:30:00Z");
});
afterAll(async () => {
  await h.close();
});

async function teamOf(state: string) {
  const p = await h.grant(nextId++, "state_team", state, { first_name: "Lata", language_code: "en" });
  await h.services.people.setLanguage(p.id, "en");
  return p;
}
async function link(by: { id: number }, state: string, pc: number) {
  const r = await h.services.invites.create({
    actor: { telegramId: by.id, scopes: [{ role: "state_team", level: "state", code: state }] },
    role: "pc_incharge",
    territory: { level: "pc", code: `${state}:P${pc}` },
  });
  if (!r.ok) throw new Error(r.reason);
  return r;
}

describe("/invites", () => {
  it("lists the area's open links, withdraws one at once, then all; another state's team sees none of them", async () => {
    const team = await teamOf("IN-KL");
    const [a] = [await link(team, "IN-KL", 1), await link(team, "IN-KL", 2), await link(team, "IN-KL", 3)];
    const other = await teamOf("IN-TN");
    await link(other, "IN-TN", 1);

    await team.send("/invites");
    expect(team.lastText()).toContain("Open invite links: 3");
    expect(team.lastText()).toContain("by Lata");
    expect(team.lastButtons()).toEqual(["✖ 1", "✖ 2", "✖ 3", "✖ Withdraw all 3", "📄 Links for every vacant seat"]);
    await team.tap("✖ 1");
    expect(team.lastText()).toContain("Open invite links: 2");
    // The withdrawn link stops working at once.
    const joiner = h.person(nextId++, { first_name: "Joy", language_code: "en" });
    await joiner.send(`/start ${a!.token}`);
    expect(await h.db.models.Person.findById(joiner.id).lean().then((p) => p?.roles ?? [])).toEqual([]);
    expect(await h.db.models.Audit.findOne({ action: "invite.cancel", actorId: team.id, outcome: "ok" }).lean()).toMatchObject({ details: { inviteId: a!.inviteId } });

    await team.tap("✖ Withdraw all 2");
    expect(team.lastText()).toContain("Withdraw all 2 open links?");
    await team.tap("✖ Yes, withdraw 2");
    expect(team.lastText()).toContain("Open invite links: 0");
    expect(await h.db.models.Invite.countDocuments({ code: /^IN-KL:/, revokedAt: null })).toBe(0);
    expect(await h.db.models.Invite.countDocuments({ code: /^IN-TN:/, revokedAt: null })).toBe(1);
  });

  it("a withdrawal and a redemption at the same moment: exactly one of them wins", async () => {
    const team = await teamOf("IN-AP");
    const r = await link(team, "IN-AP", 5);
    const joiner = h.person(nextId++, { first_name: "Ravi", language_code: "en" });
    const [cancel, redeem] = await Promise.all([
      h.services.invites.cancel({ telegramId: team.id, scopes: [{ role: "state_team", level: "state", code: "IN-AP" }] }, r.inviteId),
      h.services.invites.redeem(r.token, joiner.user),
    ]);
    const holds = ((await h.db.models.Person.findById(joiner.id).lean())?.roles ?? []).some((g) => g.code === "IN-AP:P5");
    expect([cancel.ok, redeem.ok].filter(Boolean)).toHaveLength(1);
    expect(holds).toBe(redeem.ok);
  });

  it("tells the inviter, once, when their link is used", async () => {
    const team = await teamOf("IN-UK");
    const r = await link(team, "IN-UK", 1);
    const joiner = h.person(nextId++, { first_name: "Kavita", language_code: "en" });
    await joiner.send(`/start ${r.token}`);
    await joiner.send(`/start ${r.token}`);
    const notices = await h.db.models.OutboxItem.find({ purpose: "invite.used", chatId: team.id }).lean();
    expect(notices).toHaveLength(1);
    expect((JSON.parse(notices[0]!.params) as { text: string }).text).toContain("Kavita</b> joined with your invite as Lok Sabha in-charge");
  });

  it("makes one link per vacant seat of a state as a spreadsheet; a second run skips seats with an open link", async () => {
    await h.grant(nextId++, "pc_incharge", "IN-GA:P1", { first_name: "Anil" });
    const team = await teamOf("IN-GA");
    await team.send("/invites");
    await team.tap("📄 Links for every vacant seat");
    await team.tap("Lok Sabha in-charge");
    await team.tap("Goa");
    await team.tap("📊 XLSX");
    const doc = h.api.callsTo("sendDocument").at(-1)!;
    const sent = team.transcript().at(-1)!.message;
    expect(sent.caption).toContain("1 single-use link for the vacant Lok Sabha in-charge seat of Goa");
    const file = h.api.file(sent.document!.file_id)!;
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(file.data!) as never);
    const rows = book.worksheets[0]!.getSheetValues().filter(Boolean) as unknown[][];
    expect(rows[0]!.slice(1, 4)).toEqual(["State / राज्य", "No. / क्रमांक", "Seat / सीट"]);
    expect(rows).toHaveLength(2);
    expect(rows[1]!.slice(1, 4)).toEqual(["Goa / गोवा", 2, "South Goa"]);
    const link = String(rows[1]![4]);
    expect(doc.params.document).toBeDefined();
    // The link works for the seat it names.
    const joiner = h.person(nextId++, { first_name: "Savio", language_code: "en" });
    await joiner.send(`/start ${link.split("start=")[1]}`);
    expect((await h.db.models.Person.findById(joiner.id).lean())?.roles.map((r) => r.code)).toEqual(["IN-GA:P2"]);

    // Tapping the same button again makes nothing; a new run finds no vacant seat left.
    const before = await h.db.models.Invite.countDocuments({ code: /^IN-GA:/ });
    await team.tapData(team.transcript().filter((e) => e.from === "bot").at(-2)!.message.message_id, "iv:b:p:IN-GA:x");
    expect(await h.db.models.Invite.countDocuments({ code: /^IN-GA:/ })).toBe(before);
    const again = await h.services.bulkInvites.forVacantSeats({ actor: null, role: "pc_incharge", stateCode: "IN-GA", botUsername: "b" });
    expect(again).toMatchObject({ ok: true, links: [] });
  });
});

describe("bulk invites for a cluster", () => {
  it("one working single-use link per vacant seat of the cluster, none for held seats or seats with an open link", async () => {
    const cluster = (await h.services.map.getCluster("north-east"))!;
    const pcs = (await Promise.all(cluster.stateCodes.map((s) => h.services.map.listPcs(s)))).flat();
    await h.grant(nextId++, "pc_incharge", "IN-AS:P1", { first_name: "Bijoy" });
    await h.grant(nextId++, "pc_incharge", "IN-TR:P1", { first_name: "Manik" });
    const team = await teamOf("IN-MN");
    await link(team, "IN-MN", 1);
    const vacant = pcs.map((p) => p.code).filter((c) => !["IN-AS:P1", "IN-TR:P1", "IN-MN:P1"].includes(c));

    await h.services.people.ensureNationalAdmins([5_800_900_001]);
    const admin = h.person(5_800_900_001, { first_name: "Asha", language_code: "en" });
    await admin.send("/invites");
    await admin.tap("📄 Links for every vacant seat");
    await admin.tap("Lok Sabha in-charge");
    expect(admin.lastText()).toContain("which cluster or state");
    expect(admin.lastButtons().filter((b) => b.startsWith("🗂"))).toHaveLength((await h.services.map.listClusters()).length);
    await admin.tap("🗂 All of North-east cluster");
    await admin.tap("📊 XLSX");
    const sent = admin.transcript().at(-1)!.message;
    expect(sent.caption).toContain(`${vacant.length} single-use links for the vacant Lok Sabha in-charge seats of North-east cluster (seats with an open link skipped: 1)`);
    expect(sent.document!.file_name).toBe("invites-north-east-lok-sabha.xlsx");
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(h.api.file(sent.document!.file_id)!.data!) as never);
    const rows = (book.worksheets[0]!.getSheetValues().filter(Boolean) as unknown[][]).slice(1);
    expect(rows).toHaveLength(vacant.length);
    // Seat names in both languages' states; every state of the cluster that has a vacant seat appears.
    expect(new Set(rows.map((r) => String(r[1]).split(" / ")[0]))).toEqual(new Set((await Promise.all(cluster.stateCodes.map((c) => h.services.map.getState(c)))).map((s) => s!.name)));

    // Every link works once, for the seat its row names, and for nobody after.
    const granted: string[] = [];
    for (const [i, row] of rows.entries()) {
      const token = String(row[4]).split("start=")[1]!;
      const joiner = h.person(nextId++, { first_name: `J${i}`, language_code: "en" });
      if (i === 0) await joiner.send(`/start ${token}`);
      else expect(await h.services.invites.redeem(token, joiner.user)).toMatchObject({ ok: true });
      const roles = (await h.db.models.Person.findById(joiner.id).lean())?.roles ?? [];
      expect(roles).toHaveLength(1);
      expect(pcs.find((p) => p.code === roles[0]!.code)?.name).toBe(row[3]);
      granted.push(roles[0]!.code);
      expect(await h.services.invites.redeem(token, h.person(nextId++).user)).toMatchObject({ ok: false, reason: "used" });
    }
    expect(granted.sort()).toEqual([...vacant].sort());
  });

  it("a request larger than one's area is refused with a short answer, audited, and makes nothing", async () => {
    const team = await teamOf("IN-ML");
    await team.send("/invites");
    await team.tap("📄 Links for every vacant seat");
    await team.tap("Lok Sabha in-charge");
    // A state team is offered its state, no cluster.
    expect(team.lastButtons()).toEqual(["Meghalaya"]);
    expect(team.lastText()).toContain("which state");
    const before = await h.db.models.Invite.countDocuments({});
    await team.tapData(team.transcript().filter((e) => e.from === "bot").at(-1)!.message.message_id, "iv:b:p:@north-east:x");
    expect(team.lastText()).toContain("That is more than your area");
    expect(await h.db.models.Invite.countDocuments({})).toBe(before);
    expect(await h.db.models.Audit.findOne({ actorId: team.id, action: "access.denied" }).lean()).toMatchObject({
      reason: "outside_scope",
      details: { attempted: "invite.bulk", clusterKey: "north-east" },
    });
    // The same through the service, and a cluster head may cover their own cluster but not another.
    const actor = { telegramId: team.id, scopes: [{ role: "state_team" as const, level: "state" as const, code: "IN-ML" }] };
    expect(await h.services.bulkInvites.forVacantSeats({ actor, role: "ac_incharge", clusterKey: "north-east", botUsername: "b" })).toEqual({ ok: false, reason: "outside_scope" });
    const head = { telegramId: 1, scopes: [{ role: "cluster_head" as const, level: "cluster" as const, code: "south" }] };
    expect(await h.services.bulkInvites.forVacantSeats({ actor: head, role: "pc_incharge", clusterKey: "north-east", botUsername: "b" })).toEqual({ ok: false, reason: "outside_scope" });
    expect(await h.services.bulkInvites.forVacantSeats({ actor: null, role: "pc_incharge", clusterKey: "no-such", botUsername: "b" })).toEqual({ ok: false, reason: "unknown_territory" });
    expect(await h.db.models.Invite.countDocuments({})).toBe(before);
  });
});

describe("the CSV of links", () => {
  it("is UTF-8 with a BOM, quotes what needs quoting, and has the seat's Lok Sabha seat for an AC", async () => {
    const { linksToCsv } = await import("../../src/services/bulkInvites.js");
    const csv = linksToCsv(
      [{ stateCode: "IN-UP", stateName: "Uttar Pradesh", stateNameHi: "उत्तर प्रदेश", code: "IN-UP:A1", no: 1, name: 'Behat, "North"', pcName: "Saharanpur", link: "https://t.me/b?start=x", expiresAt: new Date("2026-12-09T00:00:00Z") }],
      "ac_incharge",
    ).toString("utf8");
    expect(csv.startsWith("\uFEFF")).toBe(true);
    expect(csv.split("\r\n")[1]).toBe('Uttar Pradesh / उत्तर प्रदेश,1,"Behat, ""North""",Saharanpur,https://t.me/b?start=x,2026-12-09T00:00:00.000Z');
  });
});
