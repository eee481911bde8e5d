// The chart font: Noto Sans Devanagari (SIL Open Font License), shipped as TTF files inside an npm package, so
// Hindi labels render the same on every machine without system fonts or the network. Its Latin glyphs serve the
// English labels. Registered on first use, not at import.
import { createRequire } from "node:module";
import { GlobalFonts } from "@napi-rs/canvas";

export const CHART_FONT = "Noto Sans Devanagari";

const FILES = [
  "@expo-google-fonts/noto-sans-devanagari/400Regular/NotoSansDevanagari_400Regular.ttf",
  "@expo-google-fonts/noto-sans-devanagari/700Bold/NotoSansDevanagari_700Bold.ttf",
];

let registered = false;

export function ensureChartFonts(): void {
  if (registered) return;
  const require = createRequire(import.meta.url);
  for (const file of FILES) {
    if (!GlobalFonts.registerFromPath(require.resolve(file), CHART_FONT)) {
      throw new Error(`Could not load the chart font ${file}`);
    }
  }
  registered = true;
}
