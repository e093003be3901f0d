/**
 * Exact in-memory index of 256-bit hashes (PDQ) by Hamming distance.
 *
 * Multi-index hashing over 16 chunks of 16 bits (probe-plan.ts explains the
 * exactness argument): a bulk-built, id-sorted base segment plus a small
 * mutable delta for inserts since the last compaction, and tombstones for
 * deletes. Radius 0..47 is answered by probing and is exact; a radius of 48 or
 * more falls back to an exact linear scan (slower, still correct).
 *
 * Pure TypeScript over typed arrays: no Node APIs, runs in the browser too.
 */
import { wordsToHash256 } from '../hash256.js';
import { BaseSegment } from './base-segment.js';
import { DeltaSegment } from './delta-segment.js';
import { bulkToWords, checkId, checkRadius, type Hash256Input, hashToWords } from './hash-input.js';
import { permuteRows, sortIds } from './id-order.js';
import { type MatchSink, probePlan, WORDS_PER_HASH } from './probe-plan.js';

export type { Hash256Input } from './hash-input.js';

export interface HammingMatch {
  readonly id: number;
  readonly distance: number;
}

export interface HammingIndexOptions {
  /** Compact when pending changes (delta rows + deleted base rows) reach this fraction of the base. Default 1/64. */
  compactFraction?: number;
  /** ...and at least this many. Default 4096. */
  minCompactRows?: number;
  /** Compact automatically after insert/delete. Default true; else call compact(). */
  autoCompact?: boolean;
}

export interface HammingIndexStats {
  size: number;
  baseRows: number;
  baseDeleted: number;
  deltaRows: number;
  /** Sum of the byteLength of every typed array the index holds. */
  byteLength: number;
}

export class HammingIndex {
  private base: BaseSegment | null = null;
  private delta = new DeltaSegment();
  private readonly compactFraction: number;
  private readonly minCompactRows: number;
  private readonly autoCompact: boolean;
  /** Scratch words for the query being served (queries never nest). */
  private readonly queryWords = new Uint32Array(WORDS_PER_HASH);

  constructor(options: HammingIndexOptions = {}) {
    this.compactFraction = options.compactFraction ?? 1 / 64;
    this.minCompactRows = options.minCompactRows ?? 4096;
    this.autoCompact = options.autoCompact ?? true;
  }

  /**
   * Replaces the whole content. hashes: packed words (8 per id), packed bytes
   * (32 per id) or one hash per id. Throws RangeError on a duplicate id.
   */
  build(ids: ArrayLike<number>, hashes: Uint32Array | Uint8Array | readonly Hash256Input[]): this {
    const n = ids.length;
    const packed = bulkToWords(hashes, n);
    const sorted = sortIds(ids);
    // The base keeps its rows, so never alias the caller's array.
    const rows = sorted ? permuteRows(packed, sorted.order) : packed === hashes ? packed.slice() : packed;
    this.base = n > 0 ? BaseSegment.fromSortedRows(sorted ? sorted.sortedIds : ids, rows) : null;
    this.delta = new DeltaSegment();
    return this;
  }

  get size(): number {
    return (this.base?.live ?? 0) + this.delta.live;
  }

  has(id: number): boolean {
    return this.delta.findLive(id) >= 0 || (this.base?.findLive(id) ?? -1) >= 0;
  }

  /** The stored hash as 32 bytes, or undefined. */
  get(id: number): Uint8Array | undefined {
    const d = this.delta.findLive(id);
    if (d >= 0) return wordsToHash256(this.delta.words, d * WORDS_PER_HASH);
    const b = this.base?.findLive(id) ?? -1;
    return b >= 0 && this.base ? wordsToHash256(this.base.words, b * WORDS_PER_HASH) : undefined;
  }

  /** Adds or replaces the hash of a signal id. */
  insert(id: number, hash: Hash256Input): void {
    checkId(id);
    const words = hashToWords(hash);
    this.remove(id);
    this.delta.insert(id, words);
    this.maybeCompact();
  }

  /** Removes a signal id; false if it was not present. */
  delete(id: number): boolean {
    const removed = this.remove(id);
    if (removed) this.maybeCompact();
    return removed;
  }

  /** Every stored hash within `radius` bits, sorted by distance then id. */
  query(hash: Hash256Input, radius: number): HammingMatch[] {
    checkRadius(radius);
    const sink = new ListSink();
    this.searchInto(hashToWords(hash, this.queryWords), radius, sink);
    return sink.matches.sort(byDistanceThenId);
  }

  /** Best distance per id over several hashes of one image (its 8 dihedral variants). */
  queryDihedral(hashes: readonly Hash256Input[], radius: number): HammingMatch[] {
    checkRadius(radius);
    if (hashes.length === 0) throw new RangeError('queryDihedral needs at least one hash');
    const sink = new MinSink();
    for (const hash of hashes) this.searchInto(hashToWords(hash, this.queryWords), radius, sink);
    return [...sink.best].map(([id, distance]) => ({ id, distance })).sort(byDistanceThenId);
  }

  /** Merges the delta and drops deleted rows: one rebuild of the base segment. */
  compact(): void {
    const total = this.size;
    const { ids, rows } = mergeLiveRows(this.base, this.delta, total);
    this.base = total > 0 ? BaseSegment.fromSortedRows(ids, rows) : null;
    this.delta = new DeltaSegment();
  }

  stats(): HammingIndexStats {
    return {
      size: this.size,
      baseRows: this.base?.rows ?? 0,
      baseDeleted: this.base?.deleted ?? 0,
      deltaRows: this.delta.rows,
      byteLength: (this.base?.byteLength ?? 0) + this.delta.byteLength,
    };
  }

  private remove(id: number): boolean {
    if (this.delta.delete(id)) return true;
    const slot = this.base?.findLive(id) ?? -1;
    if (slot < 0 || !this.base) return false;
    this.base.kill(slot);
    return true;
  }

  private searchInto(q: Uint32Array, radius: number, sink: MatchSink): void {
    const plan = probePlan(radius);
    if (plan) {
      this.base?.search(q, plan, sink);
      this.delta.search(q, plan, sink);
    } else {
      this.base?.scan(q, radius, sink);
      this.delta.scan(q, radius, sink);
    }
  }

  private maybeCompact(): void {
    if (!this.autoCompact) return;
    const baseRows = this.base?.rows ?? 0;
    const pending = this.delta.rows + (this.base?.deleted ?? 0);
    if (pending >= this.minCompactRows && pending >= this.compactFraction * baseRows) this.compact();
  }
}

class ListSink implements MatchSink {
  readonly matches: HammingMatch[] = [];
  add(id: number, distance: number): void {
    this.matches.push({ id, distance });
  }
}

class MinSink implements MatchSink {
  readonly best = new Map<number, number>();
  add(id: number, distance: number): void {
    const prev = this.best.get(id);
    if (prev === undefined || distance < prev) this.best.set(id, distance);
  }
}

/** Live rows of both segments in ascending id order (base ids ascend; delta ids are sorted here). */
function mergeLiveRows(base: BaseSegment | null, delta: DeltaSegment, total: number) {
  const ids = new Float64Array(total);
  const rows = new Uint32Array(total * WORDS_PER_HASH);
  const fromDelta: number[] = [];
  delta.forEachLive((slot) => fromDelta.push(slot));
  fromDelta.sort((a, b) => delta.ids[a]! - delta.ids[b]!);
  let k = 0;
  let j = 0;
  const takeDeltaBelow = (limit: number) => {
    for (; j < fromDelta.length && delta.ids[fromDelta[j]!]! < limit; j++, k++) {
      ids[k] = delta.ids[fromDelta[j]!]!;
      copyRow(delta.words, fromDelta[j]!, rows, k);
    }
  };
  base?.forEachLive((slot) => {
    takeDeltaBelow(base.ids[slot]!);
    ids[k] = base.ids[slot]!;
    copyRow(base.words, slot, rows, k++);
  });
  takeDeltaBelow(Number.POSITIVE_INFINITY);
  return { ids, rows };
}

function copyRow(from: Uint32Array, fromSlot: number, to: Uint32Array, toSlot: number): void {
  const a = fromSlot * WORDS_PER_HASH;
  const b = toSlot * WORDS_PER_HASH;
  for (let w = 0; w < WORDS_PER_HASH; w++) to[b + w] = from[a + w]!;
}

function byDistanceThenId(a: HammingMatch, b: HammingMatch): number {
  return a.distance - b.distance || a.id - b.id;
}
