// A table as a file people open in a spreadsheet program: XLSX (exceljs), or CSV (RFC 4180 quoting, UTF-8 with a
// BOM so that Excel reads the Devanagari). Shared by the exports and the bulk invite links.
import { once } from "node:events";
import type { Writable } from "node:stream";

/**
 * exceljs, loaded at the first XLSX file: it costs the process about 28 MB of resident memory, and most hours pass
 * without an export (see README, Memory).
 */
const loadExcel = async () => (await import("exceljs")).default;

export type Cell = string | number | Date;

export interface Table {
  columns: string[];
  rows: Cell[][];
  /** Column widths in characters, for XLSX (default: the program's). */
  widths?: number[];
}

export async function tableToXlsx(table: Table, sheetName: string): Promise<Buffer> {
  const ExcelJS = await loadExcel();
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet(sheetName);
  sheet.addRow(table.columns).font = { bold: true };
  table.widths?.forEach((width, i) => (sheet.getColumn(i + 1).width = width));
  for (const row of table.rows) sheet.addRow(row);
  return Buffer.from(await book.xlsx.writeBuffer());
}

function csvCell(v: Cell): string {
  const text = v instanceof Date ? v.toISOString() : String(v);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function tableToCsv(table: Table): Buffer {
  return Buffer.from("\uFEFF" + [table.columns, ...table.rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n", "utf8");
}

/** Rows as they come, for sheets too large to hold (exports). */
export interface StreamedTable {
  columns: string[];
  rows: AsyncIterable<Cell[]>;
}

/**
 * XLSX through exceljs's streaming WorkbookWriter: each row is committed (serialised into the zip) as soon as it is
 * added, so memory stays flat however many rows there are. Shared strings are off for the same reason (they would
 * keep every distinct text in memory). Returns the data rows written.
 */
export async function streamXlsx(table: StreamedTable, sheetName: string, out: Writable): Promise<number> {
  const ExcelJS = await loadExcel();
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  const sheet = book.addWorksheet(sheetName);
  const head = sheet.addRow(table.columns);
  head.font = { bold: true };
  head.commit();
  let n = 0;
  for await (const row of table.rows) {
    sheet.addRow(row).commit();
    n++;
  }
  sheet.commit();
  await book.commit();
  return n;
}

/** CSV a line at a time, waiting for the stream to drain when it asks to (backpressure). Does not end `out`. */
export async function streamCsv(table: StreamedTable, out: Writable): Promise<number> {
  const write = async (line: string) => {
    if (!out.write(line, "utf8")) await once(out, "drain");
  };
  await write("\uFEFF" + table.columns.map(csvCell).join(",") + "\r\n");
  let n = 0;
  for await (const row of table.rows) {
    await write(row.map(csvCell).join(",") + "\r\n");
    n++;
  }
  return n;
}
