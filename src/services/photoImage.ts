// Decoding a report photo once: its perceptual hash and a small JPEG thumbnail, with Skia (@napi-rs/canvas, which
// the rollup chart already uses), in-process and without native tools. The hash maths is in domain/photoHash.ts.
import { createCanvas, loadImage, type Image } from "@napi-rs/canvas";
import { differenceHash, greyLevels, HASH_COLUMNS, HASH_ROWS } from "../domain/photoHash.js";

/** The thumbnail's longer side: enough for a reviewer to compare two photos side by side on a phone. */
export const THUMBNAIL_MAX_SIDE = 320;
export const THUMBNAIL_QUALITY = 70;
/**
 * The picture is first drawn at 16 pixels a hash cell (144×128); differenceHash then averages each cell, so the
 * hash does not depend on how Skia filters a large downscale.
 */
const HASH_SCALE = 16;

export interface DecodedPhoto {
  hash: string;
  width: number;
  height: number;
  thumbnail: Buffer;
  thumbnailWidth: number;
  thumbnailHeight: number;
}

export class NotAnImageError extends Error {
  readonly permanent = true;
  constructor(cause: unknown) {
    super(`not a picture that can be decoded: ${String((cause as Error)?.message ?? cause)}`);
  }
}

async function decode(bytes: Uint8Array): Promise<Image> {
  try {
    const image = await loadImage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    if (!image.width || !image.height) throw new Error("no size");
    return image;
  } catch (err) {
    throw new NotAnImageError(err);
  }
}

/** The dHash of a picture's bytes (JPEG, PNG, WebP, ...). */
export async function hashImage(bytes: Uint8Array): Promise<string> {
  return hashOf(await decode(bytes));
}

function hashOf(image: Image): string {
  const width = HASH_COLUMNS * HASH_SCALE;
  const height = HASH_ROWS * HASH_SCALE;
  const canvas = createCanvas(width, height);
  const g = canvas.getContext("2d");
  g.imageSmoothingEnabled = true;
  g.imageSmoothingQuality = "high";
  // dHash ignores the aspect ratio: the picture is stretched to the grid.
  g.drawImage(image, 0, 0, width, height);
  return differenceHash(greyLevels(g.getImageData(0, 0, width, height).data), width, height);
}

export async function decodePhoto(bytes: Uint8Array): Promise<DecodedPhoto> {
  const image = await decode(bytes);
  const scale = Math.min(1, THUMBNAIL_MAX_SIDE / Math.max(image.width, image.height));
  const thumbnailWidth = Math.max(1, Math.round(image.width * scale));
  const thumbnailHeight = Math.max(1, Math.round(image.height * scale));
  const canvas = createCanvas(thumbnailWidth, thumbnailHeight);
  const g = canvas.getContext("2d");
  g.imageSmoothingQuality = "high";
  g.drawImage(image, 0, 0, thumbnailWidth, thumbnailHeight);
  return {
    hash: hashOf(image),
    width: image.width,
    height: image.height,
    thumbnail: await canvas.encode("jpeg", THUMBNAIL_QUALITY),
    thumbnailWidth,
    thumbnailHeight,
  };
}

/** Re-encodes a picture as JPEG at another size and quality (tests use it to make a recycled copy of a photo). */
export async function reencodeJpeg(bytes: Uint8Array, options: { scale: number; quality: number }): Promise<Buffer> {
  const image = await decode(bytes);
  const canvas = createCanvas(Math.max(1, Math.round(image.width * options.scale)), Math.max(1, Math.round(image.height * options.scale)));
  const g = canvas.getContext("2d");
  g.imageSmoothingQuality = "high";
  g.drawImage(image, 0, 0, canvas.width, canvas.height);
  return canvas.encode("jpeg", options.quality);
}
