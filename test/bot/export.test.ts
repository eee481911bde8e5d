// /export through the real bot: the area's events and reports as CSV or XLSX, exactly the stored figures and
// nothing of another state; the audit log for the national office only.
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness, type TestPerson } from "../helpers/harness.js";

const HOUR = 3600_000;
let h: Harness;
let nextId = 5_850_000_000;

beforeAll(async () => {
  h = await createHarness({ label: "export" });
  h.clock.set("2026-11-26T06:30:00Z");
  await h.services.programmes.seedDefaults();
});
afterAll(async () => {
  await h.close();
});

async function reported(code: string, total: number) {
  const by = await h.grant(nextId++, "pc_incharge", code, { first_name: "Pema" });
  const actor = { telegramId: by.id, scopes: [{ role: "pc_incharge" as const, level: "pc" as const, code }] };
  const e = await h.services.events.create({
    actor,
    input: { programmeKey: "sneh-samvad", territory: { level: "pc", code }, startsAt: new Date(h.clock.now().getTime() - 3 * HOUR), venue: "Hall, \"main\"", location: null, expectedAttendance: 10, notes: "" },
    confirmKey: `export:${code}`,
  });
  if (!e.ok) throw new Error(e.reason);
  const r = await h.services.reports.submit({ actor, eventId: e.event.id, input: { total, counts: { intellectuals: 7 }, photos: [], notes: "" }, confirmKey: `export:r:${code}` });
  if (!r.ok) throw new Error(r.reason);
  return e.event.id;
}

const fileOf = (p: TestPerson) => {
  const doc = p.transcript().at(-1)!.message.document!;
  return { name: doc.file_name, data: Buffer.from(h.api.file(doc.file_id)!.data!) };
};

describe("/export", () => {
  it("gives a state team its state's reports as CSV and events as XLSX, nothing of another state, and no audit log", async () => {
    const mine = await reported("IN-SK:P1", 42);
    await reported("IN-MZ:P1", 99);
    const team = await h.grant(nextId++, "state_team", "IN-SK", { first_name: "Dorjee", language_code: "en" });
    await h.services.people.setLanguage(team.id, "en");

    await team.send("/export");
    expect(team.lastButtons()).toEqual(["🗓 Events", "📝 Reports (with every category)", "🪑 Seats and who holds them"]);
    await team.tap("📝 Reports (with every category)");
    await team.tap("📄 CSV");
    const csv = fileOf(team);
    expect(csv.name).toBe("sanyojak-reports-2026-11-26.csv");
    const lines = csv.data.toString("utf8").replace(/^\uFEFF/, "").trim().split("\r\n");
    expect(lines).toHaveLength(2);
    const [head, row] = lines.map((l) => l.split(","));
    const at = (col: string) => row![head!.indexOf(col)];
    expect([at("event_id"), at("state"), at("total"), at("intellectuals"), at("others"), at("review_status")]).toEqual([mine, "IN-SK", "42", "7", "35", "submitted"]);

    await team.send("/export");
    await team.tap("🗓 Events");
    await team.tap("📊 XLSX");
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(fileOf(team).data as never);
    const rows = book.worksheets[0]!.getSheetValues().filter(Boolean) as unknown[][];
    expect(rows.slice(1).map((r) => r[3])).toEqual(["IN-SK"]);
    expect(rows[1]![8]).toBe('Hall, "main"');
    expect(await h.db.models.Audit.countDocuments({ actorId: team.id, action: /^export\./ })).toBe(2);

    // The audit log is the national office's: a forged button is refused.
    await team.tapData(team.transcript().at(-1)!.message.message_id, "xp:audit:csv");
    expect(h.api.callsTo("answerCallbackQuery").at(-1)!.params).toMatchObject({ show_alert: true });
  });

  it("gives a state team every seat of its state with its holders, who cannot be reached, and which have an open link", async () => {
    // Goa: 2 Lok Sabha seats, 40 Vidhan Sabha seats (AC 1-20 in PC 1).
    const team = await h.grant(nextId++, "state_team", "IN-GA", { first_name: "Dorjee", language_code: "en" });
    await h.services.people.setLanguage(team.id, "en");
    const pc = await h.grant(nextId++, "pc_incharge", "IN-GA:P1", { first_name: "Pema", last_name: "Lhamo", username: "pema_l" });
    const blocked = await h.grant(nextId++, "ac_incharge", "IN-GA:A1", { first_name: "Karma" });
    await h.db.models.Person.updateOne({ _id: blocked.id }, { $set: { blockedBotAt: h.clock.now() } });
    const ids = [nextId++, nextId++];
    // Known by id only (seated by id, never wrote to the bot): no first name.
    for (const id of ids) {
      await h.db.models.Person.create({ telegramId: id });
      await h.services.people.grantRole(id, { role: "ac_incharge", code: "IN-GA:A3", grantedBy: null });
    }
    const invite = await h.services.invites.create({ actor: null, role: "ac_incharge", territory: { level: "ac", code: "IN-GA:A2" } });
    expect(invite.ok).toBe(true);

    await team.send("/export");
    await team.tap("🪑 Seats and who holds them");
    await team.tap("📄 CSV");
    const [head, ...rows] = fileOf(team).data.toString("utf8").replace(/^\uFEFF/, "").trim().split("\r\n").map((l) => l.split(","));
    const col = (row: string[], name: string) => row[head!.indexOf(name)];
    expect(rows).toHaveLength(2 + 40);
    expect(new Set(rows.map((r) => col(r, "state")))).toEqual(new Set(["IN-GA"]));
    const bySeat = new Map(rows.map((r) => [col(r, "seat"), r]));
    const seat = (code: string) => ["status", "holders", "holder_ids", "holder_usernames", "open_invite"].map((c) => col(bySeat.get(code)!, c));
    expect(seat("IN-GA:P1")).toEqual(["held", "Pema Lhamo", String(pc.id), "@pema_l", "no"]);
    expect(seat("IN-GA:A1")).toEqual(["blocked", "Karma", String(blocked.id), "", "no"]);
    expect(seat("IN-GA:A2")).toEqual(["vacant", "", "", "", "yes"]);
    expect(seat("IN-GA:A3")).toEqual(["never_started", ids.join("; "), ids.join("; "), "", "no"]);
    expect(rows.filter((r) => col(r, "status") === "vacant")).toHaveLength(1 + 38); // P2, A2 (a link is not a holder) and A4-A40
    expect(col(bySeat.get("IN-GA:A1")!, "pc")).toBe("IN-GA:P1");
  });

  it("gives the national office the audit log", async () => {
    const admin = await h.grant(nextId++, "national_admin", "IN", { first_name: "Asha", language_code: "en" });
    await h.services.people.setLanguage(admin.id, "en");
    await admin.send("/export");
    await admin.tap("🧾 Audit log (last 30 days)");
    await admin.tap("📄 CSV");
    const text = fileOf(admin).data.toString("utf8");
    expect(text.split("\r\n")[0]).toBe("\uFEFFat_utc,at_local,actor_id,action,outcome,reason,details");
    expect(text).toContain("report.submit");
  });

  it("refuses a second export while one is running for the same person, shortly and audited; a crashed one's lock expires", async () => {
    const team = await h.grant(nextId++, "state_team", "IN-SK", { first_name: "Tashi", language_code: "en" });
    await h.services.people.setLanguage(team.id, "en");
    // The first export is still running (its lock is held).
    await h.services.claims.claimOnce(`export:${team.id}`, "export");
    await team.send("/export");
    await team.tap("🗓 Events");
    await team.tap("📄 CSV");
    expect(h.api.callsTo("answerCallbackQuery").at(-1)!.params).toMatchObject({
      text: "An export of yours is still being prepared. Please wait for it, then ask again.",
      show_alert: true,
    });
    expect(team.transcript().filter((e) => e.message.document)).toHaveLength(0);
    expect(await h.db.models.Audit.countDocuments({ actorId: team.id, action: "export.events", outcome: "denied", reason: "busy" })).toBe(1);
    // Another person is not held up by it.
    const other = await h.grant(nextId++, "state_team", "IN-SK", { first_name: "Other", language_code: "en" });
    await h.services.people.setLanguage(other.id, "en");
    await other.send("/export");
    await other.tap("🗓 Events");
    await other.tap("📄 CSV");
    expect(fileOf(other).name).toMatch(/\.csv$/);
    // A lock left by a crash is taken over after ten minutes; the export then works and releases it.
    h.clock.advance(11 * 60_000);
    await team.tap("📄 CSV");
    expect(fileOf(team).name).toMatch(/\.csv$/);
    expect(await h.services.claims.get(`export:${team.id}`)).toBeNull();
  });
});
