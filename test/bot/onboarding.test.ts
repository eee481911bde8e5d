// Onboarding through the real bot: invites created by buttons, redeemed by /start, reuse/expiry/race handled,
// /me, /help, /team, and refusals recorded in the audit log. Updates go through grammY to a LocalBotApi.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness, type TestPerson } from "../helpers/harness.js";
import { trusted } from "mongoose";
import { hashToken } from "../../src/services/inviteService.js";

const DAY = 24 * 60 * 60 * 1000;

function tokenFrom(text: string): string {
  const m = /start=([A-Za-z0-9_-]+)/.exec(text);
  if (!m) throw new Error(`no invite link in: ${text}`);
  return m[1]!;
}

describe("onboarding by invite link", () => {
  let h: Harness;
  let admin: TestPerson;

  beforeAll(async () => {
    h = await createHarness({ label: "onboard" });
    await h.services.people.ensureNationalAdmins([5_000_000_001]);
    admin = h.person(5_000_000_001, { first_name: "Asha", language_code: "en" });
  });
  afterAll(async () => {
    await h.close();
  });

  async function inviteByButtons(by: TestPerson, role: string, steps: (string | RegExp)[], days = "7 days ★"): Promise<string> {
    await by.send("/invite");
    await by.tap(role);
    for (const step of steps) {
      if (typeof step === "string" && step.startsWith("type:")) await by.send(step.slice(5));
      else await by.tap(step);
    }
    await by.tap(days);
    return tokenFrom(by.lastText());
  }

  it("explains how to join to someone without an invite, in their Telegram language", async () => {
    const hindi = h.person(6_000_000_001, { language_code: "hi" });
    await hindi.send("/start");
    expect(hindi.lastText()).toContain("आमंत्रण लिंक");
    const english = h.person(6_000_000_002, { language_code: "en-GB" });
    await english.send("/start");
    expect(english.lastText()).toContain("invite link");
    // Both are recorded, with no role, and with their app's language for messages the bot starts later.
    expect((await h.services.people.get(6_000_000_001))?.roles).toEqual([]);
    expect((await h.services.people.get(6_000_000_001))?.language).toBe("hi");
    expect((await h.services.people.get(6_000_000_002))?.language).toBe("en");
  });

  it("creates an invite by buttons and a new person joins with it, exactly once", async () => {
    const token = await inviteByButtons(admin, "Lok Sabha in-charge", ["type:uttar pra", "type:varanasi"]);
    expect(token).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(admin.lastText()).toContain("https://t.me/sanyojak_test_bot?start=");
    // One tap forwards it: a share button with the link and a line about it, in the inviter's language.
    const share = admin.transcript().at(-1)!.message.reply_markup!.inline_keyboard.flat();
    expect(share.map((b) => b.text)).toEqual(["📤 Share the link"]);
    const shareUrl = new URL((share[0] as { url: string }).url);
    expect(shareUrl.origin + shareUrl.pathname).toBe("https://t.me/share/url");
    expect(shareUrl.searchParams.get("url")).toBe(`https://t.me/sanyojak_test_bot?start=${token}`);
    expect(shareUrl.searchParams.get("text")).toMatch(/^Open this link to join Sanyojak as Lok Sabha in-charge, .+\. It works once\.$/);

    // Only the hash is stored, bound to role, territory and inviter.
    const stored = await h.db.models.Invite.findOne({ tokenHash: hashToken(token) }).lean();
    expect(stored).toMatchObject({ role: "pc_incharge", level: "pc", createdBy: admin.id, usedBy: null });
    expect(stored!.code).toMatch(/^IN-UP:P\d+$/);
    expect(await h.db.models.Invite.countDocuments({ tokenHash: token })).toBe(0);

    const newcomer = h.person(7_100_000_001, { first_name: "Ravi", language_code: "hi" });
    await newcomer.send(`/start ${token}`);
    expect(newcomer.lastText()).toContain("लोकसभा प्रभारी");
    // The one thing to do first, right under the welcome (before the list of commands).
    expect(newcomer.lastText().split("\n\n")[1]).toBe("👉 सबसे पहले: अपना पहला कार्यक्रम दर्ज करने के लिए /newevent भेजें।");
    const person = await h.services.people.get(newcomer.id);
    expect(person?.roles).toHaveLength(1);
    expect(person?.roles[0]).toMatchObject({ role: "pc_incharge", code: stored!.code, grantedBy: admin.id });

    // The same /start again (a replayed update or a second tap): still one role, a friendly answer.
    await newcomer.send(`/start ${token}`);
    expect((await h.services.people.get(newcomer.id))?.roles).toHaveLength(1);
    expect(newcomer.lastText()).toContain("पहले से");

    // Someone else with the same link is refused, and nothing changes for them.
    const other = h.person(7_100_000_002, { language_code: "en" });
    await other.send(`/start ${token}`);
    expect(other.lastText()).toContain("already been used");
    expect((await h.services.people.get(other.id))?.roles).toEqual([]);
    expect(await h.db.models.Audit.countDocuments({ action: "invite.redeem", outcome: "denied", reason: "used" })).toBe(1);
  });

  it("tells a state team member joining that /gaps comes first; a repeat of the link does not", async () => {
    const created = await h.services.invites.create({ actor: null, role: "state_team", territory: { level: "state", code: "IN-GJ" } });
    if (!created.ok) throw new Error("invite not created");
    const team = h.person(7_100_000_010, { first_name: "Nita", language_code: "en" });
    await team.send(`/start ${created.token}`);
    expect(team.lastText().split("\n\n")[1]).toBe("👉 First: /gaps shows the seats of your state with nobody appointed or nothing planned.");
    await team.send(`/start ${created.token}`);
    expect(team.lastText()).not.toContain("👉 First");
  });

  it("refuses an expired link and an unknown or malformed one", async () => {
    const created = await h.services.invites.create({ actor: null, role: "ac_incharge", territory: { level: "ac", code: "IN-UP:A390" } });
    if (!created.ok) throw new Error("invite not created");
    h.clock.advance(7 * DAY + 1000);
    const late = h.person(7_100_000_003, { language_code: "en" });
    await late.send(`/start ${created.token}`);
    expect(late.lastText()).toContain("expired");
    expect((await h.services.people.get(late.id))?.roles).toEqual([]);

    await late.send(`/start ${"A".repeat(24)}`);
    expect(late.lastText()).toContain("not recognised");
    await late.send("/start hello-there");
    expect(late.lastText()).toContain("not a valid invite");
    h.clock.advance(-(7 * DAY + 1000));
  });

  it("lets exactly one of two people racing on one token win", async () => {
    for (let round = 0; round < 5; round++) {
      const created = await h.services.invites.create({ actor: null, role: "state_team", territory: { level: "state", code: "IN-BR" } });
      if (!created.ok) throw new Error("invite not created");
      const a = h.person(7_200_000_000 + round * 2, { language_code: "en" });
      const b = h.person(7_200_000_001 + round * 2, { language_code: "en" });
      // Two bot instances (as two running copies would be), each handling one person's /start at the same moment.
      const second = await h.restart();
      h.api.sendUserMessage(a.user, `/start ${created.token}`);
      h.api.sendUserMessage(b.user, `/start ${created.token}`);
      const [ua, ub] = h.api.takeUpdates();
      await Promise.all([h.bot.handleUpdate(ua!), second.bot.handleUpdate(ub!)]);
      const holders = await h.db.models.Person.countDocuments({ "roles.code": "IN-BR", telegramId: trusted({ $in: [a.id, b.id] }) as never });
      expect(holders).toBe(1);
      const invite = await h.db.models.Invite.findOne({ tokenHash: hashToken(created.token) }).lean();
      expect([a.id, b.id]).toContain(invite!.usedBy);
      const texts = [a.lastText(), b.lastText()];
      expect(texts.filter((t) => t.includes("Welcome"))).toHaveLength(1);
      expect(texts.filter((t) => t.includes("already been used"))).toHaveLength(1);
    }
  });

  it("shows roles with /me and role-specific commands with /help", async () => {
    const pc = await h.grant(7_300_000_001, "pc_incharge", "IN-UP:P77", { language_code: "en" });
    await pc.send("/me");
    expect(pc.lastText()).toContain("Lok Sabha in-charge");
    await pc.send("/help");
    expect(pc.lastText()).not.toContain("/invite");
    await admin.send("/help");
    expect(admin.lastText()).toContain("/invite");
    expect(admin.lastText()).toContain("/team");
  });

  it("switches language and remembers it", async () => {
    const p = h.person(7_400_000_001, { language_code: "hi" });
    await p.send("/language");
    await p.tap("English");
    expect(p.lastText()).toContain("I will write to you in English");
    expect((await h.services.people.get(p.id))?.language).toBe("en");
    await p.send("/start");
    expect(p.lastText()).toContain("invite link");
    await p.send("/language");
    await p.tap("हिन्दी");
    expect((await h.services.people.get(p.id))?.language).toBe("hi");
    await p.send("/start");
    expect(p.lastText()).toContain("आमंत्रण");
    // The chat's command menu follows the chosen language.
    expect(h.api.commands({ scope: { type: "chat", chat_id: p.id } })[0]?.description).toMatch(/[\u0900-\u097F]/);
  });

  it("handles a button tap delivered twice as one tap, without a second message", async () => {
    const p = h.person(7_400_000_002, { language_code: "hi" });
    await p.send("/language");
    const { message, data } = p.findButton("English");
    h.api.clickButton(p.user, message.message_id, data);
    const [update] = h.api.takeUpdates();
    await h.bot.handleUpdate(update!);
    const sent = h.api.calls.length;
    await h.bot.handleUpdate(update!); // at-least-once polling: the same update again
    const after = h.api.calls.slice(sent).map((c) => c.method);
    expect(after).not.toContain("sendMessage");
    expect(p.botTexts().filter((t) => t.includes("something went wrong") || t.includes("गड़बड़"))).toEqual([]);
    expect((await h.services.people.get(p.id))?.language).toBe("en");
  });

  it("keeps a conversation in progress when another conversation's command arrives", async () => {
    await admin.send("/invite");
    await admin.tap("Lok Sabha in-charge");
    await admin.send("/clusters"); // not a conversation: the invite conversation asks to finish or /cancel
    await admin.send("/invite"); // a conversation command mid-way: handed to the running conversation
    expect(admin.lastText()).toMatch(/Tap one|type part/);
    await admin.send("bihar");
    await admin.send("patna sahib");
    await admin.tap("1 day");
    expect(admin.lastText()).toContain("start=");
  });

  it("lets a cluster head invite only within the cluster, by buttons", async () => {
    const cluster = (await h.services.map.listClusters()).find((c) => c.stateCodes.includes("IN-UP"))!;
    const head = await h.grant(7_500_000_001, "cluster_head", cluster.key, { language_code: "en" });
    await head.send("/invite");
    expect(head.lastButtons()).toEqual(["State team member", "Lok Sabha in-charge", "Vidhan Sabha in-charge"]);
    await head.tap("State team member");
    const offered = new Set<string>();
    // Page through the state list: only the cluster's states are offered.
    for (;;) {
      head.lastButtons().filter((b) => !/^[◀▶]$|\//.test(b)).forEach((b) => offered.add(b));
      if (!head.lastButtons().includes("▶")) break;
      await head.tap("▶");
    }
    const names = await Promise.all(cluster.stateCodes.map((c) => h.services.map.getState(c)));
    expect([...offered].sort()).toEqual(names.map((s) => s!.name).sort());
    await head.send("/cancel");
    expect(head.lastText()).toContain("Cancelled");
    // A forged appointment outside the cluster is refused by the service and audited.
    const outside = await h.services.invites.create({
      actor: { telegramId: head.id, scopes: [{ role: "cluster_head", level: "cluster", code: cluster.key }] },
      role: "state_team",
      territory: { level: "state", code: cluster.stateCodes.includes("IN-KA") ? "IN-BR" : "IN-KA" },
    });
    expect(outside).toEqual({ ok: false, reason: "outside_scope" });
  });

  it("lists and revokes people in scope with /team", async () => {
    const stateTeam = await h.grant(7_600_000_001, "state_team", "IN-UP", { language_code: "en" });
    const target = await h.grant(7_600_000_002, "ac_incharge", "IN-UP:A1", { first_name: "Meena" });
    await h.grant(7_600_000_003, "ac_incharge", "IN-KA:A5", { first_name: "Outsider" });
    await stateTeam.send("/team");
    expect(stateTeam.lastText()).toContain("Meena");
    expect(stateTeam.lastText()).not.toContain("Outsider");
    // Forged data for someone outside the state: refused and audited.
    const msg = stateTeam.transcript().filter((e) => e.from === "bot").at(-1)!.message;
    await stateTeam.tapData(msg.message_id, "tm:y:7600000003:IN-KA:A5");
    expect((await h.services.people.get(7_600_000_003))?.roles).toHaveLength(1);
    expect(await h.db.models.Audit.countDocuments({ actorId: stateTeam.id, outcome: "denied" })).toBeGreaterThan(0);

    const index = stateTeam.lastText().split("\n").find((l) => l.includes("Meena"))!.split(".")[0];
    await stateTeam.tap(`❌ ${index}`);
    await stateTeam.tap("Yes, revoke");
    expect(stateTeam.lastText()).toContain("Revoked");
    expect((await h.services.people.get(target.id))?.roles).toEqual([]);
    expect(await h.db.models.Audit.countDocuments({ action: "role.revoke", outcome: "ok", actorId: stateTeam.id })).toBe(1);
  });

  it("answers bad input briefly and records refusals", async () => {
    const p = h.person(7_700_000_001, { language_code: "en" });
    await p.send("/frobnicate");
    expect(p.lastText()).toContain("don’t know that command");
    await p.send("hello?");
    expect(p.lastText()).toContain("invite link");
    await p.sendContent({ sticker: {} } as never);
    expect(p.lastText()).toContain("can’t use that kind of message");
    await p.send("/invite");
    expect(p.lastText()).toContain("don’t have a role");
    await p.send("/team");
    expect(await h.db.models.Audit.countDocuments({ actorId: p.id, action: "access.denied" })).toBe(2);
    // A forged button press on some bot message gets an answer, not silence.
    const msg = p.transcript().filter((e) => e.from === "bot").at(-1)!.message;
    const before = h.api.callsTo("answerCallbackQuery").length;
    await p.tapData(msg.message_id, "tm:y:1:IN");
    expect(h.api.callsTo("answerCallbackQuery").length).toBe(before + 1);
  });

  it("answers with an apology and keeps working when a handler fails", async () => {
    const p = h.person(7_800_000_001, { language_code: "en" });
    const original = h.services.map.listClusters;
    h.services.map.listClusters = async () => {
      throw new Error("database fell over");
    };
    try {
      await admin.send("/invite");
      await admin.tap("Cluster in-charge");
      expect(admin.lastText()).toContain("something went wrong");
    } finally {
      h.services.map.listClusters = original;
    }
    // The chat is not stuck: the conversation was cleared and the next command works.
    await admin.send("/me");
    expect(admin.lastText()).toContain("National office admin");
    await p.send("/start");
    expect(p.lastText()).toContain("invite link");
  });
  it("never lets a used link bring back a role revoked with /team, even after it expired", async () => {
    h.clock.set("2026-11-27T06:30:00Z");
    const stateTeam = await h.grant(7_900_000_001, "state_team", "IN-MP", { language_code: "en" });
    const created = await h.services.invites.create({ actor: null, role: "ac_incharge", territory: { level: "ac", code: "IN-MP:A1" } });
    if (!created.ok) throw new Error("invite not created");
    const newcomer = h.person(7_900_000_002, { first_name: "Kamla", language_code: "en" });
    await newcomer.send(`/start ${created.token}`);
    expect(newcomer.lastText()).toContain("Welcome");

    await stateTeam.send("/team");
    const index = stateTeam.lastText().split("\n").find((l) => l.includes("Kamla"))!.split(".")[0];
    await stateTeam.tap(`❌ ${index}`);
    await stateTeam.tap("Yes, revoke");
    expect((await h.services.people.get(newcomer.id))?.roles).toEqual([]);

    await newcomer.send(`/start ${created.token}`);
    expect(newcomer.lastText()).toContain("withdrawn");
    h.clock.advance(8 * DAY);
    await newcomer.send(`/start ${created.token}`);
    expect(newcomer.lastText()).toContain("withdrawn");
    expect((await h.services.people.get(newcomer.id))?.roles).toEqual([]);
    const lines = await h.db.models.Audit.find({ actorId: newcomer.id, action: "invite.redeem" }).sort({ at: 1, _id: 1 }).lean();
    expect(lines.map((l) => [l.outcome, l.reason ?? null])).toEqual([
      ["ok", null],
      ["denied", "revoked"],
      ["denied", "revoked"],
    ]);
  });

  it("answers a flood of /start guesses with when to try again, in the person's language, and lets them in afterwards", async () => {
    h.clock.set("2026-12-10T06:33:00Z"); // 12:03 in Kolkata; the 10-minute window ends at 12:10
    const guesser = h.person(7_900_000_010, { language_code: "hi" });
    for (let i = 0; i < 12; i++) await guesser.send(`/start ${`guess${i}`.padEnd(24, "x")}`);
    const texts = guesser.botTexts();
    expect(texts.slice(0, 5).every((t) => t.includes("पहचाना नहीं"))).toBe(true);
    expect(texts.slice(5)).toHaveLength(7);
    expect(texts.slice(5).every((t) => t.includes("कृपया दोपहर 12:10 बजे के बाद"))).toBe(true);
    expect(await h.db.models.Audit.countDocuments({ actorId: guesser.id, action: "invite.redeem" })).toBe(6);

    // Someone else is not affected.
    const created = await h.services.invites.create({ actor: null, role: "ac_incharge", territory: { level: "ac", code: "IN-MP:A2" } });
    if (!created.ok) throw new Error("invite not created");
    const english = h.person(7_900_000_011, { language_code: "en" });
    await english.send(`/start ${"Z".repeat(24)}`);
    expect(english.lastText()).toContain("not recognised");

    // After the window, the guesser's real link works.
    h.clock.set("2026-12-10T06:40:00Z");
    await guesser.send(`/start ${created.token}`);
    expect(guesser.lastText()).toContain("स्वागत है");
    expect((await h.services.people.get(guesser.id))?.roles.map((r) => r.code)).toEqual(["IN-MP:A2"]);
  });
});
