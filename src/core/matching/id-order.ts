/**
 * Signal-id bookkeeping over typed arrays: the ascending order used by the
 * bulk-built segment (so id lookups are a binary search and cost no memory)
 * and a small open-addressing table for the mutable delta.
 */
import { checkId } from './hash-input.js';

const TWO_32 = 4294967296;

/**
 * Permutation that sorts ids ascending, or null when they already are.
 * LSD radix sort on 16-bit digits (ids < 2^53 need at most 4 passes; passes
 * where every id shares the digit are skipped). Throws on a duplicate id.
 */
export function ascendingIdOrder(ids: ArrayLike<number>): Uint32Array | null {
  const n = ids.length;
  let ascending = true;
  for (let i = 0; i < n; i++) {
    checkId(ids[i]!);
    if (i > 0 && ids[i]! <= ids[i - 1]!) ascending = false;
  }
  if (ascending) return null;
  const lo = new Uint32Array(n);
  const hi = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    lo[i] = ids[i]! >>> 0;
    hi[i] = Math.floor(ids[i]! / TWO_32);
  }
  let perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  let spare = new Uint32Array(n);
  const counts = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const keys = pass < 2 ? lo : hi;
    const shift = (pass & 1) * 16;
    if (radixPass(perm, spare, keys, shift, counts)) [perm, spare] = [spare, perm];
  }
  for (let i = 1; i < n; i++) {
    if (ids[perm[i]!] === ids[perm[i - 1]!]) throw new RangeError(`duplicate signal id ${ids[perm[i]!]}`);
  }
  return perm;
}

/** One stable counting pass from `from` into `to`; false if it was a no-op. */
function radixPass(from: Uint32Array, to: Uint32Array, keys: Uint32Array, shift: number, counts: Uint32Array): boolean {
  const n = from.length;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[(keys[i]! >>> shift) & 0xffff]!++;
  if (counts[(keys[0]! >>> shift) & 0xffff] === n) return false;
  let sum = 0;
  for (let d = 0; d < 65536; d++) {
    const c = counts[d]!;
    counts[d] = sum;
    sum += c;
  }
  for (let i = 0; i < n; i++) {
    const item = from[i]!;
    to[counts[(keys[item]! >>> shift) & 0xffff]!++] = item;
  }
  return true;
}

const EMPTY = -1;

/** id -> non-negative int32, open addressing with linear probing. */
export class IdTable {
  private keys: Float64Array;
  private values: Int32Array;
  private mask: number;
  private count = 0;

  constructor(capacity = 16) {
    let cap = 16;
    while (cap < 2 * capacity) cap *= 2;
    this.keys = new Float64Array(cap).fill(EMPTY);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  get byteLength(): number {
    return this.keys.byteLength + this.values.byteLength;
  }

  /** The value stored for id, or -1. */
  get(id: number): number {
    const i = this.find(id);
    return i < 0 ? -1 : this.values[i]!;
  }

  set(id: number, value: number): void {
    let i = home(id, this.mask);
    while (this.keys[i] !== EMPTY && this.keys[i] !== id) i = (i + 1) & this.mask;
    if (this.keys[i] === EMPTY) {
      if (2 * (this.count + 1) > this.keys.length) {
        this.grow();
        this.set(id, value);
        return;
      }
      this.keys[i] = id;
      this.count++;
    }
    this.values[i] = value;
  }

  /** Removes id; backward-shift deletion keeps probe chains intact without tombstones. */
  delete(id: number): boolean {
    let i = this.find(id);
    if (i < 0) return false;
    const { keys, values, mask } = this;
    for (let j = (i + 1) & mask; keys[j] !== EMPTY; j = (j + 1) & mask) {
      const k = home(keys[j]!, mask);
      if (((j - k) & mask) >= ((j - i) & mask)) {
        keys[i] = keys[j]!;
        values[i] = values[j]!;
        i = j;
      }
    }
    keys[i] = EMPTY;
    this.count--;
    return true;
  }

  private find(id: number): number {
    for (let i = home(id, this.mask); ; i = (i + 1) & this.mask) {
      const k = this.keys[i];
      if (k === id) return i;
      if (k === EMPTY) return -1;
    }
  }

  private grow(): void {
    const { keys, values } = this;
    this.keys = new Float64Array(2 * keys.length).fill(EMPTY);
    this.values = new Int32Array(2 * keys.length);
    this.mask = this.keys.length - 1;
    this.count = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) this.set(keys[i]!, values[i]!);
  }
}

function home(id: number, mask: number): number {
  const lo = id >>> 0;
  const hi = Math.floor(id / TWO_32);
  let h = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1);
  h ^= h >>> 15;
  return h & mask;
}
