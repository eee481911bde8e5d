// A table as a file people open in a spreadsheet program: XLSX (exceljs), or CSV (RFC 4180 quoting, UTF-8 with a
// BOM so that Excel reads the Devanagari). Shared by the exports and the bulk invite links.
import ExcelJS from "exceljs";

export type Cell = string | number | Date;

export interface Table {
  columns: string[];
  rows: Cell[][];
  /** Column widths in characters, for XLSX (default: the program's). */
  widths?: number[];
}

export async function tableToXlsx(table: Table, sheetName: string): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet(sheetName);
  sheet.addRow(table.columns).font = { bold: true };
  table.widths?.forEach((width, i) => (sheet.getColumn(i + 1).width = width));
  for (const row of table.rows) sheet.addRow(row);
  return Buffer.from(await book.xlsx.writeBuffer());
}

export function tableToCsv(table: Table): Buffer {
  const cell = (v: Cell) => {
    const text = v instanceof Date ? v.toISOString() : String(v);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return Buffer.from("\uFEFF" + [table.columns, ...table.rows].map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n", "utf8");
}
