// One line of chart text, drawn with the chart font and cut with an ellipsis (at whole graphemes) to a width.
import type { SKRSContext2D } from "@napi-rs/canvas";
import { CHART_FONT } from "./fonts.js";

export const CHART_TEXT = "#1d2733";

/** Draws one line (cut with an ellipsis to maxWidth; right-aligned at x with align "right") and returns its width. */
export function drawText(
  g: SKRSContext2D,
  value: string,
  x: number,
  y: number,
  opts: { size: number; bold?: boolean; color?: string; maxWidth?: number; align?: "left" | "right" },
): number {
  g.font = `${opts.bold ? "bold " : ""}${opts.size}px "${CHART_FONT}"`;
  g.fillStyle = opts.color ?? CHART_TEXT;
  let s = value;
  if (opts.maxWidth !== undefined && g.measureText(s).width > opts.maxWidth) {
    // Whole graphemes: cutting between a Devanagari consonant and its vowel sign would draw a broken letter.
    const chars = [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(s)].map((p) => p.segment);
    while (chars.length > 1 && g.measureText(`${chars.join("")}…`).width > opts.maxWidth) chars.pop();
    s = `${chars.join("")}…`;
  }
  const width = g.measureText(s).width;
  g.fillText(s, opts.align === "right" ? x - width : x, y);
  return width;
}
