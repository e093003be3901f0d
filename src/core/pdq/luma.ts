/**
 * Pixel buffers to float32 luma, as the reference does it.
 *
 * The reference computes `0.299f*r + 0.587f*g + 0.114f*b` in float32 with each
 * product and sum rounded to float. The per-channel products only depend on
 * the 8-bit sample, so they are tabulated once.
 */

export type Channels = 1 | 2 | 3 | 4;

/** An interleaved 8-bit image. 1 = grey, 2 = grey+alpha, 3 = RGB, 4 = RGBA. */
export interface PixelImage {
  readonly data: Uint8Array | Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
  readonly channels: Channels;
}

const R_COEFF = Math.fround(0.299);
const G_COEFF = Math.fround(0.587);
const B_COEFF = Math.fround(0.114);

const R_TABLE = new Float64Array(256);
const G_TABLE = new Float64Array(256);
const B_TABLE = new Float64Array(256);
for (let v = 0; v < 256; v++) {
  R_TABLE[v] = Math.fround(R_COEFF * v);
  G_TABLE[v] = Math.fround(G_COEFF * v);
  B_TABLE[v] = Math.fround(B_COEFF * v);
}

export function assertPixelImage(image: PixelImage): void {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`invalid image size ${width}x${height}`);
  }
  if (channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4) {
    throw new RangeError(`unsupported channel count ${channels}`);
  }
  if (data.length < width * height * channels) {
    throw new RangeError(
      `pixel buffer holds ${data.length} bytes, ${width}x${height}x${channels} needs ${width * height * channels}`,
    );
  }
}

/**
 * Fills `out` (length >= width*height, row-major) with float32 luma.
 * Grey images use the sample itself, like the reference's grey path; alpha is
 * ignored (dropped, not composited), as the reference Python path does.
 */
export function lumaFromPixels(image: PixelImage, out?: Float32Array): Float32Array {
  assertPixelImage(image);
  const { data, width, height, channels } = image;
  const n = width * height;
  const luma = out && out.length >= n ? out : new Float32Array(n);
  // One loop per stride keeps each loop monomorphic: about 2x faster than a generic stride.
  if (channels === 3) lumaRgb(data, luma, n);
  else if (channels === 4) lumaRgba(data, luma, n);
  else if (channels === 1) lumaGrey(data, luma, n);
  else lumaGreyAlpha(data, luma, n);
  return luma;
}

// The Float32Array store performs the final rounding of the last add.
function lumaRgb(d: Uint8Array | Uint8ClampedArray, luma: Float32Array, n: number): void {
  const fround = Math.fround;
  for (let p = 0, s = 0; p < n; p++, s += 3)
    luma[p] = fround(R_TABLE[d[s]!]! + G_TABLE[d[s + 1]!]!) + B_TABLE[d[s + 2]!]!;
}

function lumaRgba(d: Uint8Array | Uint8ClampedArray, luma: Float32Array, n: number): void {
  const fround = Math.fround;
  for (let p = 0, s = 0; p < n; p++, s += 4)
    luma[p] = fround(R_TABLE[d[s]!]! + G_TABLE[d[s + 1]!]!) + B_TABLE[d[s + 2]!]!;
}

function lumaGrey(d: Uint8Array | Uint8ClampedArray, luma: Float32Array, n: number): void {
  for (let p = 0; p < n; p++) luma[p] = d[p]!;
}

function lumaGreyAlpha(d: Uint8Array | Uint8ClampedArray, luma: Float32Array, n: number): void {
  for (let p = 0, s = 0; p < n; p++, s += 2) luma[p] = d[s]!;
}
