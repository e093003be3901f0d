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

/** Box filter along each row of a rows x cols matrix, `input` -> `output`. */
export function boxAlongRows(
  input: Float32Array,
  output: Float32Array,
  rows: number,
  cols: number,
  window: number,
): void {
  const { p1, p2, p3, p4 } = boxPhases(cols, window);
  const fround = Math.fround;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let li = base;
    let ri = base;
    let oi = base;
    let sum = 0;
    let size = 0;
    for (let i = 0; i < p1; i++) {
      sum = fround(sum + input[ri++]!);
      size++;
    }
    for (let i = 0; i < p2; i++) {
      sum = fround(sum + input[ri++]!);
      size++;
      output[oi++] = sum / size;
    }
    for (let i = 0; i < p3; i++) {
      sum = fround(sum + input[ri++]!);
      sum = fround(sum - input[li++]!);
      output[oi++] = sum / size;
    }
    for (let i = 0; i < p4; i++) {
      sum = fround(sum - input[li++]!);
      size--;
      output[oi++] = sum / size;
    }
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
    addRow(sums, input, ri * cols, cols);
    size++;
    divideRow(sums, output, oi * cols, cols, size);
  }
  for (let i = 0; i < p3; i++, ri++, li++, oi++) {
    slideRow(sums, input, ri * cols, li * cols, cols);
    divideRow(sums, output, oi * cols, cols, size);
  }
  for (let i = 0; i < p4; i++, li++, oi++) {
    subtractRow(sums, input, li * cols, cols);
    size--;
    divideRow(sums, output, oi * cols, cols, size);
  }
}

function addRow(sums: Float32Array, input: Float32Array, base: number, cols: number): void {
  for (let j = 0; j < cols; j++) sums[j] = sums[j]! + input[base + j]!;
}

function subtractRow(sums: Float32Array, input: Float32Array, base: number, cols: number): void {
  for (let j = 0; j < cols; j++) sums[j] = sums[j]! - input[base + j]!;
}

function slideRow(sums: Float32Array, input: Float32Array, addBase: number, subBase: number, cols: number): void {
  const fround = Math.fround;
  for (let j = 0; j < cols; j++) sums[j] = fround(sums[j]! + input[addBase + j]!) - input[subBase + j]!;
}

function divideRow(sums: Float32Array, output: Float32Array, base: number, cols: number, size: number): void {
  for (let j = 0; j < cols; j++) output[base + j] = sums[j]! / size;
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
