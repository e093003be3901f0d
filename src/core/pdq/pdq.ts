/**
 * PDQ perceptual hashing (Meta's 256-bit photo hash), bit-exact with the
 * reference C++ implementation. Pure: typed arrays only, runs in browsers.
 */
import { hash256ToHex } from '../hash256.js';
import {
  coefficientsToHash,
  DIHEDRAL_NAMES,
  type DihedralName,
  dct64To16,
  dihedralCoefficients,
  qualityMetric,
} from './dct.js';
import { jaroszDecimate, jaroszWindowSize, TentScratch } from './downscale.js';
import { lumaFromPixels, type PixelImage } from './luma.js';

/** The reference refuses to hash images smaller than this on either side. */
export const PDQ_MIN_DIMENSION = 5;
const JAROSZ_PASSES = 2;

export interface PdqHash {
  /** 32 bytes, big-endian: the bytes of `hex`. */
  readonly hash: Uint8Array;
  /** 64 lowercase hex digits, reference serialization. */
  readonly hex: string;
  /** 0..100; the reference treats < 50 as too featureless to match on. */
  readonly quality: number;
}

export type PdqDihedral = Record<DihedralName, PdqHash>;

export interface PdqDihedralResult extends PdqHash {
  readonly dihedral: PdqDihedral;
}

/** Reusable scratch memory, so hashing many images does not churn the GC. */
export class PdqWorkspace {
  private buf1 = new Float32Array(0);
  private buf2 = new Float32Array(0);
  readonly b64 = new Float32Array(64 * 64);
  readonly t16x64 = new Float32Array(16 * 64);
  readonly c16 = new Float32Array(256);
  readonly aux16 = new Float32Array(256);
  readonly sortScratch = new Float32Array(256);
  readonly tent = new TentScratch();

  buffers(n: number): [Float32Array, Float32Array] {
    if (this.buf1.length < n) {
      this.buf1 = new Float32Array(n);
      this.buf2 = new Float32Array(n);
    }
    return [this.buf1.subarray(0, n), this.buf2.subarray(0, n)];
  }
}

let sharedWorkspace: PdqWorkspace | undefined;

function workspaceOrShared(ws?: PdqWorkspace): PdqWorkspace {
  if (ws) return ws;
  sharedWorkspace ??= new PdqWorkspace();
  return sharedWorkspace;
}

/**
 * Computes the 16x16 DCT coefficients and quality from float32 luma
 * (row-major, `rows` x `cols`). `luma` is overwritten. Returns false when the
 * image is below the reference's minimum size (hash all zero, quality 0).
 */
function coefficientsFromLuma(
  luma: Float32Array,
  scratch: Float32Array,
  rows: number,
  cols: number,
  ws: PdqWorkspace,
): { ok: boolean; quality: number } {
  if (rows < PDQ_MIN_DIMENSION || cols < PDQ_MIN_DIMENSION) {
    ws.c16.fill(0);
    return { ok: false, quality: 0 };
  }
  if (rows === 64 && cols === 64) {
    // Already 64x64 (e.g. frames pre-scaled by ffmpeg): the reference skips the filter.
    ws.b64.set(luma.subarray(0, 4096));
  } else {
    jaroszDecimate(
      luma,
      scratch,
      rows,
      cols,
      jaroszWindowSize(cols, 64),
      jaroszWindowSize(rows, 64),
      JAROSZ_PASSES,
      ws.b64,
      64,
      64,
      ws.tent,
    );
  }
  const quality = qualityMetric(ws.b64);
  dct64To16(ws.b64, ws.t16x64, ws.c16);
  return { ok: true, quality };
}

function makeHash(bytes: Uint8Array, quality: number): PdqHash {
  return { hash: bytes, hex: hash256ToHex(bytes), quality };
}

/** PDQ hash of float32 luma. The luma buffer is consumed (overwritten). */
export function pdqHashFromLuma(luma: Float32Array, rows: number, cols: number, ws?: PdqWorkspace): PdqHash {
  const w = workspaceOrShared(ws);
  const [, scratch] = w.buffers(rows * cols);
  const { ok, quality } = coefficientsFromLuma(luma, scratch, rows, cols, w);
  const bytes = ok ? coefficientsToHash(w.c16, w.sortScratch) : new Uint8Array(32);
  return makeHash(bytes, quality);
}

/** PDQ hash of an 8-bit grey, grey+alpha, RGB or RGBA pixel buffer. */
export function pdqHash(image: PixelImage, ws?: PdqWorkspace): PdqHash {
  const w = workspaceOrShared(ws);
  const n = image.width * image.height;
  const [luma] = w.buffers(n);
  lumaFromPixels(image, luma);
  return pdqHashFromLuma(luma, image.height, image.width, w);
}

/**
 * The original hash plus the hashes of all eight dihedral transforms (the
 * rotations and flips), derived from one DCT as the reference does.
 */
export function pdqHashDihedral(image: PixelImage, ws?: PdqWorkspace): PdqDihedralResult {
  const w = workspaceOrShared(ws);
  const n = image.width * image.height;
  const [luma, scratch] = w.buffers(n);
  lumaFromPixels(image, luma);
  const { ok, quality } = coefficientsFromLuma(luma, scratch, image.height, image.width, w);
  const dihedral = {} as Record<DihedralName, PdqHash>;
  for (const name of DIHEDRAL_NAMES) {
    const bytes = ok
      ? coefficientsToHash(dihedralCoefficients(w.c16, name, w.aux16), w.sortScratch)
      : new Uint8Array(32);
    dihedral[name] = makeHash(bytes, quality);
  }
  return { ...dihedral.orig, dihedral };
}

export { DIHEDRAL_NAMES, type DihedralName };
