/** Synthetic 256-bit hashes for the matching tests: seeded, reproducible. */
import { hammingDistanceWords } from '../../../src/core/hash256.js';
import type { HammingMatch } from '../../../src/core/matching/index.js';

/** splitmix32: a small, well-mixed seeded generator. */
export function rng(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function randomHash(next: () => number): Uint32Array {
  const h = new Uint32Array(8);
  for (let w = 0; w < 8; w++) h[w] = next();
  return h;
}

/** Copy of h with the given bit positions (0..255, bit 0 = MSB of word 0) flipped. */
export function flipBits(h: Uint32Array, bits: readonly number[]): Uint32Array {
  const out = h.slice();
  for (const b of bits) out[b >>> 5]! ^= 1 << (31 - (b & 31));
  return out;
}

/** Copy of h at exactly distance d, bits chosen at random. */
export function nearby(h: Uint32Array, d: number, next: () => number): Uint32Array {
  const bits = new Set<number>();
  while (bits.size < d) bits.add(next() & 255);
  return flipBits(h, [...bits]);
}

/** `count` distinct bits inside 16-bit chunk c (chunk c = bits 16c..16c+15). */
export function bitsInChunk(c: number, count: number, next: () => number): number[] {
  const bits = new Set<number>();
  while (bits.size < count) bits.add(16 * c + (next() & 15));
  return [...bits];
}

export interface Dataset {
  ids: number[];
  hashes: Uint32Array[];
}

/** Half uniform, half clusters of near-duplicates (distance 0..20 from a centre). */
export function mixedDataset(n: number, next: () => number, idOf = (i: number) => i): Dataset {
  const hashes: Uint32Array[] = [];
  for (let i = 0; i < n / 2; i++) hashes.push(randomHash(next));
  while (hashes.length < n) {
    const centre = randomHash(next);
    for (let k = 0; k < 30 && hashes.length < n; k++) hashes.push(nearby(centre, next() % 21, next));
  }
  return { ids: hashes.map((_, i) => idOf(i)), hashes };
}

export function packed(hashes: readonly Uint32Array[]): Uint32Array {
  const out = new Uint32Array(8 * hashes.length);
  hashes.forEach((h, i) => {
    out.set(h, 8 * i);
  });
  return out;
}

/** Reference answer: every (id, distance) within radius, sorted like the index. */
export function bruteForce(data: Dataset, q: Uint32Array, radius: number): HammingMatch[] {
  const out: HammingMatch[] = [];
  data.hashes.forEach((h, i) => {
    const distance = hammingDistanceWords(h, 0, q, 0);
    if (distance <= radius) out.push({ id: data.ids[i]!, distance });
  });
  return out.sort((a, b) => a.distance - b.distance || a.id - b.id);
}
