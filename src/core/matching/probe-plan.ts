/**
 * How a radius query probes the 16 x 16-bit chunk tables, and why that is exact.
 *
 * The 256 bits are 8 words of 32 bits; word w is one "pair" of chunks: chunk 2w
 * is its high half and chunk 2w+1 its low half (so chunk c is hash bytes 2c, 2c+1).
 *
 * Exactness. If d(x, q) <= r, the 8 pair distances sum to d, so some pair has
 * distance <= P = floor(r / 8). In that pair the closer chunk (the "anchor")
 * differs in a <= A = floor(P / 2) bits and its partner chunk in <= P - a bits.
 * A query therefore probes, in every chunk table, the buckets within Hamming A of
 * the query's chunk, and keeps only entries whose partner chunk (stored next to
 * the posting) differs by <= P - a. For r = 31: P = 3, A = 1, i.e. the same 17
 * buckets per chunk as FAISS IndexBinaryMultiHash(256, 16, 16) with nflip = 1,
 * but ~99.7% of its ~N/240 candidates are rejected by the 16-bit partner check
 * without touching the stored hash (a random read that dominates the cost).
 *
 * Dedupe without a visited set: a match is reported only from its canonical
 * chunk, the smallest chunk c with diff_c <= A and diff_c + diff_partner <= P.
 * That chunk always probes and keeps the match, so each match appears once.
 */
import { popcount32 } from '../hash256.js';

export const CHUNK_COUNT = 16;
export const WORDS_PER_HASH = 8;
export const BUCKETS_PER_CHUNK = 65536;
/** Largest radius served by probing; above it a linear scan is cheaper (>= 11k probes). */
export const MAX_PROBE_RADIUS = 47;
/** Radius below which exactness is the design contract (MIH 16 x 16, one flip). */
export const GUARANTEED_RADIUS = 31;

export interface ProbePlan {
  readonly radius: number;
  /** P: some pair of chunks is within this distance of the query. */
  readonly pairLimit: number;
  /** A: the anchor chunk is within this distance; buckets probed per chunk. */
  readonly anchorRadius: number;
  /** XOR masks over a 16-bit chunk with popcount <= A, ordered by popcount. */
  readonly masks: Uint16Array;
  /** popcount of each mask: the anchor's exact distance for that bucket. */
  readonly maskBits: Uint8Array;
}

/** popcount of every 16-bit value; 64 KiB, used to test partner chunks. */
export const POP16: Uint8Array = (() => {
  const t = new Uint8Array(65536);
  for (let i = 1; i < 65536; i++) t[i] = (t[i >> 1] ?? 0) + (i & 1);
  return t;
})();

const plans: (ProbePlan | undefined)[] = [];

/** The probe plan for a radius, or null when the radius needs a linear scan. */
export function probePlan(radius: number): ProbePlan | null {
  if (radius > MAX_PROBE_RADIUS) return null;
  let plan = plans[radius];
  if (!plan) {
    plan = makePlan(radius);
    plans[radius] = plan;
  }
  return plan;
}

function makePlan(radius: number): ProbePlan {
  const pairLimit = Math.floor(radius / 8);
  const anchorRadius = Math.floor(pairLimit / 2);
  const masks: number[] = [];
  for (let bits = 0; bits <= anchorRadius; bits++) {
    for (let m = 0; m < 65536; m++) if (POP16[m] === bits) masks.push(m);
  }
  return {
    radius,
    pairLimit,
    anchorRadius,
    masks: Uint16Array.from(masks),
    maskBits: Uint8Array.from(masks, (m) => POP16[m]!),
  };
}

/**
 * Hamming distance between the stored hash at words[off..off+8) and q, or -1
 * once it exceeds limit. The early exit after 128 bits rejects random hashes
 * (about 64 bits apart there) after half the work.
 */
export function distanceWithin(words: Uint32Array, off: number, q: Uint32Array, limit: number): number {
  let d =
    popcount32(words[off]! ^ q[0]!) +
    popcount32(words[off + 1]! ^ q[1]!) +
    popcount32(words[off + 2]! ^ q[2]!) +
    popcount32(words[off + 3]! ^ q[3]!);
  if (d > limit) return -1;
  d +=
    popcount32(words[off + 4]! ^ q[4]!) +
    popcount32(words[off + 5]! ^ q[5]!) +
    popcount32(words[off + 6]! ^ q[6]!) +
    popcount32(words[off + 7]! ^ q[7]!);
  return d > limit ? -1 : d;
}

/** The canonical chunk of a match (see the file comment), or -1 if it has none. */
export function canonicalChunk(words: Uint32Array, off: number, q: Uint32Array, plan: ProbePlan): number {
  const { anchorRadius, pairLimit } = plan;
  for (let w = 0; w < WORDS_PER_HASH; w++) {
    const x = words[off + w]! ^ q[w]!;
    const high = POP16[x >>> 16]!;
    const low = POP16[x & 0xffff]!;
    if (high + low > pairLimit) continue;
    if (high <= anchorRadius) return 2 * w;
    if (low <= anchorRadius) return 2 * w + 1;
  }
  return -1;
}

/** Key (16 bits) of chunk c of the hash whose word (c >> 1) is `word`. */
export function chunkKey(word: number, chunk: number): number {
  return (chunk & 1) === 0 ? word >>> 16 : word & 0xffff;
}

/** The other chunk of the same word: the partner stored beside each posting. */
export function partnerKey(word: number, chunk: number): number {
  return (chunk & 1) === 0 ? word & 0xffff : word >>> 16;
}

/** Receives each match once; segments call it only for verified matches. */
export interface MatchSink {
  add(id: number, distance: number): void;
}
