/**
 * The mutable part of the index: hashes inserted since the last compaction.
 *
 * Each chunk table is a set of singly linked lists (one head per 16-bit bucket)
 * threaded through `next`, so an insert is O(16) with no rebuild. Chains are
 * cache-unfriendly, which is fine because the index compacts the delta into
 * the base segment once it passes a small fraction of the base.
 */
import { IdTable } from './id-order.js';
import {
  BUCKETS_PER_CHUNK,
  CHUNK_COUNT,
  canonicalChunk,
  chunkKey,
  distanceWithin,
  type MatchSink,
  type ProbePlan,
  WORDS_PER_HASH,
} from './probe-plan.js';

const NIL = -1;

export class DeltaSegment {
  /** Rows used, deleted ones included. */
  rows = 0;
  private liveRows = 0;
  words = new Uint32Array(0);
  ids = new Float64Array(0);
  private dead = new Uint8Array(0);
  private next = new Int32Array(0);
  /** Allocated on first insert: 16 x 65536 chain heads (4 MiB). */
  private heads: Int32Array | null = null;
  private readonly slots = new IdTable();

  get live(): number {
    return this.liveRows;
  }

  /** Slot of the live row with this id, or -1. */
  findLive(id: number): number {
    return this.slots.get(id);
  }

  isLive(slot: number): boolean {
    return this.dead[slot] === 0;
  }

  /** Appends a row; the caller guarantees the id is not live anywhere. */
  insert(id: number, hash: Uint32Array): void {
    if (this.rows === this.ids.length) this.grow();
    const heads = this.heads ?? this.allocateHeads();
    const slot = this.rows++;
    this.words.set(hash, slot * WORDS_PER_HASH);
    this.ids[slot] = id;
    this.dead[slot] = 0;
    for (let c = 0; c < CHUNK_COUNT; c++) {
      const head = c * BUCKETS_PER_CHUNK + chunkKey(hash[c >>> 1]!, c);
      this.next[slot * CHUNK_COUNT + c] = heads[head]!;
      heads[head] = slot;
    }
    this.slots.set(id, slot);
    this.liveRows++;
  }

  /** Tombstones the row; its space comes back at the next compaction. */
  delete(id: number): boolean {
    const slot = this.slots.get(id);
    if (slot < 0) return false;
    this.slots.delete(id);
    this.dead[slot] = 1;
    this.liveRows--;
    return true;
  }

  search(q: Uint32Array, plan: ProbePlan, sink: MatchSink): void {
    const heads = this.heads;
    if (!heads || this.liveRows === 0) return;
    const { masks } = plan;
    for (let c = 0; c < CHUNK_COUNT; c++) {
      const qKey = chunkKey(q[c >>> 1]!, c);
      for (let m = 0; m < masks.length; m++) {
        let slot = heads[c * BUCKETS_PER_CHUNK + (qKey ^ masks[m]!)]!;
        for (; slot !== NIL; slot = this.next[slot * CHUNK_COUNT + c]!) this.verify(slot, c, q, plan, sink);
      }
    }
  }

  private verify(slot: number, c: number, q: Uint32Array, plan: ProbePlan, sink: MatchSink): void {
    if (this.dead[slot] !== 0) return;
    const off = slot * WORDS_PER_HASH;
    const d = distanceWithin(this.words, off, q, plan.radius);
    if (d >= 0 && canonicalChunk(this.words, off, q, plan) === c) sink.add(this.ids[slot]!, d);
  }

  scan(q: Uint32Array, radius: number, sink: MatchSink): void {
    for (let slot = 0; slot < this.rows; slot++) {
      if (this.dead[slot] !== 0) continue;
      const d = distanceWithin(this.words, slot * WORDS_PER_HASH, q, radius);
      if (d >= 0) sink.add(this.ids[slot]!, d);
    }
  }

  forEachLive(fn: (slot: number) => void): void {
    for (let slot = 0; slot < this.rows; slot++) if (this.dead[slot] === 0) fn(slot);
  }

  get byteLength(): number {
    return (
      this.words.byteLength +
      this.ids.byteLength +
      this.dead.byteLength +
      this.next.byteLength +
      (this.heads?.byteLength ?? 0) +
      this.slots.byteLength
    );
  }

  private allocateHeads(): Int32Array {
    this.heads = new Int32Array(CHUNK_COUNT * BUCKETS_PER_CHUNK).fill(NIL);
    return this.heads;
  }

  private grow(): void {
    const cap = Math.max(64, this.ids.length * 2);
    this.words = resized(this.words, new Uint32Array(cap * WORDS_PER_HASH));
    this.ids = resized(this.ids, new Float64Array(cap));
    this.dead = resized(this.dead, new Uint8Array(cap));
    this.next = resized(this.next, new Int32Array(cap * CHUNK_COUNT));
  }
}

function resized<T extends Uint32Array | Float64Array | Uint8Array | Int32Array>(from: T, to: T): T {
  to.set(from as never);
  return to;
}
