// The rollup chart: attendance and coverage by state, as a PNG drawn in-process with Skia (@napi-rs/canvas ships it
// prebuilt through npm): no browser, no network. Each state is a row: its attendance to date as a bar (today's part
// darker) and its Lok Sabha constituencies with a reported event as a filled share. Every word on it comes from the
// caller (already translated), so the chart itself has no language.
import { createCanvas, type SKRSContext2D } from "@napi-rs/canvas";
import { CHART_FONT, ensureChartFonts } from "./fonts.js";

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
  /** Locale for number grouping (hi-IN and en-IN both group as 1,23,456). */
  locale: string;
}

const WIDTH = 1080;
const PAD = 32;
const ROW_H = 38;
const TOP = 196;
const LABEL_W = 250;
const ATT_X = PAD + LABEL_W + 16;
const ATT_W = 420;
const COV_X = ATT_X + ATT_W + 36;
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
  const height = TOP + Math.max(1, data.rows.length) * ROW_H + 70;
  const canvas = createCanvas(WIDTH, height);
  const g = canvas.getContext("2d");
  const num = new Intl.NumberFormat(data.locale);

  g.fillStyle = COLORS.background;
  g.fillRect(0, 0, WIDTH, height);
  g.textBaseline = "middle";

  text(g, data.title, PAD, 44, { size: 30, bold: true, maxWidth: WIDTH - 2 * PAD });
  text(g, data.subtitle, PAD, 84, { size: 20, color: COLORS.muted, maxWidth: WIDTH - 2 * PAD });

  // Legend
  let x = PAD;
  for (const [color, label] of [
    [COLORS.toDate, data.legend.attendanceToDate],
    [COLORS.today, data.legend.attendanceToday],
    [COLORS.covered, data.legend.coverage],
  ] as const) {
    g.fillStyle = color;
    g.fillRect(x, 116, 18, 18);
    x += 26;
    x += text(g, label, x, 125, { size: 18, color: COLORS.muted }) + 28;
  }

  text(g, data.columns.attendance, ATT_X, 168, { size: 18, bold: true });
  text(g, data.columns.coverage, COV_X, 168, { size: 18, bold: true });

  const maxAttendance = Math.max(1, ...data.rows.map((r) => r.attendanceToDate));
  const barMax = ATT_W - 130;
  data.rows.forEach((row, i) => {
    const y = TOP + i * ROW_H;
    const mid = y + ROW_H / 2;
    if (i % 2 === 0) {
      g.fillStyle = COLORS.stripe;
      g.fillRect(PAD - 8, y, WIDTH - 2 * PAD + 16, ROW_H);
    }
    text(g, row.label, PAD, mid, { size: 19, maxWidth: LABEL_W });

    const total = Math.max(0, row.attendanceToDate);
    const today = Math.min(total, Math.max(0, row.attendanceToday));
    const wTotal = total > 0 ? Math.max(2, (total / maxAttendance) * barMax) : 0;
    const wToday = today > 0 ? Math.max(2, (today / maxAttendance) * barMax) : 0;
    g.fillStyle = COLORS.toDate;
    g.fillRect(ATT_X, y + 8, wTotal, ROW_H - 16);
    g.fillStyle = COLORS.today;
    g.fillRect(ATT_X, y + 8, wToday, ROW_H - 16);
    const label = today > 0 ? `${num.format(total)} (+${num.format(today)})` : num.format(total);
    text(g, label, ATT_X + wTotal + 8, mid, { size: 17, color: COLORS.text });

    const barW = COV_W - 90;
    const share = row.pcsTotal > 0 ? Math.min(1, row.pcsCovered / row.pcsTotal) : 0;
    g.fillStyle = COLORS.uncovered;
    g.fillRect(COV_X, y + 8, barW, ROW_H - 16);
    g.fillStyle = COLORS.covered;
    g.fillRect(COV_X, y + 8, share * barW, ROW_H - 16);
    text(g, `${num.format(row.pcsCovered)}/${num.format(row.pcsTotal)}`, COV_X + barW + 10, mid, { size: 17 });
  });

  text(g, data.footer, PAD, height - 34, { size: 18, color: COLORS.muted, maxWidth: WIDTH - 2 * PAD });
  return canvas.toBuffer("image/png");
}

/** Draws one line (cut with an ellipsis to maxWidth) and returns its width. */
function text(
  g: SKRSContext2D,
  value: string,
  x: number,
  y: number,
  opts: { size: number; bold?: boolean; color?: string; maxWidth?: number },
): number {
  g.font = `${opts.bold ? "bold " : ""}${opts.size}px "${CHART_FONT}"`;
  g.fillStyle = opts.color ?? COLORS.text;
  let s = value;
  if (opts.maxWidth !== undefined && g.measureText(s).width > opts.maxWidth) {
    // Whole graphemes: cutting between a Devanagari consonant and its vowel sign would draw a broken letter.
    const chars = [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(s)].map((p) => p.segment);
    while (chars.length > 1 && g.measureText(`${chars.join("")}…`).width > opts.maxWidth) chars.pop();
    s = `${chars.join("")}…`;
  }
  g.fillText(s, x, y);
  return g.measureText(s).width;
}
