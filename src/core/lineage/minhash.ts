/**
 * MinHash signatures: a fixed-size summary of a set whose slot-by-slot agreement
 * with another signature estimates the Jaccard similarity of the two sets.
 *
 * Channel lineage compares a channel's media (MD5 and PDQ hex strings) with
 * every other channel's; storing each channel's 128 minima instead of its full
 * hash set keeps that comparison cheap at any channel size.
 *
 * The hash family is fixed and seeded: signatures computed today, stored in the
 * database, must agree with those computed next year by another process. Never
 * change SEED, the slot count or the mixing of a released version without
 * recomputing every stored signature (bump MINHASH_VERSION).
 *
 * Each element is hashed twice with MurmurHash3-style 32-bit hashing (two
 * seeds, so distinct elements effectively differ in 64 bits), and slot i takes
 * fmix32(h1 ^ a_i) ^ rotl(h2 ^ b_i): a cheap, well-mixed family that needs no
 * 64-bit arithmetic. Pure code, no Node APIs (browser-safe like the rest of core).
 */

/** Bump when the family changes: stored signatures of another version are recomputed, never compared. */
export const MINHASH_VERSION = 1;
export const MINHASH_SLOTS = 128;
const SEED = 0x5eed_1ea9;

/** MurmurHash3's finaliser: full avalanche of a 32-bit value. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** MurmurHash3 (x86, 32-bit) over the string's UTF-16 code units, two units per block. */
export function hashString32(text: string, seed: number): number {
  let h = seed >>> 0;
  const n = text.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    let k = (text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16)) >>> 0;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < n) {
    let k = text.charCodeAt(i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= n;
  return fmix32(h);
}

/** splitmix32: the per-slot constants come from the seed, reproducibly. */
function constants(seed: number, count: number): Uint32Array {
  const out = new Uint32Array(count);
  let state = seed | 0;
  for (let i = 0; i < count; i++) {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    out[i] = (z ^ (z >>> 16)) >>> 0;
  }
  return out;
}

export class MinHasher {
  private readonly a: Uint32Array;
  private readonly b: Uint32Array;

  constructor(readonly slots = MINHASH_SLOTS) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slots must be a positive integer, got ${slots}`);
    this.a = constants(SEED, slots);
    this.b = constants(SEED ^ 0x2545f491, slots);
  }

  /**
   * The signature of a set of strings. Duplicates do not change it. An empty set
   * has no minima: every slot stays 0xffffffff, and `isEmptySignature` says so.
   */
  signature(elements: Iterable<string>): Uint32Array {
    const sig = new Uint32Array(this.slots).fill(0xffffffff);
    for (const element of elements) {
      const h1 = hashString32(element, SEED);
      const h2 = hashString32(element, ~SEED);
      for (let i = 0; i < this.slots; i++) {
        const x = h2 ^ this.b[i]!;
        const v = (fmix32(h1 ^ this.a[i]!) ^ ((x << 11) | (x >>> 21))) >>> 0;
        if (v < sig[i]!) sig[i] = v;
      }
    }
    return sig;
  }
}

export function isEmptySignature(sig: Uint32Array): boolean {
  return sig.every((v) => v === 0xffffffff);
}

/** The share of slots where the signatures agree: an unbiased estimate of Jaccard similarity. */
export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) throw new RangeError(`signatures differ in length (${a.length} vs ${b.length})`);
  if (a.length === 0 || isEmptySignature(a) || isEmptySignature(b)) return 0;
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/** Little-endian bytes, the form stored in bytea. */
export function signatureToBytes(sig: Uint32Array): Uint8Array {
  const out = new Uint8Array(sig.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < sig.length; i++) view.setUint32(i * 4, sig[i]!, true);
  return out;
}

export function signatureFromBytes(bytes: Uint8Array): Uint32Array {
  if (bytes.length % 4 !== 0) throw new RangeError(`a signature is a multiple of 4 bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}
