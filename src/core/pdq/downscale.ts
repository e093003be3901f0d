/**
 * Jarosz tent filter (repeated box filters along rows then columns) and
 * centre decimation, bit-exact with the PDQ reference's float32 arithmetic.
 *
 * Each box pass is fused: rows are box-filtered into a small ring of
 * (column window + 4) rows, and the column sweep consumes them from there, so
 * the row-filtered image never makes a round trip through a full-size buffer.
 * Per element the arithmetic and its order are exactly the reference's.
 */
import { addRow, addRowAndEmit, slideRowAndEmit, subtractRowAndEmit } from './box-cols.js';
import { type BoxPhases, boxFourRows, boxPhases, boxRow } from './box-rows.js';
import { boxPassDecimated } from './tent-sampled.js';

/** Window for reducing `oldDim` samples to `newDim`: (old + 2*new - 1) / (2*new). */
export function jaroszWindowSize(oldDim: number, newDim: number): number {
  return Math.floor((oldDim + 2 * newDim - 1) / (2 * newDim));
}

/** Reusable ring and column sums for the fused passes. */
export class TentScratch {
  private ringBuf = new Float32Array(0);
  private sumsBuf = new Float32Array(0);

  ring(n: number): Float32Array {
    if (this.ringBuf.length < n) this.ringBuf = new Float32Array(n);
    return this.ringBuf;
  }

  sums(n: number): Float32Array {
    if (this.sumsBuf.length < n) this.sumsBuf = new Float32Array(n);
    this.sumsBuf.fill(0, 0, n);
    return this.sumsBuf;
  }
}

/** Row-filters input rows into ring slots on demand, four at a time where possible. */
class RowFeeder {
  private filtered = 0;
  constructor(
    private readonly input: Float32Array,
    private readonly ring: Float32Array,
    private readonly rows: number,
    private readonly cols: number,
    private readonly ringRows: number,
    private readonly ph: BoxPhases,
  ) {}

  slot(r: number): number {
    return (r % this.ringRows) * this.cols;
  }

  /**
   * Makes row r available. Filling up to r+3 overwrites rows older than
   * r - window, which the column sweep no longer needs.
   */
  ensure(r: number): void {
    const { input, ring, rows, cols, ph } = this;
    while (this.filtered <= r) {
      const f = this.filtered;
      if (f + 4 <= rows) {
        boxFourRows(
          input,
          f * cols,
          cols,
          ring,
          this.slot(f),
          this.slot(f + 1),
          this.slot(f + 2),
          this.slot(f + 3),
          ph,
        );
        this.filtered += 4;
      } else {
        boxRow(input, f * cols, ring, this.slot(f), ph);
        this.filtered++;
      }
    }
  }
}

/** One box filter along rows then along columns: input -> output (distinct buffers). */
function boxPass(
  input: Float32Array,
  output: Float32Array,
  rows: number,
  cols: number,
  windowAlongRows: number,
  windowAlongCols: number,
  scratch: TentScratch,
): void {
  const ringRows = windowAlongCols + 4;
  const feed = new RowFeeder(
    input,
    scratch.ring(ringRows * cols),
    rows,
    cols,
    ringRows,
    boxPhases(cols, windowAlongRows),
  );
  const ring = scratch.ring(ringRows * cols);
  const sums = scratch.sums(cols);
  const { p1, p2, p3, p4 } = boxPhases(rows, windowAlongCols);
  let ri = 0; // leading row
  let li = 0; // trailing row
  let oi = 0; // output row
  let size = 0;
  for (let i = 0; i < p1; i++, ri++) {
    feed.ensure(ri);
    addRow(sums, ring, feed.slot(ri), cols);
    size++;
  }
  for (let i = 0; i < p2; i++, ri++, oi++) {
    feed.ensure(ri);
    size++;
    addRowAndEmit(sums, ring, feed.slot(ri), output, oi * cols, cols, size);
  }
  for (let i = 0; i < p3; i++, ri++, li++, oi++) {
    feed.ensure(ri);
    slideRowAndEmit(sums, ring, feed.slot(ri), feed.slot(li), output, oi * cols, cols, size);
  }
  for (let i = 0; i < p4; i++, li++, oi++) {
    size--;
    subtractRowAndEmit(sums, ring, feed.slot(li), output, oi * cols, cols, size);
  }
}

/**
 * Runs `passes` box passes, ping-ponging between the two buffers; returns the
 * buffer that holds the result.
 */
function boxPasses(
  buffer1: Float32Array,
  buffer2: Float32Array,
  rows: number,
  cols: number,
  windowAlongRows: number,
  windowAlongCols: number,
  passes: number,
  scratch: TentScratch,
): Float32Array {
  let src = buffer1;
  let dst = buffer2;
  for (let i = 0; i < passes; i++) {
    boxPass(src, dst, rows, cols, windowAlongRows, windowAlongCols, scratch);
    [src, dst] = [dst, src];
  }
  return src;
}

/**
 * `passes` box passes (rows, then columns) in place: `buffer1` holds the input
 * and receives the result; `buffer2` is scratch of the same size.
 */
export function jaroszFilter(
  buffer1: Float32Array,
  buffer2: Float32Array,
  rows: number,
  cols: number,
  windowAlongRows: number,
  windowAlongCols: number,
  passes: number,
  scratch: TentScratch = new TentScratch(),
): void {
  const result = boxPasses(buffer1, buffer2, rows, cols, windowAlongRows, windowAlongCols, passes, scratch);
  if (result !== buffer1) buffer1.set(result.subarray(0, rows * cols));
}

/**
 * Tent filter then decimation to outRows x outCols, as the reference's
 * jaroszFilterFloat + decimateFloat, computing the last pass only where it is
 * sampled (tent-sampled.ts). `buffer1` is consumed; `buffer2` is scratch.
 */
export function jaroszDecimate(
  buffer1: Float32Array,
  buffer2: Float32Array,
  rows: number,
  cols: number,
  windowAlongRows: number,
  windowAlongCols: number,
  passes: number,
  out: Float32Array,
  outRows: number,
  outCols: number,
  scratch: TentScratch = new TentScratch(),
): void {
  const src = boxPasses(buffer1, buffer2, rows, cols, windowAlongRows, windowAlongCols, passes - 1, scratch);
  boxPassDecimated(src, rows, cols, windowAlongRows, windowAlongCols, out, outRows, outCols);
}

/** Samples the centre of each output cell (reference `decimateFloat`). */
export function decimate(
  input: Float32Array,
  inRows: number,
  inCols: number,
  output: Float32Array,
  outRows: number,
  outCols: number,
): void {
  for (let oi = 0; oi < outRows; oi++) {
    const ii = Math.trunc(((oi + 0.5) * inRows) / outRows);
    for (let oj = 0; oj < outCols; oj++) {
      const ij = Math.trunc(((oj + 0.5) * inCols) / outCols);
      output[oi * outCols + oj] = input[ii * inCols + ij]!;
    }
  }
}
