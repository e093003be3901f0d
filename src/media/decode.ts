/**
 * Image decoding: bytes -> 8-bit interleaved pixels, via sharp (libvips) and,
 * for HEIC, heic-decode (WASM). Header sizes are checked before any pixel is
 * decoded, so decompression bombs are refused cheaply.
 */
import sharp, { type Metadata } from 'sharp';
import type { Channels, PixelImage } from '../core/pdq/luma.js';
import { MediaError } from './errors.js';
import { DEFAULT_MEDIA_LIMITS, type MediaLimits } from './limits.js';
import { type SniffedFormat, sniffFormat } from './sniff.js';

export interface DecodedImage {
  readonly pixels: PixelImage;
  readonly format: SniffedFormat;
  /** EXIF orientation 1..8 when the file carries one. Pixels are NOT rotated. */
  readonly orientation?: number;
  /** Bits per sample in the file (8 or 16). 16-bit samples are reduced to their high byte. */
  readonly bitDepth: 8 | 16;
}

// libvips keeps stale decoded images in a cache; hashing many distinct files gains nothing from it.
sharp.cache(false);

/**
 * How 16-bit samples become 8-bit ones. `high` (v >> 8) is what libvips and
 * current Pillow do and our default; `low` (v & 255) reproduces the reference
 * C++ CLI (CImg keeps the low byte: a bug); `clip` (min(v, 255)) reproduces
 * python-threatexchange / HMA, whose Pillow path clips I;16 to L.
 */
export type SixteenBitReduction = 'high' | 'low' | 'clip';

export interface DecodeOptions {
  readonly limits?: MediaLimits;
  readonly sixteenBit?: SixteenBitReduction;
}

export async function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const limits = options.limits ?? DEFAULT_MEDIA_LIMITS;
  if (bytes.length === 0) throw new MediaError('empty', 'empty file (0 bytes)');
  if (bytes.length > limits.maxFileBytes) {
    throw new MediaError('file-too-large', `file is ${bytes.length} bytes, over the ${limits.maxFileBytes}-byte limit`);
  }
  const format = sniffFormat(bytes);
  if (format === 'unknown') throw new MediaError('unsupported-format', 'not a recognised image format');
  if (format === 'video') throw new MediaError('unsupported-format', 'this is a video, not an image');
  if (format === 'heic') return decodeHeic(bytes, limits);
  return decodeWithSharp(bytes, format, limits, options.sixteenBit ?? 'high');
}

function checkPixels(width: number, height: number, limits: MediaLimits): void {
  if (!(width > 0 && height > 0)) throw new MediaError('corrupt', `invalid image dimensions ${width}x${height}`);
  if (width * height > limits.maxPixels) {
    throw new MediaError(
      'too-many-pixels',
      `image is ${width}x${height} = ${width * height} pixels, over the ${limits.maxPixels}-pixel limit (possible decompression bomb)`,
    );
  }
}

function sharpError(err: unknown): MediaError {
  const msg = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(msg))
    return new MediaError('too-many-pixels', `image exceeds the pixel limit: ${msg}`, { cause: err });
  return new MediaError('corrupt', `cannot decode image: ${firstLine(msg)}`, { cause: err });
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

async function decodeWithSharp(
  bytes: Uint8Array,
  format: SniffedFormat,
  limits: MediaLimits,
  reduction: SixteenBitReduction,
): Promise<DecodedImage> {
  // ignoreIcc: the reference hashes stored sample values; colour management would shift them.
  const options = {
    limitInputPixels: limits.maxPixels,
    failOn: 'error' as const,
    animated: false,
    ignoreIcc: true,
    sequentialRead: true,
  };
  let meta: Metadata;
  try {
    // No pixel limit here: we want the header's size, to refuse with a precise message.
    meta = await sharp(bytes, { ...options, limitInputPixels: false }).metadata();
  } catch (err) {
    throw sharpError(err);
  }
  checkPixels(meta.width ?? 0, meta.height ?? 0, limits);
  const sixteen = meta.depth === 'ushort' || meta.depth === 'short';
  const grey = meta.space === 'b-w' || meta.space === 'grey16';
  try {
    let pipeline = sharp(bytes, options);
    if (sixteen) {
      // Ask for the true 16-bit samples so that the reduction to 8 bits is ours, not implicit.
      pipeline = pipeline.toColourspace(grey ? 'grey16' : 'rgb16');
    } else if (!grey && meta.space !== 'srgb') {
      // CMYK and other non-RGB spaces go through libvips' colour management to sRGB.
      pipeline = pipeline.toColourspace('srgb');
    }
    const { data, info } = await pipeline.raw(sixteen ? { depth: 'ushort' } : {}).toBuffer({ resolveWithObject: true });
    const samples = sixteen
      ? reduceSixteen(data, reduction)
      : new Uint8Array(data.buffer, data.byteOffset, data.length);
    const pixels = normaliseChannels(samples, info.width, info.height, info.channels, grey);
    return {
      pixels,
      format,
      ...(meta.orientation ? { orientation: meta.orientation } : {}),
      bitDepth: sixteen ? 16 : 8,
    };
  } catch (err) {
    throw err instanceof MediaError ? err : sharpError(err);
  }
}

/** Reduces little-endian 16-bit samples to 8 bits; see SixteenBitReduction. */
function reduceSixteen(data: Buffer, reduction: SixteenBitReduction): Uint8Array {
  const n = data.length >> 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const lo = data[2 * i]!;
    const hi = data[2 * i + 1]!;
    out[i] = reduction === 'high' ? hi : reduction === 'low' ? lo : hi > 0 ? 255 : lo;
  }
  return out;
}

/**
 * libvips widens grey+alpha to RGBA on raw output; the reference hashes grey
 * images from the grey sample itself, so put them back to one channel.
 */
function normaliseChannels(
  samples: Uint8Array,
  width: number,
  height: number,
  channels: number,
  grey: boolean,
): PixelImage {
  if (grey && channels >= 3) {
    const n = width * height;
    const out = new Uint8Array(n);
    for (let p = 0; p < n; p++) out[p] = samples[p * channels]!;
    return { data: out, width, height, channels: 1 };
  }
  if (channels < 1 || channels > 4) throw new MediaError('unsupported-format', `unsupported channel count ${channels}`);
  return { data: samples, width, height, channels: channels as Channels };
}

interface HeicImage {
  width: number;
  height: number;
  decode(): Promise<{ width: number; height: number; data: Uint8ClampedArray }>;
}

async function decodeHeic(bytes: Uint8Array, limits: MediaLimits): Promise<DecodedImage> {
  const { default: heic } = await import('heic-decode');
  let images: HeicImage[];
  try {
    images = await heic.all({ buffer: bytes });
  } catch (err) {
    throw new MediaError(
      'corrupt',
      `cannot decode HEIC: ${err instanceof Error ? firstLine(err.message) : String(err)}`,
      { cause: err },
    );
  }
  const first = images[0];
  if (!first) throw new MediaError('corrupt', 'HEIC file holds no image');
  checkPixels(first.width, first.height, limits);
  try {
    const img = await first.decode();
    const data = new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.length);
    return { pixels: { data, width: img.width, height: img.height, channels: 4 }, format: 'heic', bitDepth: 8 };
  } catch (err) {
    throw new MediaError(
      'corrupt',
      `cannot decode HEIC: ${err instanceof Error ? firstLine(err.message) : String(err)}`,
      { cause: err },
    );
  }
}
