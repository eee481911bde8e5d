// Perceptual hashes of report photos, and when two photos count as the same picture (pure: no image library here;
// services/photoImage.ts decodes and hands over grey levels).
//
// The hash is a 64-bit difference hash (dHash): the picture shrunk to 9×8 grey cells, one bit per pair of
// horizontal neighbours (1 when the left cell is brighter). It survives re-encoding, resizing and mild colour changes,
// which is what a recycled photo goes through when it is forwarded or saved again. 64 bits do not fit a JavaScript
// number, so a hash is kept as 16 lower-case hex digits.

export const HASH_COLUMNS = 9;
export const HASH_ROWS = 8;

/**
 * Two hashes at most this many bits apart (of 64) are the same picture. Measured with real JPEGs (fixtures in
 * test/fixtures/photos/; test/domain/photoHash.test.ts prints them):
 *   the same photo re-encoded (JPEG quality 10–60) and resized (25–100 %):  0–3 bits
 *   a 5 % crop: 6 bits; an edited copy (darkened, one region retouched: the Embedded Rust Book's verify.jpeg,
 *   measured once, not committed): 5 bits
 *   different pictures (the two photographs, their quarters and halves, 28 pairs): 21–40 bits, median 32
 * Unrelated pictures sit around 32 (half the bits differ by chance). 10 catches re-encodes, light edits and crops
 * with room to spare and stays 11 bits below the closest different pair measured; a flag is only a hint to the
 * reviewer (the author is never blocked), so a rare false flag costs less than a recycled photo missed.
 */
export const MATCH_THRESHOLD = 10;

/** Hex digits of a 64-bit hash. */
const HASH_PATTERN = /^[0-9a-f]{16}$/;

export function isHash(value: unknown): value is string {
  return typeof value === "string" && HASH_PATTERN.test(value);
}

/** Rec. 601 luma of RGBA pixels (what getImageData returns), one byte per pixel. */
export function greyLevels(rgba: Uint8Array | Uint8ClampedArray): Uint8Array {
  const out = new Uint8Array(rgba.length / 4);
  for (let i = 0; i < out.length; i++) {
    const o = i * 4;
    out[i] = Math.round(0.299 * rgba[o]! + 0.587 * rgba[o + 1]! + 0.114 * rgba[o + 2]!);
  }
  return out;
}

/**
 * Averages a width×height grey image into 9×8 cells (each cell the mean of the pixels it covers, so nothing is
 * skipped however large the picture) and compares neighbours. The image may be any size of at least 9×8.
 */
export function differenceHash(grey: Uint8Array, width: number, height: number): string {
  if (width < HASH_COLUMNS || height < HASH_ROWS || grey.length !== width * height) {
    throw new Error(`differenceHash: need a grey image of at least ${HASH_COLUMNS}×${HASH_ROWS}, got ${width}×${height}`);
  }
  const cells = new Float64Array(HASH_COLUMNS * HASH_ROWS);
  for (let row = 0; row < HASH_ROWS; row++) {
    const y0 = Math.floor((row * height) / HASH_ROWS);
    const y1 = Math.floor(((row + 1) * height) / HASH_ROWS);
    for (let col = 0; col < HASH_COLUMNS; col++) {
      const x0 = Math.floor((col * width) / HASH_COLUMNS);
      const x1 = Math.floor(((col + 1) * width) / HASH_COLUMNS);
      let sum = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += grey[y * width + x]!;
      cells[row * HASH_COLUMNS + col] = sum / ((x1 - x0) * (y1 - y0));
    }
  }
  let bits = 0n;
  for (let row = 0; row < HASH_ROWS; row++) {
    for (let col = 0; col < HASH_COLUMNS - 1; col++) {
      const left = cells[row * HASH_COLUMNS + col]!;
      const right = cells[row * HASH_COLUMNS + col + 1]!;
      bits = (bits << 1n) | (left > right ? 1n : 0n);
    }
  }
  return bits.toString(16).padStart(16, "0");
}

/** How many of the 64 bits differ. */
export function hammingDistance(a: string, b: string): number {
  if (!isHash(a) || !isHash(b)) throw new Error("hammingDistance: hashes are 16 hex digits");
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let count = 0;
  while (x) {
    x &= x - 1n;
    count++;
  }
  return count;
}

export function isSimilar(a: string, b: string, threshold = MATCH_THRESHOLD): boolean {
  return hammingDistance(a, b) <= threshold;
}

/** A photo as the matcher sees it: which event's report it is in, the file, and its hash. */
export interface HashedPhoto {
  eventId: string;
  fileUniqueId: string;
  hash: string;
}

export type MatchReason = "same_file" | "similar";

export interface PhotoMatch {
  other: HashedPhoto;
  reason: MatchReason;
  /** Bits apart (0 for the same file). */
  distance: number;
}

/**
 * The photos of **other** events that `photo` matches: the same Telegram file (file_unique_id), or a hash within the
 * threshold. A photo repeated within one event's report (or its corrections) is not reuse.
 */
export function findMatches(photo: HashedPhoto, candidates: Iterable<HashedPhoto>, threshold = MATCH_THRESHOLD): PhotoMatch[] {
  const matches: PhotoMatch[] = [];
  for (const other of candidates) {
    if (other.eventId === photo.eventId) continue;
    if (other.fileUniqueId === photo.fileUniqueId) {
      matches.push({ other, reason: "same_file", distance: 0 });
      continue;
    }
    const distance = hammingDistance(photo.hash, other.hash);
    if (distance <= threshold) matches.push({ other, reason: "similar", distance });
  }
  return matches.sort((a, b) => a.distance - b.distance);
}
