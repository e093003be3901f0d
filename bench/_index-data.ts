/**
 * Synthetic data for `npm run bench -- index`: PDQ-like 256-bit hashes, half
 * uniform random and half in clusters of near-duplicates, plus a query mix of
 * hashes near stored ones (0..40 bits away) and random hashes. Also the
 * brute-force reference used to check recall.
 */
import { popcount32 } from '../src/core/hash256.js';

export interface BenchData {
  n: number;
  /** Signal ids in shuffled order (so the build pays for its id sort). */
  ids: Float64Array;
  /** 8 words per hash. */
  words: Uint32Array;
  queries: Uint32Array;
  queryCount: number;
}

// The same seeded generator as the matching tests, so both draw comparable data.
export { rng } from '../test/core/matching/hash-data.js';

import { rng } from '../test/core/matching/hash-data.js';

const CLUSTER_SIZE = 20;
const CLUSTER_MAX_DISTANCE = 16;

export function makeData(n: number, queryCount: number, seed: number): BenchData {
  const next = rng(seed);
  const words = new Uint32Array(8 * n);
  const uniform = Math.floor(n / 2);
  for (let i = 0; i < 8 * uniform; i++) words[i] = next();
  for (let row = uniform; row < n; row += CLUSTER_SIZE) {
    for (let w = 0; w < 8; w++) words[8 * row + w] = next();
    for (let k = 1; k < CLUSTER_SIZE && row + k < n; k++) {
      copyRow(words, row, words, row + k);
      flipRandomBits(words, 8 * (row + k), next() % (CLUSTER_MAX_DISTANCE + 1), next);
    }
  }
  const queries = new Uint32Array(8 * queryCount);
  for (let i = 0; i < queryCount; i++) {
    if (i % 2 === 0) {
      copyRow(words, next() % n, queries, i);
      flipRandomBits(queries, 8 * i, next() % 41, next);
    } else {
      for (let w = 0; w < 8; w++) queries[8 * i + w] = next();
    }
  }
  return { n, ids: shuffledIds(n, next), words, queries, queryCount };
}

function copyRow(from: Uint32Array, fromRow: number, to: Uint32Array, toRow: number): void {
  for (let w = 0; w < 8; w++) to[8 * toRow + w] = from[8 * fromRow + w]!;
}

/** Flips exactly `count` distinct bits of the hash at words[off..off+8). */
function flipRandomBits(words: Uint32Array, off: number, count: number, next: () => number): void {
  const mask = new Uint32Array(8);
  let flipped = 0;
  while (flipped < count) {
    const bit = next() & 255;
    const m = 1 << (bit & 31);
    if (mask[bit >>> 5]! & m) continue;
    mask[bit >>> 5]! |= m;
    flipped++;
  }
  for (let w = 0; w < 8; w++) words[off + w]! ^= mask[w]!;
}

/** Ids 1000000 + 3k in a random order: gaps like a real signal table, unsorted like a hash-ordered load. */
function shuffledIds(n: number, next: () => number): Float64Array {
  const ids = new Float64Array(n);
  for (let i = 0; i < n; i++) ids[i] = 1_000_000 + 3 * i;
  for (let i = n - 1; i > 0; i--) {
    const j = next() % (i + 1);
    const t = ids[i]!;
    ids[i] = ids[j]!;
    ids[j] = t;
  }
  return ids;
}

/**
 * All (row, distance) within radius for each of the given queries, by a full
 * scan. Queries go in blocks so each stored row is read once per block.
 */
export function bruteForce(data: BenchData, queryIndexes: number[], radius: number, progress: (done: number) => void) {
  const out: Array<Array<[number, number]>> = queryIndexes.map(() => []);
  const block = 16;
  for (let b = 0; b < queryIndexes.length; b += block) {
    const qs = queryIndexes.slice(b, b + block);
    scanBlock(data, qs, radius, out, b);
    progress(Math.min(b + block, queryIndexes.length));
  }
  return out;
}

function scanBlock(data: BenchData, qs: number[], radius: number, out: Array<Array<[number, number]>>, base: number) {
  const { words, queries, n } = data;
  for (let row = 0; row < n; row++) {
    const o = 8 * row;
    for (let j = 0; j < qs.length; j++) {
      const q = 8 * qs[j]!;
      let d =
        popcount32(words[o]! ^ queries[q]!) +
        popcount32(words[o + 1]! ^ queries[q + 1]!) +
        popcount32(words[o + 2]! ^ queries[q + 2]!) +
        popcount32(words[o + 3]! ^ queries[q + 3]!);
      if (d > radius) continue;
      for (let w = 4; w < 8; w++) d += popcount32(words[o + w]! ^ queries[q + w]!);
      if (d <= radius) out[base + j]!.push([row, d]);
    }
  }
}
