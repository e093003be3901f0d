import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bitCount,
  hammingDistance,
  hammingDistanceHex,
  hammingDistanceWords,
  hash256ToHex,
  hash256ToWords,
  hexToHash256,
  InvalidHashError,
  isHash256Hex,
  popcount32,
  wordsToHash256,
} from '../../src/core/hash256.js';

function naiveDistance(a: string, b: string): number {
  let d = 0;
  for (let i = 0; i < 64; i++) {
    let x = Number.parseInt(a[i]!, 16) ^ Number.parseInt(b[i]!, 16);
    while (x) {
      d += x & 1;
      x >>= 1;
    }
  }
  return d;
}

function randomHex(rand: () => number): string {
  let s = '';
  for (let i = 0; i < 64; i++) s += Math.floor(rand() * 16).toString(16);
  return s;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('hex round-trips through bytes and words, lowercase out', () => {
  const hex = 'F8F8F0CEE0F4A84F06370A22038F63F0B36E2ED596621E1D33E6B39C4E9C9B22';
  const bytes = hexToHash256(hex);
  assert.equal(bytes.length, 32);
  assert.equal(bytes[0], 0xf8);
  assert.equal(bytes[31], 0x22);
  assert.equal(hash256ToHex(bytes), hex.toLowerCase());
  const words = hash256ToWords(bytes);
  assert.equal(words[0], 0xf8f8f0ce);
  assert.deepEqual(wordsToHash256(words), bytes);
});

test('malformed hashes are refused with a clear message', () => {
  assert.throws(() => hexToHash256('abc'), /64 hex digits, got 3 characters/);
  assert.throws(
    () => hexToHash256(`${'0'.repeat(63)}g`),
    (e: unknown) => e instanceof InvalidHashError && /position 63/.test(String(e)),
  );
  assert.throws(() => hexToHash256(`${'0'.repeat(63)}é`), InvalidHashError);
  assert.throws(() => hexToHash256(42 as unknown as string), /got number/);
  assert.equal(isHash256Hex('0'.repeat(64)), true);
  assert.equal(isHash256Hex(`${'0'.repeat(64)}\n`), false);
});

test('popcount32 on edge values', () => {
  assert.equal(popcount32(0), 0);
  assert.equal(popcount32(0xffffffff), 32);
  assert.equal(popcount32(0x80000000), 1);
  assert.equal(popcount32(0x55555555), 16);
  assert.equal(popcount32(-1), 32);
});

test('hamming distance agrees with a bit-by-bit count on random pairs', () => {
  const rand = rng(7);
  for (let i = 0; i < 500; i++) {
    const a = randomHex(rand);
    const b = randomHex(rand);
    const expected = naiveDistance(a, b);
    assert.equal(hammingDistanceHex(a, b), expected);
    const wa = hash256ToWords(hexToHash256(a));
    const wb = hash256ToWords(hexToHash256(b));
    assert.equal(hammingDistanceWords(wa, 0, wb, 0), expected);
  }
  assert.equal(hammingDistanceHex('0'.repeat(64), 'f'.repeat(64)), 256);
  assert.equal(bitCount(hexToHash256('f'.repeat(64))), 256);
});

test('hamming distance needs two 32-byte hashes', () => {
  assert.throws(() => hammingDistance(new Uint8Array(32), new Uint8Array(16)), InvalidHashError);
});
