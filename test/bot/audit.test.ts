// /audit through the real bot: the national office reads the log newest first, ten a page, by person or by record,
// times in the programme's zone; everyone else is refused (and the refusal is audited); admins made by
// BOOTSTRAP_ADMIN_IDS are audited like anyone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness, type TestPerson } from "../helpers/harness.js";

const MINUTE = 60_000;
let h: Harness;
let admin: TestPerson;
let nextId = 5_870_000_000;
const ACTOR = 5_870_900_001;
const OTHER = 5_870_900_002;
const EVENT = "65a1b2c3d4e5f60718293a4b";

beforeAll(async () => {
  h = await createHarness({ label: "audit" });
  // Whatever the bot writes itself (refusals, exports) is older than the entries below, so each test's view of
  // "the latest" holds whatever order the tests run in.
  h.clock.set("2026-11-01T06:30:00Z");
  admin = await h.grant(nextId++, "national_admin", "IN", { first_name: "Asha", language_code: "en" });
  await h.services.people.setLanguage(admin.id, "en");
  await h.grant(ACTOR, "pc_incharge", "IN-SK:P1", { first_name: "Pema" });
  // 25 entries a minute apart, from 04:00 UTC (09:30 in Asia/Kolkata): every third by OTHER about ACTOR's event.
  const start = new Date("2026-11-20T04:00:00Z").getTime();
  for (let i = 0; i < 25; i++) {
    const about = i % 3 === 0;
    await h.services.audit.record({
      at: new Date(start + i * MINUTE),
      actorId: about ? OTHER : ACTOR,
      action: about ? "review.approve" : "event.create",
      outcome: "ok",
      details: about ? { eventId: EVENT, n: i, ownerId: ACTOR } : { eventId: `e${i}`, n: i },
    });
  }
});
afterAll(async () => {
  await h.close();
});

/** The `n` of every entry on the newest message, in the order shown. */
const shown = (p: TestPerson) => [...p.lastText().matchAll(/\bn=(\d+)/g)].map((m) => Number(m[1]));

describe("/audit", () => {
  it("shows the latest entries ten a page, newest first, in the programme's time zone, and pages both ways", async () => {
    await admin.send("/audit");
    expect(admin.lastText()).toContain("Audit log: latest entries (page 1)");
    expect(shown(admin)).toEqual([24, 23, 22, 21, 20, 19, 18, 17, 16, 15]);
    // 04:24 UTC is 9:54 am in Asia/Kolkata.
    expect(admin.lastText()).toContain("20 Nov 2026, 9:54 am");
    expect(admin.lastText()).toContain("Pema (5870900001)");
    expect(admin.lastButtons()).toEqual(["Older ▶"]);
    await admin.tap("Older ▶");
    expect(shown(admin)).toEqual([14, 13, 12, 11, 10, 9, 8, 7, 6, 5]);
    expect(admin.lastButtons()).toEqual(["◀ Newer", "Older ▶"]);
    await admin.tap("Older ▶");
    // The last page also holds the entries the harness wrote setting people up (no n=): five of ours.
    expect(shown(admin)).toEqual([4, 3, 2, 1, 0]);
    await admin.tap("◀ Newer");
    expect(shown(admin)).toEqual([14, 13, 12, 11, 10, 9, 8, 7, 6, 5]);
  });

  it("shows one person's entries: by them and about them", async () => {
    await admin.send(`/audit ${OTHER}`);
    expect(admin.lastText()).toContain(`by or about ${OTHER} (${OTHER}), page 1`);
    expect(shown(admin)).toEqual([24, 21, 18, 15, 12, 9, 6, 3, 0]);
    expect(admin.lastButtons()).toEqual([]);

    // ACTOR did 16 and is named (ownerId) in the other 9: all 25, over three pages.
    await admin.send(`/audit ${ACTOR}`);
    expect(shown(admin)).toHaveLength(10);
    await admin.tap("Older ▶");
    await admin.tap("Older ▶");
    expect(shown(admin)).toEqual([4, 3, 2, 1, 0]);
  });

  it("shows one record's entries", async () => {
    await admin.send(`/audit ${EVENT}`);
    expect(admin.lastText()).toContain(`about ${EVENT}, page 1`);
    expect(shown(admin)).toEqual([24, 21, 18, 15, 12, 9, 6, 3, 0]);
    expect(admin.lastText()).toContain("Report approved");

    await admin.send("/audit IN-XX:P999");
    expect(admin.lastText()).toContain("No entries.");
    await admin.send("/audit <b>");
    expect(admin.lastText()).toMatch(/^Send \/audit alone/);
  });

  it("answers in Hindi", async () => {
    const hindi = await h.grant(nextId++, "national_admin", "IN", { first_name: "Meera" });
    await h.services.people.setLanguage(hindi.id, "hi");
    await hindi.send(`/audit ${EVENT}`);
    expect(hindi.lastText()).toContain("ऑडिट लॉग");
    expect(hindi.lastText()).toContain("रिपोर्ट स्वीकृत");
  });

  it("refuses anyone but the national office, in a short answer, and audits the refusal", async () => {
    const team = await h.grant(nextId++, "state_team", "IN-SK", { first_name: "Dorjee", language_code: "en" });
    await h.services.people.setLanguage(team.id, "en");
    await team.send("/audit");
    expect(team.lastText()).toBe("Your role cannot do this. Send /help to see what you can do.");
    // A forged page button too.
    await team.tapData(team.transcript().at(-1)!.message.message_id, "au:a:1");
    expect(h.api.callsTo("answerCallbackQuery").at(-1)!.params).toMatchObject({ show_alert: true });
    const refusals = await h.db.models.Audit.find({ actorId: team.id, action: "access.denied" }).lean();
    expect(refusals.map((r) => [r.reason, r.details?.attempted])).toEqual([
      ["role_not_appointable", "audit"],
      ["role_not_appointable", "audit"],
    ]);

    const stranger = h.person(nextId++, { first_name: "Nobody", language_code: "en" });
    await stranger.send("/audit");
    expect(await h.db.models.Audit.countDocuments({ actorId: stranger.id, action: "access.denied", reason: "no_role" })).toBe(1);
  });

  it("audits admins granted through BOOTSTRAP_ADMIN_IDS: the grant, and what they do", async () => {
    const id = nextId++;
    await h.services.people.ensureNationalAdmins([id]);
    await h.services.people.ensureNationalAdmins([id]); // a restart: no second grant, no second entry
    const grants = await h.db.models.Audit.find({ action: "role.grant", "details.telegramId": id }).lean();
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({ actorId: null, outcome: "ok", details: { role: "national_admin", source: "BOOTSTRAP_ADMIN_IDS" } });

    const boot = h.person(id, { first_name: "Boot", language_code: "en" });
    await boot.send("/export");
    await boot.tap("🗓 Events");
    await boot.tap("📄 CSV");
    expect(await h.db.models.Audit.countDocuments({ actorId: id, action: "export.events", outcome: "ok" })).toBe(1);
    await boot.send(`/audit ${id}`);
    expect(boot.lastText()).toContain("Events exported");
    expect(boot.lastText()).toContain("Role granted");
    expect(boot.lastText()).toContain("The system");
  });
});
