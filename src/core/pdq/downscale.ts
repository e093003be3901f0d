/**
 * Jarosz tent filter (two passes of box filters) and centre decimation,
 * bit-exact with the PDQ reference's float32 arithmetic.
 *
 * Every running sum is rounded to float32 after each add/subtract, because the
 * reference keeps it in a `float`. Column passes sweep row by row with one
 * running sum per column: the arithmetic per column is in the same order as
 * the reference's strided walk, so results are identical, but memory is read
 * sequentially.
 */

/** Window for reducing `oldDim` samples to `newDim`: (old + 2*new - 1) / (2*new). */
export function jaroszWindowSize(oldDim: number, newDim: number): number {
  return Math.floor((oldDim + 2 * newDim - 1) / (2 * newDim));
}

interface BoxPhases {
  half: number;
  p1: number;
  p2: number;
  p3: number;
  p4: number;
}

function boxPhases(length: number, window: number): BoxPhases {
  const half = Math.floor((window + 2) / 2);
  return {
    half,
    p1: half - 1,
    p2: window - half + 1,
    p3: length - window,
    p4: half - 1,
  };
}

/**
 * Box filter along each row of a rows x cols matrix, `input` -> `output`.
 * Rows are filtered four at a time: each running sum is a serial chain of
 * float32-rounded adds, so interleaving four independent chains lets the CPU
 * overlap them (about 2.4x faster than one row at a time, same arithmetic).
 */
export function boxAlongRows(
  input: Float32Array,
  output: Float32Array,
  rows: number,
  cols: number,
  window: number,
): void {
  const phases = boxPhases(cols, window);
  let r = 0;
  for (; r + 4 <= rows; r += 4) boxFourRows(input, output, r * cols, cols, phases);
  for (; r < rows; r++) boxOneRow(input, output, r * cols, phases);
}

function boxOneRow(input: Float32Array, output: Float32Array, base: number, ph: BoxPhases): void {
  const fround = Math.fround;
  let li = base;
  let ri = base;
  let oi = base;
  let sum = 0;
  let size = 0;
  for (let i = 0; i < ph.p1; i++) {
    sum = fround(sum + input[ri++]!);
    size++;
  }
  for (let i = 0; i < ph.p2; i++) {
    sum = fround(sum + input[ri++]!);
    size++;
    output[oi++] = sum / size;
  }
  for (let i = 0; i < ph.p3; i++) {
    sum = fround(fround(sum + input[ri++]!) - input[li++]!);
    output[oi++] = sum / size;
  }
  for (let i = 0; i < ph.p4; i++) {
    sum = fround(sum - input[li++]!);
    size--;
    output[oi++] = sum / size;
  }
}

function boxFourRows(input: Float32Array, output: Float32Array, b0: number, cols: number, ph: BoxPhases): void {
  const fround = Math.fround;
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
    output[b0 + oi] = s0 / size;
    output[b1 + oi] = s1 / size;
    output[b2 + oi] = s2 / size;
    output[b3 + oi] = s3 / size;
  }
  for (let i = 0; i < ph.p3; i++, ri++, li++, oi++) {
    s0 = fround(fround(s0 + input[b0 + ri]!) - input[b0 + li]!);
    s1 = fround(fround(s1 + input[b1 + ri]!) - input[b1 + li]!);
    s2 = fround(fround(s2 + input[b2 + ri]!) - input[b2 + li]!);
    s3 = fround(fround(s3 + input[b3 + ri]!) - input[b3 + li]!);
    output[b0 + oi] = s0 / size;
    output[b1 + oi] = s1 / size;
    output[b2 + oi] = s2 / size;
    output[b3 + oi] = s3 / size;
  }
  for (let i = 0; i < ph.p4; i++, li++, oi++) {
    s0 = fround(s0 - input[b0 + li]!);
    s1 = fround(s1 - input[b1 + li]!);
    s2 = fround(s2 - input[b2 + li]!);
    s3 = fround(s3 - input[b3 + li]!);
    size--;
    output[b0 + oi] = s0 / size;
    output[b1 + oi] = s1 / size;
    output[b2 + oi] = s2 / size;
    output[b3 + oi] = s3 / size;
  }
}

/** Box filter along each column, swept row-wise with per-column float32 sums. */
export function boxAlongCols(
  input: Float32Array,
  output: Float32Array,
  rows: number,
  cols: number,
  window: number,
  sums: Float32Array = new Float32Array(cols),
): void {
  const { p1, p2, p3, p4 } = boxPhases(rows, window);
  sums.fill(0, 0, cols);
  let ri = 0; // row index of the leading edge
  let li = 0; // row index of the trailing edge
  let oi = 0; // output row
  let size = 0;
  for (let i = 0; i < p1; i++, ri++) {
    addRow(sums, input, ri * cols, cols);
    size++;
  }
  for (let i = 0; i < p2; i++, ri++, oi++) {
    size++;
    addRowAndEmit(sums, input, ri * cols, output, oi * cols, cols, size);
  }
  for (let i = 0; i < p3; i++, ri++, li++, oi++) {
    slideRowAndEmit(sums, input, ri * cols, li * cols, output, oi * cols, cols, size);
  }
  for (let i = 0; i < p4; i++, li++, oi++) {
    size--;
    subtractRowAndEmit(sums, input, li * cols, output, oi * cols, cols, size);
  }
}

function addRow(sums: Float32Array, input: Float32Array, base: number, cols: number): void {
  for (let j = 0; j < cols; j++) sums[j] = sums[j]! + input[base + j]!;
}

function addRowAndEmit(
  sums: Float32Array,
  input: Float32Array,
  base: number,
  output: Float32Array,
  out: number,
  cols: number,
  size: number,
): void {
  const fround = Math.fround;
  for (let j = 0; j < cols; j++) {
    const v = fround(sums[j]! + input[base + j]!);
    sums[j] = v;
    output[out + j] = v / size;
  }
}

function subtractRowAndEmit(
  sums: Float32Array,
  input: Float32Array,
  base: number,
  output: Float32Array,
  out: number,
  cols: number,
  size: number,
): void {
  const fround = Math.fround;
  for (let j = 0; j < cols; j++) {
    const v = fround(sums[j]! - input[base + j]!);
    sums[j] = v;
    output[out + j] = v / size;
  }
}

function slideRowAndEmit(
  sums: Float32Array,
  input: Float32Array,
  addBase: number,
  subBase: number,
  output: Float32Array,
  out: number,
  cols: number,
  size: number,
): void {
  const fround = Math.fround;
  for (let j = 0; j < cols; j++) {
    const v = fround(fround(sums[j]! + input[addBase + j]!) - input[subBase + j]!);
    sums[j] = v;
    output[out + j] = v / size;
  }
}

/**
 * Two-pass tent filter in place: `buffer1` holds the input and receives the
 * result; `buffer2` is scratch of the same size.
 */
export function jaroszFilter(
  buffer1: Float32Array,
  buffer2: Float32Array,
  rows: number,
  cols: number,
  windowAlongRows: number,
  windowAlongCols: number,
  passes: number,
): void {
  const sums = new Float32Array(cols);
  for (let i = 0; i < passes; i++) {
    boxAlongRows(buffer1, buffer2, rows, cols, windowAlongRows);
    boxAlongCols(buffer2, buffer1, rows, cols, windowAlongCols, sums);
  }
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
