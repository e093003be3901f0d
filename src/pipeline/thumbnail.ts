/**
 * Blurred greyscale thumbnails for the scan report, as data: URLs so the report
 * stays one self-contained file. Reviewer wellness (DESIGN.md): nothing is ever
 * shown sharp or in colour. Child material must never reach this module; the
 * report decides that from the bank categories before calling it.
 *
 * Any failure (missing file, corrupt image, video, decompression bomb) gives a
 * reason instead of a thumbnail: one bad file never stops a report.
 */
import { open, stat } from 'node:fs/promises';
import sharp, { type Sharp } from 'sharp';
import { decodeImage } from '../media/decode.js';
import { DEFAULT_MEDIA_LIMITS, type MediaLimits } from '../media/limits.js';
import { type SniffedFormat, sniffFormat } from '../media/sniff.js';

export interface ThumbnailOptions {
  /** Longest side of the thumbnail in pixels (default 160). */
  maxSide?: number;
  /** File size and pixel limits checked before decoding (default: the media limits). */
  limits?: MediaLimits;
}

export type Thumbnail = { dataUrl: string } | { placeholder: 'video' | 'not an image' | 'unreadable' };

const DEFAULT_MAX_SIDE = 160;
/** Gaussian sigma at 160 px: enough that no face or body detail survives. Scaled with the size. */
const SIGMA_AT_160 = 8;
const JPEG_QUALITY = 50;
/** A pathological file must not stall the report. */
const TIMEOUT_SECONDS = 20;
/** Enough bytes for every signature sniffFormat knows. */
const SNIFF_BYTES = 64;

/** A blurred greyscale JPEG thumbnail as a data: URL, or null when the file cannot give one. */
export async function blurredThumbnail(path: string, options: ThumbnailOptions = {}): Promise<string | null> {
  const thumbnail = await thumbnailOf(path, options);
  return 'dataUrl' in thumbnail ? thumbnail.dataUrl : null;
}

/** Like blurredThumbnail, but says why there is none. */
export async function thumbnailOf(path: string, options: ThumbnailOptions = {}): Promise<Thumbnail> {
  const limits = options.limits ?? DEFAULT_MEDIA_LIMITS;
  const maxSide = Math.max(1, Math.round(options.maxSide ?? DEFAULT_MAX_SIDE));
  try {
    const format = await sniffFile(path, limits);
    if (format === 'video') return { placeholder: 'video' };
    // Unknown includes SVG and PDF, which sharp could render: refused on purpose (only raster photos here).
    if (format === 'unknown') return { placeholder: 'not an image' };
    const input = format === 'heic' ? await heicInput(path, limits) : sharpInput(path, limits);
    const jpeg = await blurred(input, maxSide).toBuffer();
    return { dataUrl: `data:image/jpeg;base64,${jpeg.toString('base64')}` };
  } catch {
    return { placeholder: 'unreadable' };
  }
}

/** The file's format from its first bytes; throws when it is empty or over the size limit. */
async function sniffFile(path: string, limits: MediaLimits): Promise<SniffedFormat> {
  // stat before open: opening a named pipe planted in an export would block forever.
  const info = await stat(path);
  if (!info.isFile() || info.size === 0 || info.size > limits.maxFileBytes) {
    throw new Error(`not a usable file (${info.size} bytes)`);
  }
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(Math.min(SNIFF_BYTES, info.size));
    await file.read(head, 0, head.length, 0);
    return sniffFormat(head);
  } finally {
    await file.close();
  }
}

function sharpInput(path: string, limits: MediaLimits): Sharp {
  // limitInputPixels refuses decompression bombs from the header; 'error' tolerates
  // warnings (a truncated JPEG still blurs into a usable preview) but not broken files.
  return sharp(path, { limitInputPixels: limits.maxPixels, failOn: 'error' });
}

/** sharp's prebuilt libvips reads no HEIC: decode it the way hashing does, with its limits. */
async function heicInput(path: string, limits: MediaLimits): Promise<Sharp> {
  const file = await open(path, 'r');
  let bytes: Buffer;
  try {
    bytes = await file.readFile();
  } finally {
    await file.close();
  }
  const { pixels } = await decodeImage(bytes, { limits });
  const { width, height, channels } = pixels;
  return sharp(pixels.data, { raw: { width, height, channels } });
}

function blurred(input: Sharp, maxSide: number): Sharp {
  // sharp runs its operations in a fixed order: resize comes before blur, so the
  // sigma is in thumbnail pixels and the blur costs little.
  const sigma = Math.max(0.3, (SIGMA_AT_160 * maxSide) / DEFAULT_MAX_SIDE);
  return (
    input
      .rotate()
      .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#808080' })
      .blur(sigma)
      .greyscale()
      // One band in the JPEG: smaller, and no viewer can bring colour back.
      .toColourspace('b-w')
      .jpeg({ quality: JPEG_QUALITY })
      .timeout({ seconds: TIMEOUT_SECONDS })
  );
}
