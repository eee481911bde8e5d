// Seat search in Hindi through the real bot: a national admin who reads Hindi invites a Lok Sabha in-charge by typing
// the state and the seat in Devanagari; the link made is for Varanasi.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../helpers/harness.js";
import { hashToken } from "../../src/services/inviteService.js";

let h: Harness;

beforeAll(async () => {
  h = await createHarness({ label: "seatsearch" });
  await h.services.people.ensureNationalAdmins([5_900_000_001]);
});
afterAll(async () => {
  await h.close();
});

describe("seat search in Devanagari", () => {
  it("typing “वाराणसी” in Uttar Pradesh's list picks Varanasi; “मुंबई उत्तर” narrows Maharashtra's list to four, Mumbai North first", async () => {
    const admin = h.person(5_900_000_001, { first_name: "आशा", language_code: "hi" });
    await admin.send("/invite");
    await admin.tap("लोकसभा प्रभारी");
    await admin.send("उत्तर प्रदेश");
    expect(admin.lastText()).toContain("लोकसभा"); // the PC question, in Hindi
    await admin.send("वाराणसी");
    expect(admin.botTexts().at(-2)).toContain("Varanasi");
    await admin.tap(/7 .*★/);
    const token = /start=([A-Za-z0-9_-]+)/.exec(admin.lastText())![1]!;
    expect(await h.db.models.Invite.findOne({ tokenHash: hashToken(token) }).lean()).toMatchObject({ role: "pc_incharge", code: "IN-UP:P77" });
    await admin.send("/cancel");

    // Several seats match: the list narrows to them, the closest first.
    await admin.send("/invite");
    await admin.tap("लोकसभा प्रभारी");
    await admin.send("महाराष्ट्र");
    await admin.send("मुंबई उत्तर");
    expect(admin.lastButtons()).toEqual(["26. Mumbai North", "27. Mumbai North West", "28. Mumbai North East", "29. Mumbai North Central"]);
    // Nothing close: the usual short answer, and the question again.
    await admin.send("क्ष्ज्ञ्त्र्");
    expect(admin.botTexts().at(-2)).toContain("मेल नहीं");
    await admin.tap("26. Mumbai North");
    await admin.tap(/7 .*★/);
    const second = /start=([A-Za-z0-9_-]+)/.exec(admin.lastText())![1]!;
    expect(await h.db.models.Invite.findOne({ tokenHash: hashToken(second) }).lean()).toMatchObject({ code: "IN-MH:P26" });
  });

  it("lists the states in the reader's alphabetical order: Devanagari for a Hindi reader, English for an English one", async () => {
    const states = await h.services.map.listStates();
    const hi = new Intl.Collator("hi");
    const en = new Intl.Collator("en-IN");
    const admin = h.person(5_900_000_001, { first_name: "आशा", language_code: "hi" });
    await admin.send("/cancel");
    await admin.send("/invite");
    await admin.tap("स्टेट टोली सदस्य");
    const firstPage = admin.lastButtons().slice(0, 12);
    expect(firstPage).toEqual(states.map((s) => s.nameHi).sort(hi.compare).slice(0, 12));
    // अ… first (अंडमान…, अरुणाचल…), उत्तर प्रदेश not where "Uttar" would put it.
    expect(firstPage[0]).toMatch(/^अ/);
    await admin.send("/cancel");

    await h.services.people.setLanguage(admin.id, "en");
    await admin.send("/invite");
    await admin.tap("State team member");
    expect(admin.lastButtons().slice(0, 12)).toEqual(states.map((s) => s.name).sort(en.compare).slice(0, 12));
    await admin.send("/cancel");
  });
});
