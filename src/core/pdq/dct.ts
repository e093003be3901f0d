/**
 * The 64x64 -> 16x16 partial DCT (DC row/column skipped), the quality metric,
 * the dihedral sign/transpose rules and the median threshold of PDQ, all in
 * float32 arithmetic in the reference's summation order.
 */

const D = buildDctMatrix();

function buildDctMatrix(): Float32Array {
  const rows = 16;
  const cols = 64;
  // The reference stores the scale factor as float, then multiplies in double.
  const scale = Math.fround(Math.sqrt(2 / cols));
  const m = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      m[i * cols + j] = scale * Math.cos((Math.PI / 2 / cols) * (i + 1) * (2 * j + 1));
    }
  }
  return m;
}

/** B = D A D^T, with D the 16x64 DCT matrix; `t` is 16x64 scratch. */
export function dct64To16(a: Float32Array, t: Float32Array, b: Float32Array): void {
  const fround = Math.fround;
  for (let i = 0; i < 16; i++) {
    const di = i * 64;
    for (let j = 0; j < 64; j++) {
      let sum = 0;
      for (let k = 0; k < 64; k++) sum = fround(sum + fround(D[di + k]! * a[k * 64 + j]!));
      t[i * 64 + j] = sum;
    }
  }
  for (let i = 0; i < 16; i++) {
    const ti = i * 64;
    for (let j = 0; j < 16; j++) {
      const dj = j * 64;
      let sum = 0;
      for (let k = 0; k < 64; k++) sum = fround(sum + fround(t[ti + k]! * D[dj + k]!));
      b[i * 16 + j] = sum;
    }
  }
}

/** Reference heuristic: sum of quantized gradients of the 64x64 image, /90, capped at 100. */
export function qualityMetric(a: Float32Array): number {
  const fround = Math.fround;
  let gradientSum = 0;
  for (let i = 0; i < 63; i++) {
    for (let j = 0; j < 64; j++) {
      const d = Math.trunc(fround(fround(fround(a[i * 64 + j]! - a[(i + 1) * 64 + j]!) * 100) / 255));
      gradientSum += Math.abs(d);
    }
  }
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 63; j++) {
      const d = Math.trunc(fround(fround(fround(a[i * 64 + j]! - a[i * 64 + j + 1]!) * 100) / 255));
      gradientSum += Math.abs(d);
    }
  }
  return Math.min(100, Math.trunc(gradientSum / 90));
}

/** The eight dihedral transforms, in the reference's output order. */
export const DIHEDRAL_NAMES = [
  'orig',
  'rot90',
  'rot180',
  'rot270',
  'flipx',
  'flipy',
  'flipplus1',
  'flipminus1',
] as const;
export type DihedralName = (typeof DIHEDRAL_NAMES)[number];

interface DihedralRule {
  transpose: boolean;
  negate: (i: number, j: number) => boolean;
}

// Sign rules on (row i, col j) of the original coefficients; a transposed
// output puts coefficient (i, j) at (j, i).
const RULES: Record<DihedralName, DihedralRule> = {
  orig: { transpose: false, negate: () => false },
  rot90: { transpose: true, negate: (_i, j) => (j & 1) === 0 },
  rot180: { transpose: false, negate: (i, j) => ((i + j) & 1) === 1 },
  rot270: { transpose: true, negate: (i) => (i & 1) === 0 },
  flipx: { transpose: false, negate: (i) => (i & 1) === 0 },
  flipy: { transpose: false, negate: (_i, j) => (j & 1) === 0 },
  flipplus1: { transpose: true, negate: () => false },
  flipminus1: { transpose: true, negate: (i, j) => ((i + j) & 1) === 1 },
};

/** The 16x16 coefficients of a dihedral transform of the image, from the original's. */
export function dihedralCoefficients(a: Float32Array, name: DihedralName, out = new Float32Array(256)): Float32Array {
  const rule = RULES[name];
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      const v = a[i * 16 + j]!;
      const dest = rule.transpose ? j * 16 + i : i * 16 + j;
      out[dest] = rule.negate(i, j) ? -v : v;
    }
  }
  return out;
}

/**
 * Hash bits: coefficient (i, j) sets bit 16*i + j when it is strictly greater
 * than the lower median (the 128th smallest, as Torben's selection returns).
 * Bit k lives in 16-bit word k>>4, and words print from 15 down to 0, so in
 * big-endian bytes word w occupies bytes 2*(15-w) (high) and 2*(15-w)+1 (low).
 */
export function coefficientsToHash(coeffs: Float32Array, scratch = new Float32Array(256)): Uint8Array {
  scratch.set(coeffs.subarray(0, 256));
  scratch.sort();
  const median = scratch[127]!;
  const hash = new Uint8Array(32);
  for (let k = 0; k < 256; k++) {
    if (coeffs[k]! > median) {
      const word = k >> 4;
      const bit = k & 15;
      const byte = 2 * (15 - word) + (bit < 8 ? 1 : 0);
      hash[byte] = hash[byte]! | (1 << (bit & 7));
    }
  }
  return hash;
}
