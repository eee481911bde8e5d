// The rollup chart: attendance and coverage by state, as a PNG drawn in-process with Skia (@napi-rs/canvas ships it
// prebuilt through npm): no browser, no network. Each state is a row: its attendance to date as a bar (today's part
// darker) and its Lok Sabha constituencies with a reported event as a filled share. Every word on it comes from the
// caller (already translated), so the chart itself has no language.
//
// Made for a phone: Telegram shows a photo full-width, about 360 px on a small phone, a third of the 1,080 px drawn,
// so no word is under 28 px. Only states with something to show get a row (a national chart is not 36 rows of
// zeros): the largest by attendance, then one "others" row summing the rest; states with nothing yet are counted in
// a line below.
import { createCanvas } from "@napi-rs/canvas";
import { ensureChartFonts } from "./fonts.js";
import { drawText as text } from "./text.js";

export interface StateChartRow {
  label: string;
  attendanceToDate: number;
  attendanceToday: number;
  pcsCovered: number;
  pcsTotal: number;
}

export interface StateChartData {
  title: string;
  subtitle: string;
  legend: { attendanceToDate: string; attendanceToday: string; coverage: string };
  columns: { attendance: string; coverage: string };
  footer: string;
  rows: readonly StateChartRow[];
  /** The row summing the states beyond the top ones ("3 other states"). */
  othersLabel(count: number): string;
  /** The line counting the states with nothing to show ("12 states with no report yet"); "" when count is 0. */
  emptyLabel(count: number): string;
  /** Locale for number grouping (hi-IN and en-IN both group as 1,23,456). */
  locale: string;
}

/** At most this many states get a row of their own; the rest share the "others" row. */
export const TOP_STATES = 10;

export interface ChartRows {
  /** Rows to draw, largest attendance first; the last is the others' sum when there are more than TOP_STATES. */
  rows: (StateChartRow & { others?: number })[];
  /** States with no attendance and no seat covered: not drawn. */
  empty: number;
}

/** Which rows the chart draws: states with data, the largest first, the tail summed into one row. */
export function chartRows(rows: readonly StateChartRow[], top = TOP_STATES): ChartRows {
  const withData = rows.filter((r) => r.attendanceToDate > 0 || r.pcsCovered > 0 || r.attendanceToday > 0);
  const sorted = [...withData].sort(
    (a, b) => b.attendanceToDate - a.attendanceToDate || b.pcsCovered - a.pcsCovered || a.label.localeCompare(b.label),
  );
  // An others row for a single state would take the room of that state's own row.
  const shown = sorted.length <= top + 1 ? sorted : sorted.slice(0, top);
  const rest = sorted.slice(shown.length);
  const out: ChartRows["rows"] = [...shown];
  if (rest.length > 0) {
    out.push({
      label: "",
      others: rest.length,
      attendanceToDate: rest.reduce((n, r) => n + r.attendanceToDate, 0),
      attendanceToday: rest.reduce((n, r) => n + r.attendanceToday, 0),
      pcsCovered: rest.reduce((n, r) => n + r.pcsCovered, 0),
      pcsTotal: rest.reduce((n, r) => n + r.pcsTotal, 0),
    });
  }
  return { rows: out, empty: rows.length - withData.length };
}

const WIDTH = 1080;
const PAD = 36;
const ROW_H = 64;
const TOP = 250;
const LABEL_W = 270;
const ATT_X = PAD + LABEL_W + 14;
const ATT_W = 400;
const COV_X = ATT_X + ATT_W + 26;
const COV_W = WIDTH - PAD - COV_X;
const COLORS = {
  background: "#ffffff",
  stripe: "#f4f6f8",
  text: "#1d2733",
  muted: "#5b6775",
  toDate: "#9cc3e6",
  today: "#1f6fb5",
  covered: "#2e9e5b",
  uncovered: "#dfe4ea",
};

export function renderStateChart(data: StateChartData): Buffer {
  ensureChartFonts();
  const { rows, empty } = chartRows(data.rows);
  const emptyLine = empty > 0 ? data.emptyLabel(empty) : "";
  const height = TOP + Math.max(1, rows.length) * ROW_H + (emptyLine ? 56 : 0) + 86;
  const canvas = createCanvas(WIDTH, height);
  const g = canvas.getContext("2d");
  const num = new Intl.NumberFormat(data.locale);

  g.fillStyle = COLORS.background;
  g.fillRect(0, 0, WIDTH, height);
  g.textBaseline = "middle";

  text(g, data.title, PAD, 50, { size: 40, bold: true, maxWidth: WIDTH - 2 * PAD });
  text(g, data.subtitle, PAD, 100, { size: 30, color: COLORS.muted, maxWidth: WIDTH - 2 * PAD });

  // Legend: one swatch and label per line would waste height; two lines, wrapping after the second entry.
  const legend = [
    [COLORS.toDate, data.legend.attendanceToDate],
    [COLORS.today, data.legend.attendanceToday],
    [COLORS.covered, data.legend.coverage],
  ] as const;
  let x = PAD;
  let y = 150;
  for (const [i, [color, label]] of legend.entries()) {
    if (i === 2) {
      x = PAD;
      y += 42;
    }
    g.fillStyle = color;
    g.fillRect(x, y - 12, 24, 24);
    x += 34;
    x += text(g, label, x, y + 1, { size: 28, color: COLORS.muted, maxWidth: WIDTH - PAD - x }) + 36;
  }

  text(g, data.columns.attendance, ATT_X, TOP - 22, { size: 28, bold: true, maxWidth: ATT_W });
  text(g, data.columns.coverage, COV_X, TOP - 22, { size: 28, bold: true, maxWidth: COV_W });

  const maxAttendance = Math.max(1, ...rows.filter((r) => r.others === undefined).map((r) => r.attendanceToDate));
  const barMax = ATT_W - 200;
  rows.forEach((row, i) => {
    const top = TOP + i * ROW_H;
    const mid = top + ROW_H / 2;
    if (i % 2 === 0) {
      g.fillStyle = COLORS.stripe;
      g.fillRect(PAD - 10, top, WIDTH - 2 * PAD + 20, ROW_H);
    }
    const label = row.others !== undefined ? data.othersLabel(row.others) : row.label;
    text(g, label, PAD, mid + 1, { size: 30, maxWidth: LABEL_W, color: row.others !== undefined ? COLORS.muted : COLORS.text });

    const total = Math.max(0, row.attendanceToDate);
    const today = Math.min(total, Math.max(0, row.attendanceToday));
    // The others' sum may exceed the largest state: its bar is capped at the column, its number says the rest.
    const bar = (n: number) => (n > 0 ? Math.min(barMax, Math.max(3, (n / maxAttendance) * barMax)) : 0);
    g.fillStyle = COLORS.toDate;
    g.fillRect(ATT_X, top + 14, bar(total), ROW_H - 28);
    g.fillStyle = COLORS.today;
    g.fillRect(ATT_X, top + 14, bar(today), ROW_H - 28);
    const figure = today > 0 ? `${num.format(total)} (+${num.format(today)})` : num.format(total);
    text(g, figure, ATT_X + bar(total) + 10, mid + 1, { size: 28, maxWidth: ATT_W - bar(total) - 10 });

    const covText = `${num.format(row.pcsCovered)}/${num.format(row.pcsTotal)}`;
    const covTextW = 118;
    const barW = COV_W - covTextW;
    const share = row.pcsTotal > 0 ? Math.min(1, row.pcsCovered / row.pcsTotal) : 0;
    g.fillStyle = COLORS.uncovered;
    g.fillRect(COV_X, top + 14, barW, ROW_H - 28);
    g.fillStyle = COLORS.covered;
    g.fillRect(COV_X, top + 14, share * barW, ROW_H - 28);
    text(g, covText, WIDTH - PAD, mid + 1, { size: 28, align: "right", maxWidth: covTextW - 8 });
  });

  let footerY = TOP + Math.max(1, rows.length) * ROW_H + 40;
  if (emptyLine) {
    text(g, emptyLine, PAD, footerY, { size: 28, color: COLORS.muted, maxWidth: WIDTH - 2 * PAD });
    footerY += 56;
  }
  text(g, data.footer, PAD, footerY, { size: 28, color: COLORS.muted, maxWidth: WIDTH - 2 * PAD });
  return canvas.toBuffer("image/png");
}
