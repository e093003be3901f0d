/**
 * Photo hashing: file or bytes -> PDQ (optionally dihedral and upright),
 * MD5 and SHA-256. Composes media decoding with the pure PDQ core.
 */

import type { PixelImage } from '../core/pdq/luma.js';
import { type PdqDihedral, type PdqWorkspace, pdqHash, pdqHashDihedral } from '../core/pdq/pdq.js';
import { referenceCliResize, transformPixels, uprightTransform } from '../core/pdq/pixels.js';
import { type DecodedImage, decodeImage, type SixteenBitReduction } from '../media/decode.js';
import { digestBuffer, type ReadResult, readFileWithDigests } from '../media/digest.js';
import { DEFAULT_MEDIA_LIMITS, type MediaLimits } from '../media/limits.js';

/**
 * `full`: hash at full resolution, no pre-resize (HMA, python-threatexchange).
 * `512`: the reference C++ CLI's nearest-neighbour resize to 512x512 first.
 */
export type PdqMode = 'full' | '512';
export const PDQ_MODES: readonly PdqMode[] = ['full', '512'];

export interface PhotoHashOptions {
  readonly mode?: PdqMode;
  readonly dihedral?: boolean;
  /** Also hash the image as displayed (EXIF orientation applied). */
  readonly upright?: boolean;
  readonly limits?: MediaLimits;
  readonly sixteenBit?: SixteenBitReduction;
  readonly workspace?: PdqWorkspace;
}

export interface PhotoHash {
  readonly pdq: string;
  readonly quality: number;
  readonly md5: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly width: number;
  readonly height: number;
  readonly format: string;
  readonly mode: PdqMode;
  readonly orientation?: number;
  readonly dihedral?: Record<keyof PdqDihedral, string>;
  /** Present when `upright` was asked and the EXIF orientation is not 1. */
  readonly upright?: { readonly pdq: string; readonly quality: number };
}

export async function hashPhotoFile(path: string, options: PhotoHashOptions = {}): Promise<PhotoHash> {
  const limits = options.limits ?? DEFAULT_MEDIA_LIMITS;
  return hashPhotoRead(await readFileWithDigests(path, limits.maxFileBytes), { ...options, limits });
}

/** Hashes a file already read with its digests (readFileWithDigests): the bytes are not read twice. */
export async function hashPhotoRead(file: ReadResult, options: PhotoHashOptions = {}): Promise<PhotoHash> {
  const decoded = await decodeImage(file.data, {
    limits: options.limits ?? DEFAULT_MEDIA_LIMITS,
    ...(options.sixteenBit ? { sixteenBit: options.sixteenBit } : {}),
  });
  return hashDecoded(decoded, file, options);
}

export async function hashPhotoBytes(data: Uint8Array, options: PhotoHashOptions = {}): Promise<PhotoHash> {
  const limits = options.limits ?? DEFAULT_MEDIA_LIMITS;
  const decoded = await decodeImage(data, {
    limits,
    ...(options.sixteenBit ? { sixteenBit: options.sixteenBit } : {}),
  });
  return hashDecoded(decoded, digestBuffer(data), options);
}

/** PDQ of already-decoded pixels in the given mode (for callers that decode themselves). */
export function pdqOfPixels(pixels: PixelImage, mode: PdqMode, workspace?: PdqWorkspace) {
  return pdqHash(mode === '512' ? referenceCliResize(pixels) : pixels, workspace);
}

function hashDecoded(
  decoded: DecodedImage,
  digests: { md5: string; sha256: string; bytes: number },
  options: PhotoHashOptions,
): PhotoHash {
  const mode = options.mode ?? 'full';
  const ws = options.workspace;
  const pixels = mode === '512' ? referenceCliResize(decoded.pixels) : decoded.pixels;
  let pdq: string;
  let quality: number;
  let dihedral: PhotoHash['dihedral'];
  if (options.dihedral) {
    const r = pdqHashDihedral(pixels, ws);
    pdq = r.hex;
    quality = r.quality;
    dihedral = Object.fromEntries(Object.entries(r.dihedral).map(([k, v]) => [k, v.hex])) as PhotoHash['dihedral'];
  } else {
    const r = pdqHash(pixels, ws);
    pdq = r.hex;
    quality = r.quality;
  }
  const result: PhotoHash = {
    pdq,
    quality,
    md5: digests.md5,
    sha256: digests.sha256,
    bytes: digests.bytes,
    width: decoded.pixels.width,
    height: decoded.pixels.height,
    format: decoded.format,
    mode,
    ...(decoded.orientation ? { orientation: decoded.orientation } : {}),
    ...(dihedral ? { dihedral } : {}),
  };
  if (options.upright && decoded.orientation && decoded.orientation !== 1) {
    const upright = transformPixels(decoded.pixels, uprightTransform(decoded.orientation));
    const r = pdqHash(mode === '512' ? referenceCliResize(upright) : upright, ws);
    return { ...result, upright: { pdq: r.hex, quality: r.quality } };
  }
  return result;
}
