/**
 * The bulk-built, immutable part of the index (rows sorted by signal id).
 *
 * Memory per hash: 32 B hash words + 4 B id (8 B once any id >= 2^32)
 * + 16 chunk tables x (2 B partner chunk + 3 B slot) = 116 B, plus 16 x 256 KiB
 * bucket offsets and a 1-bit tombstone. The partner chunk beside each posting
 * is what makes radius-31 queries fast (see probe-plan.ts); the slot is split
 * into a 16-bit low and an 8-bit high array so 3 B cover 16.7M rows (a 16-bit
 * high array takes over beyond that).
 */
import { type SearchableRows, SearchScratch } from './base-search.js';
import { buildChunkTables, type ChunkTable } from './chunk-tables.js';
import { distanceWithin, type MatchSink, type ProbePlan, WORDS_PER_HASH } from './probe-plan.js';

export class BaseSegment implements SearchableRows {
  /** Rows, deleted ones included. */
  readonly rows: number;
  private liveRows: number;
  readonly words: Uint32Array;
  readonly ids: Float64Array | Uint32Array;
  private readonly dead: Uint32Array;
  readonly tables: readonly ChunkTable[];
  private readonly scratch = new SearchScratch();

  private constructor(ids: Float64Array | Uint32Array, words: Uint32Array, tables: ChunkTable[]) {
    this.rows = ids.length;
    this.liveRows = ids.length;
    this.ids = ids;
    this.words = words;
    this.tables = tables;
    this.dead = new Uint32Array(Math.ceil(ids.length / 32));
  }

  /** Builds the chunk tables by one counting sort per chunk; ids must ascend. */
  static fromSortedRows(ids: ArrayLike<number>, words: Uint32Array): BaseSegment {
    const n = ids.length;
    const compactIds = maxOf(ids) < 4294967296;
    const store = compactIds ? Uint32Array.from(ids) : Float64Array.from(ids);
    return new BaseSegment(store, words, buildChunkTables(words, n));
  }

  get live(): number {
    return this.liveRows;
  }

  get deleted(): number {
    return this.rows - this.liveRows;
  }

  /** Slot of a live row with this id, or -1 (binary search over sorted ids). */
  findLive(id: number): number {
    const ids = this.ids;
    let lo = 0;
    let hi = ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = ids[mid]!;
      if (v === id) return this.isLive(mid) ? mid : -1;
      if (v < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  isLive(slot: number): boolean {
    return (this.dead[slot >>> 5]! & (1 << (slot & 31))) === 0;
  }

  kill(slot: number): void {
    if (!this.isLive(slot)) return;
    this.dead[slot >>> 5]! |= 1 << (slot & 31);
    this.liveRows--;
  }

  /** Probes every chunk table per the plan; reports each live match once. */
  search(q: Uint32Array, plan: ProbePlan, sink: MatchSink): void {
    this.scratch.search(this, q, plan, sink);
  }

  /** Exact linear scan, for radii the probe plan does not cover. */
  scan(q: Uint32Array, radius: number, sink: MatchSink): void {
    for (let slot = 0; slot < this.rows; slot++) {
      const d = distanceWithin(this.words, slot * WORDS_PER_HASH, q, radius);
      if (d >= 0 && this.isLive(slot)) sink.add(this.ids[slot]!, d);
    }
  }

  /** Calls fn(slot) for each live row in ascending id order. */
  forEachLive(fn: (slot: number) => void): void {
    for (let slot = 0; slot < this.rows; slot++) if (this.isLive(slot)) fn(slot);
  }

  /** Sum of every typed array this segment holds. */
  get byteLength(): number {
    let bytes = this.words.byteLength + this.ids.byteLength + this.dead.byteLength;
    for (const t of this.tables) {
      bytes += t.offsets.byteLength + t.partners.byteLength + t.slotLow.byteLength + t.slotHigh.byteLength;
    }
    return bytes;
  }
}

function maxOf(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) if (values[i]! > max) max = values[i]!;
  return max;
}
