/**
 * Box filter along rows, bit-exact with the reference's `box1DFloat`: a
 * running float32 sum that grows over the first half window, slides, then
 * shrinks, each output being sum / current window size.
 *
 * Each running sum is a serial chain of float32-rounded adds, so four rows are
 * filtered at once: four independent chains let the CPU overlap them (about
 * 2.4x faster than one row at a time, same arithmetic).
 *
 * Where the window size is fixed the reference's float32 division is replaced
 * by a multiplication with the double reciprocal, which rounds to the same
 * float32: v / n for a float32 v and an integer n is never within 2^-35
 * (relative) of a float32 rounding midpoint (a midpoint has 25 significant
 * bits, so n times it has more than v's 24), while v * (1/n) in double is
 * within 2^-52 of v / n. Multiplication is several times cheaper.
 */

export interface BoxPhases {
  readonly p1: number;
  readonly p2: number;
  readonly p3: number;
  readonly p4: number;
}

/** The reference's four phases for a vector of `length` and a window of `window`. */
export function boxPhases(length: number, window: number): BoxPhases {
  const half = Math.floor((window + 2) / 2);
  return { p1: half - 1, p2: window - half + 1, p3: length - window, p4: half - 1 };
}

/** Filters one row: input[inOff ..] -> output[outOff ..]. */
export function boxRow(input: Float32Array, inOff: number, output: Float32Array, outOff: number, ph: BoxPhases): void {
  const fround = Math.fround;
  let li = inOff;
  let ri = inOff;
  let oi = outOff;
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
  const inv = 1 / size;
  for (let i = 0; i < ph.p3; i++) {
    sum = fround(fround(sum + input[ri++]!) - input[li++]!);
    output[oi++] = sum * inv;
  }
  for (let i = 0; i < ph.p4; i++) {
    sum = fround(sum - input[li++]!);
    size--;
    output[oi++] = sum / size;
  }
}

/**
 * Filters four consecutive input rows (starting at inOff, `cols` apart) into
 * four output rows at o0..o3 (which need not be consecutive: ring buffers).
 */
export function boxFourRows(
  input: Float32Array,
  inOff: number,
  cols: number,
  output: Float32Array,
  o0: number,
  o1: number,
  o2: number,
  o3: number,
  ph: BoxPhases,
): void {
  const fround = Math.fround;
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
    output[o0 + oi] = s0 / size;
    output[o1 + oi] = s1 / size;
    output[o2 + oi] = s2 / size;
    output[o3 + oi] = s3 / size;
  }
  const inv = 1 / size;
  for (let i = 0; i < ph.p3; i++, ri++, li++, oi++) {
    s0 = fround(fround(s0 + input[b0 + ri]!) - input[b0 + li]!);
    s1 = fround(fround(s1 + input[b1 + ri]!) - input[b1 + li]!);
    s2 = fround(fround(s2 + input[b2 + ri]!) - input[b2 + li]!);
    s3 = fround(fround(s3 + input[b3 + ri]!) - input[b3 + li]!);
    output[o0 + oi] = s0 * inv;
    output[o1 + oi] = s1 * inv;
    output[o2 + oi] = s2 * inv;
    output[o3 + oi] = s3 * inv;
  }
  for (let i = 0; i < ph.p4; i++, li++, oi++) {
    s0 = fround(s0 - input[b0 + li]!);
    s1 = fround(s1 - input[b1 + li]!);
    s2 = fround(s2 - input[b2 + li]!);
    s3 = fround(s3 - input[b3 + li]!);
    size--;
    output[o0 + oi] = s0 / size;
    output[o1 + oi] = s1 / size;
    output[o2 + oi] = s2 / size;
    output[o3 + oi] = s3 / size;
  }
}
