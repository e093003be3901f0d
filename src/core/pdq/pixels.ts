/**
 * Pure pixel-domain transforms on interleaved 8-bit images: the reference CLI's
 * 512x512 nearest-neighbour pre-resize, and the eight dihedral transforms
 * (used for EXIF orientation and to test the DCT-domain dihedral hashes).
 */
import type { PixelImage } from './luma.js';

export const REFERENCE_CLI_DIMENSION = 512;

/**
 * Nearest-neighbour resize as CImg's `resize(w, h)` does it: output column x
 * reads source column floor(x * W / w), likewise rows. Aspect ratio is not kept.
 */
export function resizeNearest(image: PixelImage, outWidth: number, outHeight: number): PixelImage {
  const { data, width, height, channels } = image;
  const out = new Uint8Array(outWidth * outHeight * channels);
  const srcCol = new Int32Array(outWidth);
  for (let x = 0; x < outWidth; x++) srcCol[x] = Math.floor((x * width) / outWidth) * channels;
  for (let y = 0; y < outHeight; y++) {
    const srcRow = Math.floor((y * height) / outHeight) * width * channels;
    let o = y * outWidth * channels;
    for (let x = 0; x < outWidth; x++) {
      const s = srcRow + srcCol[x]!;
      for (let c = 0; c < channels; c++) out[o++] = data[s + c]!;
    }
  }
  return { data: out, width: outWidth, height: outHeight, channels };
}

/** The reference CLI's pre-resize: to exactly 512x512 when either side exceeds 512. */
export function referenceCliResize(image: PixelImage): PixelImage {
  if (image.width <= REFERENCE_CLI_DIMENSION && image.height <= REFERENCE_CLI_DIMENSION) return image;
  return resizeNearest(image, REFERENCE_CLI_DIMENSION, REFERENCE_CLI_DIMENSION);
}

/**
 * Maps each output pixel (x, y) to its source pixel. Rotations are
 * counter-clockwise, matching the reference's naming of dihedral hashes.
 */
type SourceOf = (x: number, y: number, w: number, h: number) => [number, number];

const TRANSFORMS: Record<string, { swap: boolean; src: SourceOf }> = {
  orig: { swap: false, src: (x, y) => [x, y] },
  // Output is h wide, w tall (source w x h).
  rot90: { swap: true, src: (x, y, w) => [w - 1 - y, x] },
  rot180: { swap: false, src: (x, y, w, h) => [w - 1 - x, h - 1 - y] },
  rot270: { swap: true, src: (x, y, _w, h) => [y, h - 1 - x] },
  flipx: { swap: false, src: (x, y, _w, h) => [x, h - 1 - y] },
  flipy: { swap: false, src: (x, y, w) => [w - 1 - x, y] },
  flipplus1: { swap: true, src: (x, y) => [y, x] },
  flipminus1: { swap: true, src: (x, y, w, h) => [w - 1 - y, h - 1 - x] },
};

export type PixelTransform = keyof typeof TRANSFORMS;

export function transformPixels(image: PixelImage, transform: PixelTransform): PixelImage {
  const t = TRANSFORMS[transform];
  if (!t) throw new RangeError(`unknown transform ${transform}`);
  const { data, width: w, height: h, channels } = image;
  const ow = t.swap ? h : w;
  const oh = t.swap ? w : h;
  const out = new Uint8Array(ow * oh * channels);
  let o = 0;
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const [sx, sy] = t.src(x, y, w, h);
      const s = (sy * w + sx) * channels;
      for (let c = 0; c < channels; c++) out[o++] = data[s + c]!;
    }
  }
  return { data: out, width: ow, height: oh, channels };
}

/**
 * EXIF orientation (1..8) -> the transform that makes the stored pixels upright.
 * 6 = "rotate 90 CW to view" = rot270 in counter-clockwise naming.
 */
export function uprightTransform(orientation: number | undefined): PixelTransform {
  switch (orientation) {
    case 2:
      return 'flipy';
    case 3:
      return 'rot180';
    case 4:
      return 'flipx';
    case 5:
      return 'flipplus1';
    case 6:
      return 'rot270';
    case 7:
      return 'flipminus1';
    case 8:
      return 'rot90';
    default:
      return 'orig';
  }
}
