// /map through the real bot: the national office gets the country's coverage map, a cluster in-charge each of their
// clusters', a state team its state's, each as a photo in their language with the area's count in the caption;
// in-charges of a seat are told who the map is for, people without a role are refused (and it is audited).
import { loadImage } from "@napi-rs/canvas";
import { describe, expect } from "vitest";
import type { Actor } from "../../src/services/eventService.js";
import { testWithHarness as test } from "../helpers/harness.js";
import type { TestPerson } from "../helpers/harness.js";

const organiser: Actor = { telegramId: 7_200_000_001, scopes: [{ role: "pc_incharge", level: "pc", code: "IN-UP:P77" }] };

describe("/map", () => {
  test.beforeAll(async ({ harness: h }) => {
    await h.services.programmes.seedDefaults();
    h.clock.set("2026-11-26T06:30:00Z");
    await h.grant(organiser.telegramId, "pc_incharge", "IN-UP:P77", { first_name: "Ramesh" });
    // Varanasi: one event held and reported; Lucknow (PC 35): one planned for tomorrow.
    const make = async (code: string, startsAt: string, key: string) => {
      const res = await h.services.events.create({
        actor: { telegramId: organiser.telegramId, scopes: [...organiser.scopes, { role: "state_team", level: "state", code: "IN-UP" }] },
        confirmKey: key,
        input: { programmeKey: "sneh-samvad", territory: { level: "pc", code }, startsAt: new Date(startsAt), venue: "Hall", location: null, expectedAttendance: 50, notes: "" },
      });
      if (!res.ok) throw new Error(res.reason);
      return res.event.id;
    };
    const held = await make("IN-UP:P77", "2026-11-26T03:30:00Z", "map-a");
    const report = await h.services.reports.submit({ actor: organiser, eventId: held, confirmKey: "map-a-report", input: { total: 60, counts: {}, photos: [], notes: "" } });
    expect(report.ok).toBe(true);
    await h.services.people.grantRole(organiser.telegramId, { role: "state_team", code: "IN-UP", grantedBy: null });
    await make("IN-UP:P35", "2026-11-27T05:30:00Z", "map-b");
    await h.services.people.revokeRole(organiser.telegramId, "IN-UP");
  });

  /** The photos the bot sent this person since `from`, as decoded images with their captions. */
  async function photos(h: { api: { file(id: string): { data?: Uint8Array } | undefined } }, p: TestPerson, from = 0) {
    const sent = p.transcript().slice(from).filter((e) => e.from === "bot" && e.message.photo);
    return Promise.all(
      sent.map(async (e) => {
        const largest = e.message.photo!.at(-1)!;
        const data = h.api.file(largest.file_id)?.data;
        return { caption: e.message.caption ?? "", image: data ? await loadImage(Buffer.from(data)) : undefined };
      }),
    );
  }

  test("gives a cluster in-charge the cluster's map, in Hindi", async ({ harness: h }) => {
    const head = await h.grant(7_200_000_010, "cluster_head", "central", { language_code: "hi" });
    await head.send("/map");
    const [map, ...more] = await photos(h, head);
    expect(more).toEqual([]);
    // Central = UP (80) + MP (29) + CG (11): Varanasi reported, Lucknow planned, the rest vacant but Varanasi's holder.
    expect(map!.caption).toBe("🗺 मध्य क्लस्टर: 120 में से 1 लोकसभा क्षेत्रों की रिपोर्ट आई, 1 की योजना बनी, 118 रिक्त");
    expect(map!.image?.width).toBe(1080);
  });

  test("gives a state team its state's map and the national office the country's, in English", async ({ harness: h }) => {
    const team = await h.grant(7_200_000_020, "state_team", "IN-UP", { language_code: "en" });
    await team.send("/map");
    expect((await photos(h, team)).map((p) => p.caption)).toEqual(["🗺 Uttar Pradesh: 1 of 80 Lok Sabha seats reported, 1 planned, 78 vacant"]);

    await h.services.people.ensureNationalAdmins([7_200_000_030]);
    const admin = h.person(7_200_000_030, { language_code: "en" });
    await admin.send("/map");
    expect((await photos(h, admin)).map((p) => p.caption)).toEqual(["🗺 All India: 1 of 543 Lok Sabha seats reported, 1 planned, 541 vacant"]);
  });

  test("gives someone heading two clusters a map of each", async ({ harness: h }) => {
    const head = await h.grant(7_200_000_040, "cluster_head", "north", { language_code: "en" });
    await h.services.people.grantRole(head.id, { role: "cluster_head", code: "south", grantedBy: null });
    await head.send("/map");
    const captions = (await photos(h, head)).map((p) => p.caption);
    expect(captions).toHaveLength(2);
    expect(captions[0]).toContain("North cluster: 0 of 46");
    expect(captions[1]).toContain("South cluster: 0 of 89");
  });

  test("tells a seat's in-charge who the map is for, and refuses people without a role (audited)", async ({ harness: h }) => {
    const pc = h.person(organiser.telegramId, { language_code: "en", first_name: "Ramesh" });
    await h.services.people.setLanguage(organiser.telegramId, "en");
    const before = pc.transcript().length;
    await pc.send("/map");
    expect(pc.lastText()).toBe("The map is for the national office, cluster in-charges and state teams.");
    expect(await photos(h, pc, before)).toEqual([]);

    const nobody = h.person(7_200_000_099, { language_code: "en" });
    await nobody.send("/map");
    expect(nobody.lastText()).toContain("invite link");
    expect(await photos(h, nobody)).toEqual([]);
    const audit = await h.db.models.Audit.find({ actorId: 7_200_000_099, action: "access.denied" }).lean<{ details?: { attempted?: string } }[]>();
    expect(audit.map((a) => a.details?.attempted)).toEqual(["map.open"]);
  });

  test("is in the menu of those it is for", async ({ harness: h }) => {
    const team = await h.grant(7_200_000_050, "state_team", "IN-BR", { language_code: "en" });
    await team.send("/help");
    expect(team.lastText()).toContain("/map");
    const pc = await h.grant(7_200_000_051, "pc_incharge", "IN-BR:P1", { language_code: "en" });
    await pc.send("/help");
    expect(pc.lastText()).not.toContain("/map");
  });
});
