/**
 * Column steps of the box filter. The column pass sweeps row by row with one
 * float32 running sum per column: per column the adds and subtracts happen in
 * the reference's order (so results are identical), but memory is read
 * sequentially instead of with a stride of a whole row.
 */

export function addRow(sums: Float32Array, src: Float32Array, off: number, cols: number): void {
  for (let j = 0; j < cols; j++) sums[j] = sums[j]! + src[off + j]!;
}

export function addRowAndEmit(
  sums: Float32Array,
  src: Float32Array,
  off: number,
  out: Float32Array,
  outOff: number,
  cols: number,
  size: number,
): void {
  const fround = Math.fround;
  for (let j = 0; j < cols; j++) {
    const v = fround(sums[j]! + src[off + j]!);
    sums[j] = v;
    out[outOff + j] = v / size;
  }
}

export function subtractRowAndEmit(
  sums: Float32Array,
  src: Float32Array,
  off: number,
  out: Float32Array,
  outOff: number,
  cols: number,
  size: number,
): void {
  const fround = Math.fround;
  for (let j = 0; j < cols; j++) {
    const v = fround(sums[j]! - src[off + j]!);
    sums[j] = v;
    out[outOff + j] = v / size;
  }
}

/** Adds the leading row, subtracts the trailing one, emits sum / size (see box-rows.ts on the reciprocal). */
export function slideRowAndEmit(
  sums: Float32Array,
  src: Float32Array,
  addOff: number,
  subOff: number,
  out: Float32Array,
  outOff: number,
  cols: number,
  size: number,
): void {
  const fround = Math.fround;
  const inv = 1 / size;
  for (let j = 0; j < cols; j++) {
    const v = fround(fround(sums[j]! + src[addOff + j]!) - src[subOff + j]!);
    sums[j] = v;
    out[outOff + j] = v * inv;
  }
}
