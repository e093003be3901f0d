/**
 * The fused, interleaved tent filter against a plain transcription of the
 * reference algorithm (strided 1-D box filter, float32 sums, float32 division).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decimate, jaroszDecimate, jaroszFilter, jaroszWindowSize, TentScratch } from '../../src/core/pdq/downscale.js';

function box1D(
  input: Float32Array,
  output: Float32Array,
  start: number,
  length: number,
  stride: number,
  window: number,
) {
  const f = Math.fround;
  const half = Math.floor((window + 2) / 2);
  let li = start;
  let ri = start;
  let oi = start;
  let sum = 0;
  let size = 0;
  for (let i = 0; i < half - 1; i++, ri += stride) {
    sum = f(sum + input[ri]!);
    size++;
  }
  for (let i = 0; i < window - half + 1; i++, ri += stride, oi += stride) {
    sum = f(sum + input[ri]!);
    size++;
    output[oi] = f(sum / size);
  }
  for (let i = 0; i < length - window; i++, li += stride, ri += stride, oi += stride) {
    sum = f(sum + input[ri]!);
    sum = f(sum - input[li]!);
    output[oi] = f(sum / size);
  }
  for (let i = 0; i < half - 1; i++, li += stride, oi += stride) {
    sum = f(sum - input[li]!);
    size--;
    output[oi] = f(sum / size);
  }
}

function referenceJarosz(buf1: Float32Array, rows: number, cols: number, wr: number, wc: number, passes: number) {
  const buf2 = new Float32Array(buf1.length);
  for (let p = 0; p < passes; p++) {
    for (let r = 0; r < rows; r++) box1D(buf1, buf2, r * cols, cols, 1, wr);
    for (let c = 0; c < cols; c++) box1D(buf2, buf1, c, rows, cols, wc);
  }
}

function lumaLike(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    // Luma-like values with fractional float32 bits, as the RGB weights produce.
    a[i] = Math.fround(Math.fround(0.299) * (s >>> 24)) + Math.fround(Math.fround(0.587) * ((s >>> 16) & 255));
  }
  return a;
}

test('fused tent filter equals the reference algorithm bit for bit', () => {
  const scratch = new TentScratch();
  const shapes: [number, number][] = [
    [5, 5],
    [7, 300],
    [300, 7],
    [129, 257],
    [256, 256],
    [513, 400],
    [1003, 67],
    [130, 1023],
  ];
  for (const [rows, cols] of shapes) {
    for (const passes of [1, 2, 3]) {
      const input = lumaLike(rows * cols, rows * 31 + cols);
      const expected = input.slice();
      referenceJarosz(expected, rows, cols, jaroszWindowSize(cols, 64), jaroszWindowSize(rows, 64), passes);
      const got = input.slice();
      jaroszFilter(
        got,
        new Float32Array(rows * cols),
        rows,
        cols,
        jaroszWindowSize(cols, 64),
        jaroszWindowSize(rows, 64),
        passes,
        scratch,
      );
      assert.deepEqual(got, expected, `${rows}x${cols}, ${passes} passes`);
    }
  }
});

test('wide windows (large images scaled to 64) still match', () => {
  const rows = 40;
  const cols = 50;
  for (const [wr, wc] of [
    [9, 13],
    [1, 17],
    [23, 2],
  ] as const) {
    const input = lumaLike(rows * cols, wr * 100 + wc);
    const expected = input.slice();
    referenceJarosz(expected, rows, cols, wr, wc, 2);
    const got = input.slice();
    jaroszFilter(got, new Float32Array(rows * cols), rows, cols, wr, wc, 2);
    assert.deepEqual(got, expected, `windows ${wr}x${wc}`);
  }
});

test('window size is (n + 2*64 - 1) / (2*64), as the reference', () => {
  assert.equal(jaroszWindowSize(64, 64), 1);
  assert.equal(jaroszWindowSize(128, 64), 1);
  assert.equal(jaroszWindowSize(129, 64), 2);
  assert.equal(jaroszWindowSize(1600, 64), 13);
  assert.equal(jaroszWindowSize(4032, 64), 32);
});

test('last pass computed only where decimation samples equals full filter + decimate', () => {
  const scratch = new TentScratch();
  const shapes: [number, number][] = [
    [5, 5],
    [10, 63],
    [64, 65],
    [100, 30],
    [257, 129],
    [512, 512],
    [481, 641],
  ];
  for (const [rows, cols] of shapes) {
    const wr = jaroszWindowSize(cols, 64);
    const wc = jaroszWindowSize(rows, 64);
    const input = lumaLike(rows * cols, rows + 7 * cols);
    const full = input.slice();
    referenceJarosz(full, rows, cols, wr, wc, 2);
    const expected = new Float32Array(64 * 64);
    decimate(full, rows, cols, expected, 64, 64);
    const got = new Float32Array(64 * 64);
    jaroszDecimate(input.slice(), new Float32Array(rows * cols), rows, cols, wr, wc, 2, got, 64, 64, scratch);
    assert.deepEqual(got, expected, `${rows}x${cols}`);
  }
});
