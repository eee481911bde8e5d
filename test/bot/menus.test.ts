// Command menus by role, read back from the local Bot API's stored commands: the default menus list only what a
// newcomer can use; an in-charge who joins by invite gets a menu of their own, in their language; it follows a
// revoke, /language and a replacement; and nothing is sent again while the menu stays the same.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setCommandMenus } from "../../src/bot/commands.js";
import { createHarness, type Harness, type TestPerson } from "../helpers/harness.js";

let h: Harness;
let nextId = 5_300_000_000;
const seat = { n: 1 };

beforeAll(async () => {
  h = await createHarness({ label: "menus" });
});
afterAll(async () => {
  await h.close();
});

const menuOf = (p: TestPerson) => h.api.commands({ scope: { type: "chat", chat_id: p.id } });
const commandsOf = (p: TestPerson) => menuOf(p).map((c) => c.command);
const menuCalls = (p: TestPerson) => h.api.callsTo("setMyCommands").filter((c) => JSON.stringify(c.params.scope ?? "").includes(String(p.id))).length;

const EVERYONE = ["me", "language", "help", "start", "cancel"];
const INCHARGE = ["newevent", "report", "myevents", "progress", ...EVERYONE];

/** An invite to a PC of Uttar Pradesh of its own, redeemed by a new person through /start. */
async function joinAsPcIncharge(lang: string): Promise<TestPerson> {
  const created = await h.services.invites.create({ actor: null, role: "pc_incharge", territory: { level: "pc", code: `IN-UP:P${seat.n++}` } });
  if (!created.ok) throw new Error("invite not created");
  const p = h.person(nextId++, { language_code: lang, first_name: "Ravi" });
  await p.send(`/start ${created.token}`);
  expect((await h.services.people.get(p.id))?.roles).toHaveLength(1);
  return p;
}

describe("menus by role", () => {
  it("the default menus list only what a newcomer can use; a newcomer gets no menu of their own", async () => {
    await setCommandMenus(h.bot.api, h.i18n);
    for (const opts of [{}, { languageCode: "hi" }, { languageCode: "en" }]) expect(h.api.commands(opts).map((c) => c.command)).toEqual(EVERYONE);
    expect(h.api.commands({ languageCode: "hi" })[0]!.description).toMatch(/[\u0900-\u097F]/);
    const newcomer = h.person(nextId++, { language_code: "hi" });
    await newcomer.send("/start");
    await newcomer.send("/help");
    expect(menuOf(newcomer)).toEqual([]);
    expect(menuCalls(newcomer)).toBe(0);
  });

  it("an in-charge's menu after joining, in Hindi; it changes after a revoke, once", async () => {
    const p = await joinAsPcIncharge("hi");
    expect(commandsOf(p)).toEqual(INCHARGE);
    expect(menuOf(p)[0]).toEqual({ command: "newevent", description: h.i18n.t("hi")("commands:newevent") });
    expect(menuOf(p)[0]!.description).toMatch(/[\u0900-\u097F]/);
    expect(menuCalls(p)).toBe(1);
    // Using the bot does not send the menu again.
    await p.send("/help");
    await p.send("/me");
    expect(menuCalls(p)).toBe(1);

    // The state team revokes the role in /team: the menu shrinks at once, before the person writes again.
    const code = (await h.services.people.get(p.id))!.roles[0]!.code;
    const team = await h.grant(nextId++, "state_team", "IN-UP", { language_code: "en" });
    await team.send("/team");
    const msg = team.transcript().filter((e) => e.from === "bot").at(-1)!.message;
    await team.tapData(msg.message_id, `tm:y:${p.id}:${code}`);
    expect(team.lastText()).toContain("Revoked");
    expect(commandsOf(p)).toEqual(EVERYONE);
    expect(menuCalls(p)).toBe(2);
    // The state team's own menu: what a state team member can use.
    expect(commandsOf(team)).toEqual(["newevent", "report", "myevents", "progress", "review", "gaps", "export", "rollup", "map", "plans", "invite", "invites", "team", ...EVERYONE]);
    await p.send("/help");
    expect(menuCalls(p)).toBe(2);
  });

  it("follows /language, and a role granted while the bot was not looking reaches the next message", async () => {
    const p = await joinAsPcIncharge("en");
    expect(menuOf(p)[0]).toEqual({ command: "newevent", description: h.i18n.t("en")("commands:newevent") });
    await p.send("/language");
    await p.tap("हिन्दी");
    expect(commandsOf(p)).toEqual(INCHARGE);
    expect(menuOf(p)[0]!.description).toBe(h.i18n.t("hi")("commands:newevent"));
    // A second role given directly (a script, another instance): the next update sets the wider menu, once.
    await h.services.people.grantRole(p.id, { role: "state_team", code: "IN-BR", grantedBy: null });
    const before = menuCalls(p);
    await p.send("/help");
    expect(commandsOf(p)).toContain("review");
    await p.send("/help");
    expect(menuCalls(p)).toBe(before + 1);
  });

  it("a replaced holder loses the seat's commands when the new holder joins", async () => {
    const old = await joinAsPcIncharge("en");
    const code = (await h.services.people.get(old.id))!.roles[0]!.code;
    const admin = nextId++;
    await h.services.people.ensureNationalAdmins([admin]);
    const replaced = await h.services.team.replace(admin, [{ role: "national_admin", level: "country", code: "IN" }], old.id, code);
    if (!replaced.ok) throw new Error(replaced.reason);
    const next = h.person(nextId++, { language_code: "en" });
    await next.send(`/start ${replaced.token}`);
    expect(commandsOf(next)).toEqual(INCHARGE);
    expect(commandsOf(old)).toEqual(EVERYONE);
  });
});
