// The rollup chart on a phone: only states with data get a row, the largest first, the tail summed into one
// "others" row, the states with nothing counted in a line; a national chart of 36 states, most without a report, is
// a short picture, not 36 rows of zeros. The drawn chart is saved in test-results/ to be looked at.
import { mkdirSync, writeFileSync } from "node:fs";
import { loadImage } from "@napi-rs/canvas";
import { describe, expect, it } from "vitest";
import { chartRows, renderStateChart, TOP_STATES, type StateChartRow } from "../../src/charts/stateChart.js";
import { createI18n } from "../../src/i18n.js";

const row = (label: string, attendanceToDate: number, pcsCovered = attendanceToDate > 0 ? 1 : 0, attendanceToday = 0): StateChartRow => ({
  label,
  attendanceToDate,
  attendanceToday,
  pcsCovered,
  pcsTotal: 20,
});

describe("the rows the chart draws", () => {
  it("keeps only states with data, largest attendance first", () => {
    const { rows, empty } = chartRows([row("A", 0), row("B", 50), row("C", 400), row("D", 0, 0, 0), row("E", 0, 2)]);
    expect(rows.map((r) => r.label)).toEqual(["C", "B", "E"]);
    expect(empty).toBe(2);
  });

  it("sums the states beyond the top ones into one row", () => {
    const many = Array.from({ length: 14 }, (_, i) => row(`S${i}`, (i + 1) * 100, i + 1, i));
    const { rows, empty } = chartRows(many);
    expect(rows).toHaveLength(TOP_STATES + 1);
    expect(rows.slice(0, TOP_STATES).map((r) => r.label)).toEqual(["S13", "S12", "S11", "S10", "S9", "S8", "S7", "S6", "S5", "S4"]);
    expect(rows.at(-1)).toEqual({ label: "", others: 4, attendanceToDate: 100 + 200 + 300 + 400, attendanceToday: 0 + 1 + 2 + 3, pcsCovered: 1 + 2 + 3 + 4, pcsTotal: 80 });
    expect(empty).toBe(0);
  });

  it("gives one state beyond the top its own row rather than an others row of one", () => {
    const { rows } = chartRows(Array.from({ length: TOP_STATES + 1 }, (_, i) => row(`S${i}`, i + 1)));
    expect(rows).toHaveLength(TOP_STATES + 1);
    expect(rows.every((r) => r.others === undefined)).toBe(true);
  });
});

describe("the drawn chart", () => {
  it("is short for a national chart with few states reporting, and its words are phone-sized", async () => {
    const i18n = await createI18n();
    const t = i18n.t("hi");
    const states = ["उत्तर प्रदेश", "बिहार", "मध्य प्रदेश", "राजस्थान", "गुजरात", "महाराष्ट्र", "केरल", "तमिलनाडु", "कर्नाटक", "असम", "ओडिशा", "पंजाब", "हरियाणा"];
    const rows = [
      ...states.map((label, i) => row(label, (states.length - i) * 1_750, states.length - i, i % 3 === 0 ? 240 : 0)),
      ...Array.from({ length: 23 }, (_, i) => row(`खाली ${i}`, 0)),
    ];
    const png = renderStateChart({
      title: t("rollup:chart.title", { scope: t("rollup:country") }),
      subtitle: t("rollup:chart.subtitle", { date: "गुरुवार, 26 नवंबर 2026" }),
      legend: { attendanceToDate: t("rollup:chart.legend.toDate"), attendanceToday: t("rollup:chart.legend.today"), coverage: t("rollup:chart.legend.coverage") },
      columns: { attendance: t("rollup:chart.columns.attendance"), coverage: t("rollup:chart.columns.coverage") },
      footer: t("rollup:chart.footer", { covered: 91, total: 543 }),
      othersLabel: (count) => t("rollup:chart.others", { count }),
      emptyLabel: (count) => t("rollup:chart.empty", { count }),
      rows,
      locale: "hi-IN",
    });
    mkdirSync("test-results", { recursive: true });
    writeFileSync("test-results/rollup-chart-national-phone-hi.png", png);
    const img = await loadImage(png);
    expect(img.width).toBe(1080);
    // Title, legend, 11 rows (10 states and the others), the line of states not shown, the footer.
    expect(img.height).toBeLessThan(1150);
  });
});
