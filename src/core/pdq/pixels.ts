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
 * Each transform maps output pixel (x, y) to source pixel (sx, sy) affinely:
 * sx = x*xx + y*xy + (w-1)*xw + (h-1)*xh, likewise sy. Rotations are
 * counter-clockwise, matching the reference's naming of dihedral hashes;
 * `swap` transforms output an h x w image from a w x h source.
 */
interface Affine {
  swap: boolean;
  xx: number;
  xy: number;
  xw: number;
  xh: number;
  yx: number;
  yy: number;
  yw: number;
  yh: number;
}

const A = (
  swap: boolean,
  xx: number,
  xy: number,
  xw: number,
  xh: number,
  yx: number,
  yy: number,
  yw: number,
  yh: number,
): Affine => ({
  swap,
  xx,
  xy,
  xw,
  xh,
  yx,
  yy,
  yw,
  yh,
});

const TRANSFORMS = {
  orig: A(false, 1, 0, 0, 0, 0, 1, 0, 0),
  rot90: A(true, 0, -1, 1, 0, 1, 0, 0, 0), // sx = w-1-y, sy = x
  rot180: A(false, -1, 0, 1, 0, 0, -1, 0, 1), // sx = w-1-x, sy = h-1-y
  rot270: A(true, 0, 1, 0, 0, -1, 0, 0, 1), // sx = y, sy = h-1-x
  flipx: A(false, 1, 0, 0, 0, 0, -1, 0, 1), // top <-> bottom
  flipy: A(false, -1, 0, 1, 0, 0, 1, 0, 0), // left <-> right
  flipplus1: A(true, 0, 1, 0, 0, 1, 0, 0, 0), // transpose
  flipminus1: A(true, 0, -1, 1, 0, -1, 0, 0, 1), // anti-transpose
} satisfies Record<string, Affine>;

export type PixelTransform = keyof typeof TRANSFORMS;

export function transformPixels(image: PixelImage, transform: PixelTransform): PixelImage {
  const t: Affine | undefined = TRANSFORMS[transform];
  if (!t) throw new RangeError(`unknown transform ${transform}`);
  const { data, width: w, height: h, channels: ch } = image;
  const ow = t.swap ? h : w;
  const oh = t.swap ? w : h;
  const out = new Uint8Array(ow * oh * ch);
  // Source offset steps (in samples) per output x and per output y.
  const stepX = (t.xx + t.yx * w) * ch;
  const stepY = (t.xy + t.yy * w) * ch;
  const origin = ((w - 1) * t.xw + (h - 1) * t.xh + ((w - 1) * t.yw + (h - 1) * t.yh) * w) * ch;
  let o = 0;
  for (let y = 0; y < oh; y++) {
    let s = origin + y * stepY;
    for (let x = 0; x < ow; x++, s += stepX) {
      for (let c = 0; c < ch; c++) out[o++] = data[s + c]!;
    }
  }
  return { data: out, width: ow, height: oh, channels: ch };
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
