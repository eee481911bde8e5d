// The photo-reuse maths: difference hash, Hamming distance, what counts as a match; and the distances measured on
// real JPEGs (test/fixtures/photos/) that the threshold in src/domain/photoHash.ts is chosen from.
import { readFileSync } from "node:fs";
import { createCanvas, loadImage } from "@napi-rs/canvas";
import { describe, expect, it } from "vitest";
import { differenceHash, findMatches, greyLevels, hammingDistance, isSimilar, MATCH_THRESHOLD, type HashedPhoto } from "../../src/domain/photoHash.js";
import { hashImage, reencodeJpeg } from "../../src/services/photoImage.js";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/photos/${name}`, import.meta.url));

/** A grey image whose cells grow brighter to the right (every left neighbour darker: all bits 0). */
function ramp(width: number, height: number, reverse = false): Uint8Array {
  const g = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) g[y * width + x] = Math.round(((reverse ? width - 1 - x : x) * 255) / (width - 1));
  return g;
}

describe("differenceHash", () => {
  it("sets a bit where the left cell is brighter than its right neighbour: 8 rows × 8 pairs = 64 bits", () => {
    expect(differenceHash(ramp(9, 8), 9, 8)).toBe("0000000000000000");
    expect(differenceHash(ramp(9, 8, true), 9, 8)).toBe("ffffffffffffffff");
    // Larger images are averaged into the 9×8 cells first: the same answer.
    expect(differenceHash(ramp(900, 80, true), 900, 80)).toBe("ffffffffffffffff");
  });

  it("puts the first row in the highest bits", () => {
    const g = ramp(9, 8);
    // Row 0: make the leftmost cell brighter than the next one: the top bit only.
    g[0] = 255;
    expect(differenceHash(g, 9, 8)).toBe("8000000000000000");
  });

  it("refuses an image smaller than the grid or a buffer of the wrong size", () => {
    expect(() => differenceHash(new Uint8Array(8 * 8), 8, 8)).toThrow();
    expect(() => differenceHash(new Uint8Array(10), 9, 8)).toThrow();
  });

  it("greyLevels weighs red, green and blue as Rec. 601 luma", () => {
    expect([...greyLevels(new Uint8Array([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255]))]).toEqual([76, 150, 29, 255]);
  });
});

describe("hammingDistance and matching", () => {
  it("counts differing bits and refuses what is not a 64-bit hash", () => {
    expect(hammingDistance("0000000000000000", "0000000000000000")).toBe(0);
    expect(hammingDistance("0000000000000000", "ffffffffffffffff")).toBe(64);
    expect(hammingDistance("8000000000000001", "0000000000000000")).toBe(2);
    expect(() => hammingDistance("abc", "0000000000000000")).toThrow();
    expect(isSimilar("00000000000003ff", "0000000000000000")).toBe(MATCH_THRESHOLD >= 10);
    expect(isSimilar("00000000000007ff", "0000000000000000")).toBe(false);
  });

  it("findMatches: the same file or a near hash in another event's report; never the same event", () => {
    const me: HashedPhoto = { eventId: "e1", fileUniqueId: "u1", hash: "f0f0f0f0f0f0f0f0" };
    const others: HashedPhoto[] = [
      { eventId: "e1", fileUniqueId: "u9", hash: "f0f0f0f0f0f0f0f0" }, // same event, same picture: not reuse
      { eventId: "e2", fileUniqueId: "u1", hash: "0000000000000000" }, // the very same Telegram file
      { eventId: "e3", fileUniqueId: "u3", hash: "f0f0f0f0f0f0f0f1" }, // 1 bit apart
      { eventId: "e4", fileUniqueId: "u4", hash: "0f0f0f0f0f0f0f0f" }, // 64 bits apart
    ];
    expect(findMatches(me, others).map((m) => [m.other.eventId, m.reason, m.distance])).toEqual([
      ["e2", "same_file", 0],
      ["e3", "similar", 1],
    ]);
  });
});

async function crop(bytes: Uint8Array, fx: number, fy: number, fw: number, fh: number): Promise<Buffer> {
  const img = await loadImage(Buffer.from(bytes));
  const w = Math.round(img.width * fw);
  const h = Math.round(img.height * fh);
  const canvas = createCanvas(w, h);
  canvas.getContext("2d").drawImage(img, img.width * fx, img.height * fy, w, h, 0, 0, w, h);
  return canvas.encode("jpeg", 85);
}

describe("the threshold, measured on real JPEGs", () => {
  it("re-encoded and resized copies are within it; different pictures far outside it", async () => {
    const board = fixture("board.jpg");
    const speakers = fixture("speakers.jpg");
    const original = await hashImage(board);

    const copies: Record<string, number> = {};
    for (const [scale, quality] of [[0.55, 35], [0.25, 20], [0.8, 60], [0.4, 50], [1, 10]] as const) {
      copies[`scale ${scale}, quality ${quality}`] = hammingDistance(original, await hashImage(await reencodeJpeg(board, { scale, quality })));
    }
    copies["speakers at 0.6, quality 30"] = hammingDistance(await hashImage(speakers), await hashImage(await reencodeJpeg(speakers, { scale: 0.6, quality: 30 })));
    copies["a 5 % crop"] = hammingDistance(original, await hashImage(await crop(board, 0.025, 0.025, 0.95, 0.95)));

    // Different pictures: the two photographs, and their quarters and halves (other pictures of the same kind).
    const pictures: Record<string, Uint8Array> = {
      board,
      speakers,
      "board top left": await crop(board, 0, 0, 0.5, 0.5),
      "board top right": await crop(board, 0.5, 0, 0.5, 0.5),
      "board bottom left": await crop(board, 0, 0.5, 0.5, 0.5),
      "board bottom right": await crop(board, 0.5, 0.5, 0.5, 0.5),
      "speakers left": await crop(speakers, 0, 0, 0.5, 1),
      "speakers right": await crop(speakers, 0.5, 0, 0.5, 1),
    };
    const hashes = await Promise.all(Object.values(pictures).map((p) => hashImage(p)));
    const different: number[] = [];
    for (let i = 0; i < hashes.length; i++) for (let j = i + 1; j < hashes.length; j++) different.push(hammingDistance(hashes[i]!, hashes[j]!));
    different.sort((a, b) => a - b);

    // Recorded for the threshold's comment (src/domain/photoHash.ts) and the README.
    console.log("dHash distances, same photo:", copies, "different pictures (28 pairs):", different.join(" "));
    const worstCopy = Math.max(...Object.values(copies));
    expect(worstCopy).toBeLessThanOrEqual(MATCH_THRESHOLD);
    expect(different[0]).toBeGreaterThan(MATCH_THRESHOLD + 5);
    // Re-encodes alone stay well inside: a margin for what phones and messengers do to a forwarded photo.
    expect(Math.max(...Object.entries(copies).filter(([k]) => k.startsWith("scale")).map(([, d]) => d))).toBeLessThanOrEqual(3);
  });
});
