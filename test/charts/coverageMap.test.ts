// The coverage map over a generated campaign: every one of the 543 seats has exactly one tile, no two tiles share a
// cell or overlap on the image, each state's tiles are one piece (and no empty cell is enclosed), and the colour drawn at each tile's centre is its
// seat's status as counted here independently from the generated documents (reports, voided reports, open events,
// PC in-charges). The national map (Hindi) and a cluster's (English) are saved in test-results/ to be looked at.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createCanvas, loadImage } from "@napi-rs/canvas";
import { describe, expect } from "vitest";
import { layoutCoverageMap, renderCoverageMap, tileColour, type MapTile } from "../../src/charts/coverageMap.js";
import { hexKey, SQRT3 } from "../../src/charts/hex.js";
import type { SeatStatus } from "../../src/domain/coverage.js";
import type { RollupScope } from "../../src/domain/rollup/types.js";
import type { AcDoc, PcDoc } from "../../src/db/models/index.js";
import { coverageMap } from "../../src/messages/coverageMap.js";
import type { Coverage } from "../../src/services/coverageService.js";
import { connected, findHoles, layoutTiles, readSeats, tilesCsv } from "../../scripts/build-hex-tiles.js";
import { generateCampaign, insertCampaign, rng, type GeneratedEvent, type GeneratedReport } from "../helpers/campaign.js";
import { testWithHarness as test } from "../helpers/harness.js";

const ZONE = "Asia/Kolkata";
const NOW = new Date("2026-11-26T14:30:00Z"); // 20:00 IST
const HOLDER_BASE = 8_300_000_000;

let pcs: PcDoc[];
let acs: AcDoc[];
let campaign: { events: GeneratedEvent[]; reports: GeneratedReport[] };
let voided: Set<string>;
let held: Set<string>;
let coverage: Coverage;

test.beforeAll(async ({ harness: h }) => {
  h.clock.set(NOW);
  pcs = await h.db.models.Pc.find({}).lean<PcDoc[]>();
  acs = await h.db.models.Ac.find({}).lean<AcDoc[]>();
  // Few enough events that every status shows: about half the seats get a report, some only a planned event.
  campaign = generateCampaign(
    { pcs, acs },
    { events: 420, from: new Date(NOW.getTime() - 20 * 86400_000), to: new Date(NOW.getTime() + 10 * 86400_000), now: NOW, seed: 12, reportedShare: 0.7 },
  );
  await insertCampaign(h.db.models, campaign);
  // One report in ten voided by the national office: it counts nowhere.
  voided = new Set(campaign.reports.filter((_, i) => i % 10 === 0).map((r) => r.eventId.toHexString()));
  await h.db.models.Report.collection.updateMany({ eventId: { $in: campaign.reports.filter((r) => voided.has(r.eventId.toHexString())).map((r) => r.eventId) } }, { $set: { reviewStatus: "void" } });
  // Two seats in three have a PC in-charge.
  const random = rng(5);
  held = new Set(pcs.filter(() => random() < 0.67).map((p) => p.code));
  // Stored as granting a role stores them (personService.grantRole), in one insert: 360 grants one by one take 45 s.
  const grant = (i: number, role: "pc_incharge" | "ac_incharge", code: string) => ({
    _id: HOLDER_BASE + i,
    telegramId: HOLDER_BASE + i,
    firstName: `Holder${i}`,
    roles: [{ role, level: role === "pc_incharge" ? "pc" : "ac", code, grantedBy: null, grantedAt: NOW, inviteId: null }],
  });
  await h.db.models.Person.insertMany([
    ...[...held].map((code, i) => grant(i, "pc_incharge", code)),
    // Someone holding an AC seat does not fill the PC seat.
    grant(held.size, "ac_incharge", acs.find((a) => !held.has(a.pcCode))!.code),
  ]);
  coverage = await h.services.coverage.load(NOW);
}, 180_000);

/** Each seat's status counted from the generated documents, without the coverage code. */
function expectedStatuses(): Map<string, SeatStatus> {
  const pcOfAc = new Map(acs.map((a) => [a.code, a.pcCode]));
  const pcOf = (x: { pcCode: string; acCode: string | null }) => (x.acCode ? pcOfAc.get(x.acCode)! : x.pcCode);
  const reported = new Set(campaign.reports.filter((r) => !voided.has(r.eventId.toHexString()) && r.eventStartsAt <= NOW).map(pcOf));
  const planned = new Set(campaign.events.filter((e) => e.status === "planned" && e.reportedAt === null).map(pcOf));
  return new Map(pcs.map((p) => [p.code, reported.has(p.code) ? "reported" : planned.has(p.code) ? "planned" : held.has(p.code) ? "nothing" : "vacant"]));
}

async function pixels(png: Buffer): Promise<(x: number, y: number) => string> {
  const img = await loadImage(png);
  const canvas = createCanvas(img.width, img.height);
  const g = canvas.getContext("2d");
  g.drawImage(img, 0, 0);
  const data = g.getImageData(0, 0, img.width, img.height).data;
  return (x, y) => {
    const i = (Math.round(y) * img.width + Math.round(x)) * 4;
    return `#${[data[i]!, data[i + 1]!, data[i + 2]!].map((v) => v.toString(16).padStart(2, "0")).join("")}`;
  };
}

describe("the coverage map", () => {
  test("has one tile per seat, in one cell each, and each state's tiles in one piece", () => {
    const codes = coverage.tiles.map((t) => t.pcCode);
    expect(codes.length).toBe(543);
    expect(new Set(codes)).toEqual(new Set(pcs.map((p) => p.code)));
    expect(new Set(coverage.tiles.map(hexKey)).size).toBe(543);
    for (const state of new Set(coverage.tiles.map((t) => t.stateCode))) {
      expect(connected(coverage.tiles.filter((t) => t.stateCode === state)), state).toBe(true);
    }
    // No empty cell enclosed by tiles: it would read as a seat.
    expect(findHoles(new Map(coverage.tiles.map((t) => [hexKey(t), t.stateCode])))).toEqual([]);
    // On the image: no two tile centres closer than one tile's width (the hexagons cannot overlap).
    const layout = layoutCoverageMap({ tiles: coverage.tiles, stateLabels: {} });
    const centres = [...layout.centres.values()];
    let nearest = Infinity;
    for (let i = 0; i < centres.length; i++) {
      for (let j = i + 1; j < centres.length; j++) nearest = Math.min(nearest, Math.hypot(centres[i]!.x - centres[j]!.x, centres[i]!.y - centres[j]!.y));
    }
    expect(nearest).toBeGreaterThanOrEqual(layout.size * SQRT3 - 0.01);
  });

  test("the layout file is what scripts/build-hex-tiles.ts builds from the seat counts", () => {
    const seats = readSeats(readFileSync("data/lok-sabha-constituencies.csv", "utf8"));
    expect(readFileSync("data/pc-hex-tiles.csv", "utf8")).toBe(tilesCsv(layoutTiles(seats)));
  });

  test("gives each seat the status counted from the documents, all four present", () => {
    const expected = expectedStatuses();
    expect(coverage.statuses).toEqual(expected);
    const counts = [...expected.values()].reduce<Record<string, number>>((c, s) => ((c[s] = (c[s] ?? 0) + 1), c), {});
    for (const s of ["reported", "planned", "nothing", "vacant"]) expect(counts[s], s).toBeGreaterThan(20);
  });

  const maps: [string, RollupScope, "hi" | "en"][] = [
    ["national-hi", { level: "country", code: "IN" }, "hi"],
    ["cluster-en", { level: "cluster", code: "central" }, "en"],
  ];
  test.for(maps)("draws each tile in its seat's colour: %s", async ([name, scope, lang], { harness: h }) => {
    const expected = expectedStatuses();
    const reader = { t: h.i18n.t(lang), names: await h.services.rollups.labels(lang, []), zone: ZONE };
    const message = coverageMap(coverage, scope, NOW, reader);
    mkdirSync("test-results", { recursive: true });
    writeFileSync(`test-results/coverage-map-${name}.png`, message.png);

    const states = scope.level === "country" ? undefined : new Set(coverage.clusters.find((c) => c.key === scope.code)!.stateCodes);
    const tiles: MapTile[] = coverage.tiles.map((t) => ({ ...t, status: expected.get(t.pcCode)!, highlighted: !states || states.has(t.stateCode) }));
    const stateLabels = Object.fromEntries([...new Set(pcs.map((p) => p.stateCode))].map((c) => [c, reader.t(`map:state.${c}`)]));
    const layout = layoutCoverageMap({ tiles, stateLabels });
    const at = await pixels(message.png);
    // A state's name is written over a few tiles: those are checked on the same map drawn without names.
    const underLabel = (c: { x: number; y: number }) => layout.labels.some((l) => c.x > l.box.left - 4 && c.x < l.box.right + 4 && c.y > l.box.top - 4 && c.y < l.box.bottom + 4);
    const plain = await pixels(renderCoverageMap({ title: "", subtitle: "", tiles, stateLabels: {}, legend: { reported: "", planned: "", nothing: "", vacant: "" }, footer: "" }));
    let checked = 0;
    for (const t of tiles) {
      const c = layout.centres.get(t.pcCode)!;
      const colour = underLabel(c) ? plain(c.x, c.y) : (checked++, at(c.x, c.y));
      expect(colour, `${t.pcCode} (${t.status}${t.highlighted ? "" : ", faded"})`).toBe(tileColour(t.status, t.highlighted));
    }
    expect(checked).toBeGreaterThan(450);
    if (states) expect(tiles.filter((t) => t.highlighted).length).toBe(pcs.filter((p) => states.has(p.stateCode)).length);

    // The legend and the caption count the scope's seats.
    const inScope = tiles.filter((t) => t.highlighted);
    const count = (s: SeatStatus) => inScope.filter((t) => t.status === s).length;
    expect(message.counts).toEqual({ reported: count("reported"), planned: count("planned"), nothing: count("nothing"), vacant: count("vacant") });
    const fmt = (n: number) => new Intl.NumberFormat(lang === "hi" ? "hi-IN" : "en-IN").format(n);
    expect(message.caption).toBe(
      reader.t("map:caption", {
        scope: scope.level === "country" ? reader.t("rollup:country") : reader.names.scope(scope),
        reported: fmt(count("reported")),
        total: fmt(inScope.length),
        planned: fmt(count("planned")),
        vacant: fmt(count("vacant")),
      }),
    );
  });
});

