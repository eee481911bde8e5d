// Photos for the demo reports, so that /review's card (an album) and the photo check have something to show from the
// first minute: a hall with rows of people and a banner, drawn in-process (no files, no network), different for
// each photo so that the reuse check does not take two of them for one.
import { createCanvas } from "@napi-rs/canvas";

const PALETTES: readonly (readonly [string, string, string])[] = [
  ["#f4d8a8", "#e07b39", "#1f6f8b"],
  ["#cfe3d4", "#2f855a", "#9b2c2c"],
  ["#e2d6f3", "#6b46c1", "#b7791f"],
];

/** A JPEG of 640×427 (a phone photo's shape); `n` picks the colours and the layout. */
export async function demoPhoto(n: number): Promise<Uint8Array> {
  const [wall, banner, clothes] = PALETTES[n % PALETTES.length]!;
  const canvas = createCanvas(640, 427);
  const ctx = canvas.getContext("2d");
  const light = ctx.createLinearGradient(0, 0, 640, 427);
  light.addColorStop(0, wall);
  light.addColorStop(1, "#555555");
  ctx.fillStyle = light;
  ctx.fillRect(0, 0, 640, 427);
  ctx.fillStyle = banner;
  ctx.fillRect(80 + n * 40, 40, 360, 70);
  // Rows of people, nearer rows bigger, shifted per photo.
  for (let row = 0; row < 4; row++) {
    const r = 12 + row * 5;
    for (let x = 20 + ((row + n) % 2) * r; x < 640; x += r * 2.6) {
      const y = 190 + row * 60;
      ctx.fillStyle = clothes;
      ctx.fillRect(x - r, y + r * 0.8, r * 2, r * 2.2);
      ctx.fillStyle = "#8d5524";
      ctx.beginPath();
      ctx.arc(x, y, r, 0, Math.PI * 2);
      ctx.fill();
    }
  }
  return new Uint8Array(await canvas.encode("jpeg", 80));
}
