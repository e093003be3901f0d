/**
 * Signal-id bookkeeping over typed arrays: the ascending order used by the
 * bulk-built segment (so id lookups are a binary search and cost no memory)
 * and a small open-addressing table for the mutable delta.
 */
import { checkId } from './hash-input.js';

const TWO_32 = 4294967296;

export interface IdSort {
  /** order[s] = index of the s-th smallest id. */
  order: Uint32Array;
  sortedIds: Float64Array;
}

/**
 * Permutation that sorts ids ascending (and the sorted ids), or null when they already are.
 * LSD radix sort on bytes that carries the keys along with the item, so every
 * pass reads sequentially and scatters into only 256 streams (cache- and
 * TLB-friendly at 10M ids); bytes where all ids agree are skipped. Throws on
 * a duplicate id.
 */
export function sortIds(ids: ArrayLike<number>): IdSort | null {
  const n = ids.length;
  let ascending = true;
  for (let i = 0; i < n; i++) {
    checkId(ids[i]!);
    if (i > 0 && ids[i]! <= ids[i - 1]!) ascending = false;
  }
  if (ascending) return null;
  let cur = { lo: new Uint32Array(n), hi: new Uint32Array(n), item: new Uint32Array(n) };
  let spare = { lo: new Uint32Array(n), hi: new Uint32Array(n), item: new Uint32Array(n) };
  for (let i = 0; i < n; i++) {
    cur.lo[i] = ids[i]! >>> 0;
    cur.hi[i] = Math.floor(ids[i]! / TWO_32);
    cur.item[i] = i;
  }
  const counts = new Uint32Array(256);
  // ids < 2^53: 4 bytes of the low word, 3 of the high word
  for (let pass = 0; pass < 7; pass++) {
    if (radixPass(cur, spare, pass < 4 ? 'lo' : 'hi', 8 * (pass % 4), counts)) [cur, spare] = [spare, cur];
  }
  for (let i = 1; i < n; i++) {
    if (cur.lo[i] === cur.lo[i - 1] && cur.hi[i] === cur.hi[i - 1]) {
      throw new RangeError(`duplicate signal id ${ids[cur.item[i]!]}`);
    }
  }
  const sortedIds = new Float64Array(n);
  for (let i = 0; i < n; i++) sortedIds[i] = cur.hi[i]! * TWO_32 + cur.lo[i]!;
  return { order: cur.item, sortedIds };
}

interface Columns {
  lo: Uint32Array;
  hi: Uint32Array;
  item: Uint32Array;
}

/** One stable counting pass on a byte of `key`, from `from` into `to`; false if it was a no-op. */
function radixPass(from: Columns, to: Columns, key: 'lo' | 'hi', shift: number, counts: Uint32Array): boolean {
  const keys = from[key];
  const n = keys.length;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[(keys[i]! >>> shift) & 255]!++;
  if (counts[(keys[0]! >>> shift) & 255] === n) return false;
  let sum = 0;
  for (let d = 0; d < 256; d++) {
    const c = counts[d]!;
    counts[d] = sum;
    sum += c;
  }
  for (let i = 0; i < n; i++) {
    const p = counts[(keys[i]! >>> shift) & 255]!++;
    to.lo[p] = from.lo[i]!;
    to.hi[p] = from.hi[i]!;
    to.item[p] = from.item[i]!;
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

const GROUP_BITS = 16;

/**
 * Rows (8 words each) rearranged so that out row s = src row order[s].
 * A direct gather takes a cache and TLB miss per row at 10M rows, so rows are
 * first grouped by destination (sequential reads, one write stream per 65536
 * destination rows), then placed within each 2 MiB group.
 */
export function permuteRows(src: Uint32Array, order: Uint32Array): Uint32Array {
  const n = order.length;
  const rank = new Uint32Array(n);
  for (let s = 0; s < n; s++) rank[order[s]!] = s;
  const groups = (n >>> GROUP_BITS) + 1;
  const cursor = new Uint32Array(groups);
  for (let i = 0; i < n; i++) cursor[rank[i]! >>> GROUP_BITS]!++;
  for (let g = 0, sum = 0; g < groups; g++) {
    const c = cursor[g]!;
    cursor[g] = sum;
    sum += c;
  }
  const grouped = new Uint32Array(src.length);
  const groupedRank = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const p = cursor[rank[i]! >>> GROUP_BITS]!++;
    groupedRank[p] = rank[i]!;
    for (let w = 0; w < 8; w++) grouped[8 * p + w] = src[8 * i + w]!;
  }
  const out = new Uint32Array(src.length);
  for (let p = 0; p < n; p++) {
    const s = groupedRank[p]!;
    for (let w = 0; w < 8; w++) out[8 * s + w] = grouped[8 * p + w]!;
  }
  return out;
}
