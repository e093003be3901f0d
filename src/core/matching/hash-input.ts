/**
 * Accepted forms of a 256-bit hash and of signal ids, normalised once at the
 * index boundary so the hot loops only ever see 8 uint32 words.
 */
import { HASH256_BYTES, hash256ToWords, hexToHash256, InvalidHashError } from '../hash256.js';
import { WORDS_PER_HASH } from './probe-plan.js';

/** 32 big-endian bytes, 8 uint32 words (hash256ToWords order) or 64 hex digits. */
export type Hash256Input = Uint8Array | Uint32Array | string;

/** Writes the hash into out[offset..offset+8) as words. */
export function hashToWords(hash: Hash256Input, out = new Uint32Array(WORDS_PER_HASH), offset = 0): Uint32Array {
  if (typeof hash === 'string') return hash256ToWords(hexToHash256(hash), out, offset);
  if (hash instanceof Uint32Array) {
    if (hash.length !== WORDS_PER_HASH) throw new InvalidHashError(`expected 8 words, got ${hash.length}`);
    out.set(hash, offset);
    return out;
  }
  if (hash instanceof Uint8Array && hash.length === HASH256_BYTES) return hash256ToWords(hash, out, offset);
  throw new InvalidHashError('expected a 256-bit hash as 32 bytes, 8 uint32 words or 64 hex digits');
}

/**
 * Bulk hashes: packed words (8 per hash), packed bytes (32 per hash) or a list
 * of single hashes. Returns packed words, copying only when needed.
 */
export function bulkToWords(hashes: Uint32Array | Uint8Array | readonly Hash256Input[], count: number): Uint32Array {
  if (hashes instanceof Uint32Array) {
    expectLength(hashes.length, WORDS_PER_HASH * count, 'words');
    return hashes;
  }
  const out = new Uint32Array(WORDS_PER_HASH * count);
  if (hashes instanceof Uint8Array) {
    expectLength(hashes.length, HASH256_BYTES * count, 'bytes');
    for (let i = 0; i < count; i++) {
      hash256ToWords(hashes.subarray(HASH256_BYTES * i, HASH256_BYTES * (i + 1)), out, WORDS_PER_HASH * i);
    }
    return out;
  }
  expectLength(hashes.length, count, 'hashes');
  for (let i = 0; i < count; i++) hashToWords(hashes[i]!, out, WORDS_PER_HASH * i);
  return out;
}

function expectLength(actual: number, expected: number, what: string): void {
  if (actual !== expected) throw new RangeError(`expected ${expected} ${what} for the given ids, got ${actual}`);
}

/** Signal ids are non-negative safe integers (database ids up to 2^53). */
export function checkId(id: number): void {
  if (!Number.isSafeInteger(id) || id < 0) {
    throw new RangeError(`signal id must be a non-negative safe integer, got ${String(id)}`);
  }
}

export function checkRadius(radius: number): void {
  if (!Number.isInteger(radius) || radius < 0 || radius > 256) {
    throw new RangeError(`radius must be an integer in 0..256, got ${String(radius)}`);
  }
}
