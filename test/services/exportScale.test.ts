// An export of a generated campaign (100,000 events under FULL_SCENARIOS=1, 2,000 in `npm test`) opens with the
// spreadsheet library, and its row counts and attendance sums equal the database's own count (an aggregation,
// independent of the export's cursor and writer). Peak memory while exporting is printed for the record.
import { mkdtemp, rm } from "node:fs/promises";
import { createWriteStream } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServices, type Services } from "../../src/services/index.js";
import { createRollupDataSource } from "../../src/services/rollupData.js";
import { openTestDatabase, type TestDatabase } from "../helpers/db.js";
import { generateCampaign, insertCampaign } from "../helpers/campaign.js";
import { scenarioSize } from "../helpers/scenarios.js";
import { withMemoryPeak } from "../helpers/memoryPeak.js";

const N = scenarioSize(100_000, 2_000);
const NOW = new Date("2026-11-26T14:30:00Z");
const ADMIN = 5_880_000_001;
const national = [{ role: "national_admin" as const, level: "country" as const, code: "IN" }];

describe(`an export of ${N.toLocaleString("en-IN")} events`, { tags: ["scenario"], timeout: 900_000 }, () => {
  let db: TestDatabase;
  let s: Services;
  let dir: string;
  let categories: string[];
  const generated = { reports: 0 };

  beforeAll(async () => {
    db = await openTestDatabase("exportscale");
    s = createServices({ models: db.models, now: () => NOW });
    await s.map.seedMap();
    await s.programmes.seedDefaults();
    categories = (await s.programmes.list("category")).map((c) => c.key);
    const map = await createRollupDataSource(db.models).loadMap();
    const data = generateCampaign(map, { events: N, from: new Date(NOW.getTime() - 120 * 86400_000), to: new Date(NOW.getTime() + 10 * 86400_000), now: NOW, seed: 7, categories });
    generated.reports = data.reports.length;
    await insertCampaign(db.models, data);
    dir = await mkdtemp(path.join(tmpdir(), "sanyojak-export-test-"));
  }, 900_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await db.drop();
  });

  /**
   * The database's own figures, read apart from the export (the driver's raw collection, a projection, summed
   * here). FerretDB 1.24 answers $group's {$sum: "$total"} with 0, so an aggregation cannot be the reference.
   */
  async function databaseSums(): Promise<{ n: number; total: number; counts: Map<string, number> }> {
    const out = { n: 0, total: 0, counts: new Map(categories.map((c) => [c, 0])) };
    for await (const r of db.models.Report.collection.find({}, { projection: { _id: 0, total: 1, counts: 1 } })) {
      out.n++;
      out.total += r.total as number;
      for (const c of categories) out.counts.set(c, out.counts.get(c)! + ((r.counts as Record<string, number> | undefined)?.[c] ?? 0));
    }
    return out;
  }

  /** Exports to a file, sampling the process's memory meanwhile. */
  async function exportTo(kind: "events" | "reports", format: "xlsx" | "csv") {
    const file = path.join(dir, `${kind}.${format}`);
    const started = performance.now();
    const { result: res, memory } = await withMemoryPeak(() => s.exports.write({ telegramId: ADMIN, scopes: national }, kind, format, createWriteStream(file)), 50);
    const { before, peakRss, peakHeap } = memory;
    const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;
    console.log(
      `[export ${kind}.${format}] ${N} events: ${res.ok ? res.rows : res.reason} rows in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
        `RSS ${mb(before.rss)} → peak ${mb(peakRss)}, heap ${mb(before.heapUsed)} → peak ${mb(peakHeap)}`,
    );
    return { file, res };
  }

  /** Reads an XLSX back with exceljs's streaming reader: the header, the data rows and per-column sums. */
  async function readXlsx(file: string, sumColumns: readonly string[]) {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, {});
    let header: string[] = [];
    let rows = 0;
    const sums = new Map(sumColumns.map((c) => [c, 0]));
    for await (const sheet of reader) {
      for await (const row of sheet) {
        const values = (row.values as unknown[]).slice(1);
        if (row.number === 1) {
          header = values.map(String);
          continue;
        }
        rows++;
        for (const c of sumColumns) sums.set(c, sums.get(c)! + Number(values[header.indexOf(c)] ?? 0));
      }
    }
    return { header, rows, sums };
  }

  it("events: as many rows as the database holds, and the same per status", async () => {
    const { file, res } = await exportTo("events", "xlsx");
    const [count, cancelled] = await Promise.all([db.models.Event.countDocuments({}), db.models.Event.countDocuments({ status: "cancelled" })]);
    expect(count).toBe(N);
    expect(res).toEqual({ ok: true, rows: count });
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, {});
    let rows = 0;
    let cancelledRows = 0;
    let statusCol = -1;
    for await (const sheet of reader) {
      for await (const row of sheet) {
        const values = (row.values as unknown[]).slice(1);
        if (row.number === 1) statusCol = values.indexOf("status");
        else {
          rows++;
          if (values[statusCol] === "cancelled") cancelledRows++;
        }
      }
    }
    expect([rows, cancelledRows]).toEqual([count, cancelled]);
  });

  it("reports: as many rows as the database holds, and every attendance sum equal to the database's", async () => {
    const { file, res } = await exportTo("reports", "xlsx");
    const stored = await databaseSums();
    expect(res).toEqual({ ok: true, rows: stored.n });
    const read = await readXlsx(file, ["total", ...categories]);
    expect(read.rows).toBe(stored.n);
    expect(read.sums.get("total")).toBe(stored.total);
    for (const c of categories) expect(read.sums.get(c), c).toBe(stored.counts.get(c));
    expect(stored.total).toBeGreaterThan(0);
    expect(stored.n).toBe(generated.reports);
  });

  it("reports as CSV: the same rows and total", async () => {
    const { file, res } = await exportTo("reports", "csv");
    const { readFile } = await import("node:fs/promises");
    const lines = (await readFile(file, "utf8")).replace(/^\uFEFF/, "").trimEnd().split("\r\n");
    const head = lines[0]!.split(",");
    const at = head.indexOf("total");
    const total = lines.slice(1).reduce((sum, l) => sum + Number(l.split(",")[at]), 0);
    const stored = await databaseSums();
    expect(res).toEqual({ ok: true, rows: stored.n });
    expect([lines.length - 1, total]).toEqual([stored.n, stored.total]);
  });
});
