/**
 * The last box pass of the tent filter, computing only what decimation keeps.
 *
 * Decimation samples 64 rows x 64 columns of the filtered image. In the last
 * pass the column sums of unsampled columns and the unsampled output rows are
 * never read, so they are not computed. Each row's running sum must still walk
 * the whole row (its float32 rounding depends on every add), but only the
 * sampled columns are stored. The values produced are exactly those the full
 * pass would put at the sampled positions.
 */
import { type BoxPhases, boxPhases } from './box-rows.js';

/** Sampled positions as the reference's decimateFloat picks them: trunc((i + 0.5) * n / out). */
export function samplePositions(n: number, out: number): Int32Array {
  const pos = new Int32Array(out);
  for (let i = 0; i < out; i++) pos[i] = Math.trunc(((i + 0.5) * n) / out);
  return pos;
}

/**
 * Box-filters one input row, storing only the outputs at `samples` (ascending,
 * possibly repeated) into out[outOff .. outOff + samples.length).
 */
function boxRowSampled(
  input: Float32Array,
  inOff: number,
  out: Float32Array,
  outOff: number,
  ph: BoxPhases,
  samples: Int32Array,
): void {
  const fround = Math.fround;
  const ns = samples.length;
  let li = inOff;
  let ri = inOff;
  let oi = 0;
  let k = 0;
  let sum = 0;
  let size = 0;
  for (let i = 0; i < ph.p1; i++) {
    sum = fround(sum + input[ri++]!);
    size++;
  }
  for (let i = 0; i < ph.p2; i++, oi++) {
    sum = fround(sum + input[ri++]!);
    size++;
    while (k < ns && samples[k] === oi) out[outOff + k++] = sum / size;
  }
  const inv = 1 / size;
  for (let i = 0; i < ph.p3; i++, oi++) {
    sum = fround(fround(sum + input[ri++]!) - input[li++]!);
    while (k < ns && samples[k] === oi) out[outOff + k++] = sum * inv;
  }
  for (let i = 0; i < ph.p4; i++, oi++) {
    sum = fround(sum - input[li++]!);
    size--;
    while (k < ns && samples[k] === oi) out[outOff + k++] = sum / size;
  }
}

/** boxRowSampled on four consecutive rows at once (independent chains overlap; see box-rows.ts). */
function boxFourRowsSampled(
  input: Float32Array,
  inOff: number,
  cols: number,
  out: Float32Array,
  o0: number,
  o1: number,
  o2: number,
  o3: number,
  ph: BoxPhases,
  samples: Int32Array,
): void {
  const fround = Math.fround;
  const ns = samples.length;
  const b0 = inOff;
  const b1 = b0 + cols;
  const b2 = b1 + cols;
  const b3 = b2 + cols;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let ri = 0;
  let li = 0;
  let oi = 0;
  let k = 0;
  let size = 0;
  for (let i = 0; i < ph.p1; i++, ri++) {
    s0 = fround(s0 + input[b0 + ri]!);
    s1 = fround(s1 + input[b1 + ri]!);
    s2 = fround(s2 + input[b2 + ri]!);
    s3 = fround(s3 + input[b3 + ri]!);
    size++;
  }
  for (let i = 0; i < ph.p2; i++, ri++, oi++) {
    s0 = fround(s0 + input[b0 + ri]!);
    s1 = fround(s1 + input[b1 + ri]!);
    s2 = fround(s2 + input[b2 + ri]!);
    s3 = fround(s3 + input[b3 + ri]!);
    size++;
    for (; k < ns && samples[k] === oi; k++) {
      out[o0 + k] = s0 / size;
      out[o1 + k] = s1 / size;
      out[o2 + k] = s2 / size;
      out[o3 + k] = s3 / size;
    }
  }
  const inv = 1 / size;
  for (let i = 0; i < ph.p3; i++, ri++, li++, oi++) {
    s0 = fround(fround(s0 + input[b0 + ri]!) - input[b0 + li]!);
    s1 = fround(fround(s1 + input[b1 + ri]!) - input[b1 + li]!);
    s2 = fround(fround(s2 + input[b2 + ri]!) - input[b2 + li]!);
    s3 = fround(fround(s3 + input[b3 + ri]!) - input[b3 + li]!);
    for (; k < ns && samples[k] === oi; k++) {
      out[o0 + k] = s0 * inv;
      out[o1 + k] = s1 * inv;
      out[o2 + k] = s2 * inv;
      out[o3 + k] = s3 * inv;
    }
  }
  for (let i = 0; i < ph.p4; i++, li++, oi++) {
    s0 = fround(s0 - input[b0 + li]!);
    s1 = fround(s1 - input[b1 + li]!);
    s2 = fround(s2 - input[b2 + li]!);
    s3 = fround(s3 - input[b3 + li]!);
    size--;
    for (; k < ns && samples[k] === oi; k++) {
      out[o0 + k] = s0 / size;
      out[o1 + k] = s1 / size;
      out[o2 + k] = s2 / size;
      out[o3 + k] = s3 / size;
    }
  }
}

/**
 * Last box pass + decimation: input (rows x cols) -> out (outRows x outCols),
 * identical to a full box pass followed by decimateFloat.
 */
export function boxPassDecimated(
  input: Float32Array,
  rows: number,
  cols: number,
  windowAlongRows: number,
  windowAlongCols: number,
  out: Float32Array,
  outRows: number,
  outCols: number,
): void {
  const sampleCols = samplePositions(cols, outCols);
  const sampleRows = samplePositions(rows, outRows);
  const rowPh = boxPhases(cols, windowAlongRows);
  // Rows are filtered four at a time ahead of need; the ring keeps the window plus those four.
  const ringRows = windowAlongCols + 4;
  const w = outCols;
  const ring = new Float32Array(ringRows * w);
  const sums = new Float32Array(w);
  const slot = (r: number) => (r % ringRows) * w;
  let filtered = 0;
  const feed = (r: number) => {
    while (filtered <= r) {
      const f = filtered;
      if (f + 4 <= rows) {
        boxFourRowsSampled(
          input,
          f * cols,
          cols,
          ring,
          slot(f),
          slot(f + 1),
          slot(f + 2),
          slot(f + 3),
          rowPh,
          sampleCols,
        );
        filtered += 4;
      } else {
        boxRowSampled(input, f * cols, ring, slot(f), rowPh, sampleCols);
        filtered++;
      }
    }
  };
  const fround = Math.fround;
  const { p1, p2, p3, p4 } = boxPhases(rows, windowAlongCols);
  let ri = 0;
  let li = 0;
  let oi = 0;
  let k = 0; // next sampled output row
  let size = 0;
  const emit = (scale: number, divide: boolean) => {
    while (k < outRows && sampleRows[k] === oi) {
      const o = k++ * w;
      for (let j = 0; j < w; j++) out[o + j] = divide ? sums[j]! / scale : sums[j]! * scale;
    }
  };
  for (let i = 0; i < p1; i++, ri++) {
    feed(ri);
    const s = slot(ri);
    for (let j = 0; j < w; j++) sums[j] = sums[j]! + ring[s + j]!;
    size++;
  }
  for (let i = 0; i < p2; i++, ri++, oi++) {
    feed(ri);
    const s = slot(ri);
    for (let j = 0; j < w; j++) sums[j] = sums[j]! + ring[s + j]!;
    size++;
    emit(size, true);
  }
  const inv = 1 / size;
  for (let i = 0; i < p3; i++, ri++, li++, oi++) {
    feed(ri);
    const a = slot(ri);
    const b = slot(li);
    for (let j = 0; j < w; j++) sums[j] = fround(sums[j]! + ring[a + j]!) - ring[b + j]!;
    emit(inv, false);
  }
  for (let i = 0; i < p4; i++, li++, oi++) {
    const b = slot(li);
    for (let j = 0; j < w; j++) sums[j] = sums[j]! - ring[b + j]!;
    size--;
    emit(size, true);
  }
}
