/**
 * Radius search over a base segment, organised in batches for memory-level
 * parallelism.
 *
 * At 10M hashes a radius-31 query probes 272 buckets holding ~41k postings,
 * spread over ~1 GB. A straightforward loop stalls on one cache/TLB miss after
 * another (each bucket's first line, then each survivor's slot and row). Here
 * each kind of read is issued for the whole query first, as independent loads
 * the CPU can overlap (JS has no prefetch instruction, so a load whose value is
 * folded into a throwaway accumulator plays that role), and only then used.
 */
import type { ChunkTable } from './chunk-tables.js';
import {
  CHUNK_COUNT,
  canonicalChunk,
  chunkKey,
  distanceWithin,
  type MatchSink,
  POP16,
  type ProbePlan,
  partnerKey,
  WORDS_PER_HASH,
} from './probe-plan.js';

export interface SearchableRows {
  readonly words: Uint32Array;
  readonly ids: Float64Array | Uint32Array;
  readonly tables: readonly ChunkTable[];
  isLive(slot: number): boolean;
}

/** Postings per 64-byte cache line of a Uint16Array. */
const PARTNERS_PER_LINE = 32;

/** Reusable per-segment buffers, so a query allocates nothing. */
export class SearchScratch {
  private runStart = new Uint32Array(0);
  private runEnd = new Uint32Array(0);
  private runChunk = new Uint8Array(0);
  private runLimit = new Uint8Array(0);
  private candPos = new Uint32Array(256);
  private candChunk = new Uint8Array(256);
  private candSlot = new Uint32Array(256);
  /** Destination of the prefetching loads; kept so they are not optimised away. */
  touched = 0;

  search(rows: SearchableRows, q: Uint32Array, plan: ProbePlan, sink: MatchSink): void {
    const runs = this.collectRuns(rows.tables, q, plan);
    this.touchRuns(rows.tables, runs);
    const candidates = this.filterRuns(rows.tables, q, runs);
    this.resolveSlots(rows, candidates);
    this.verify(rows, q, plan, candidates, sink);
  }

  /**
   * Phase 1: bucket bounds for every probe (offset tables are small and hot).
   * No branch on the loaded bounds (empty runs are kept): a mispredicted
   * branch there would serialise the misses this loop is meant to overlap.
   */
  private collectRuns(tables: readonly ChunkTable[], q: Uint32Array, plan: ProbePlan): number {
    const { masks, maskBits, pairLimit } = plan;
    if (this.runStart.length < CHUNK_COUNT * masks.length) this.allocateRuns(CHUNK_COUNT * masks.length);
    let n = 0;
    for (let c = 0; c < CHUNK_COUNT; c++) {
      const offsets = tables[c]!.offsets;
      const qKey = chunkKey(q[c >>> 1]!, c);
      for (let m = 0; m < masks.length; m++) {
        const bucket = qKey ^ masks[m]!;
        this.runStart[n] = offsets[bucket]!;
        this.runEnd[n] = offsets[bucket + 1]!;
        this.runChunk[n] = c;
        this.runLimit[n] = pairLimit - maskBits[m]!;
        n++;
      }
    }
    return n;
  }

  /**
   * Phase 2: touch every cache line of every run, as independent loads, so
   * their misses overlap instead of stalling the filter one run at a time.
   */
  private touchRuns(tables: readonly ChunkTable[], runs: number): void {
    let acc = 0;
    for (let i = 0; i < runs; i++) {
      const partners = tables[this.runChunk[i]!]!.partners;
      const start = this.runStart[i]!;
      const end = this.runEnd[i]!;
      acc ^= partners[Math.min(start, partners.length - 1)]!;
      // first posting of each further line (assumes line-aligned buffers, true for large allocations)
      for (let p = (start | (PARTNERS_PER_LINE - 1)) + 1; p < end; p += PARTNERS_PER_LINE) acc ^= partners[p]!;
    }
    this.touched ^= acc;
  }

  /**
   * Phase 3: sequential partner check, two postings per step (SWAR popcount of
   * both 16-bit lanes); rejects ~99.7% of postings at radius 31 without
   * touching the rows. Lanes outside the run are re-checked one by one.
   */
  private filterRuns(tables: readonly ChunkTable[], q: Uint32Array, runs: number): number {
    let n = 0;
    for (let i = 0; i < runs; i++) {
      const c = this.runChunk[i]!;
      const { partners, partnerPairs } = tables[c]!;
      const qPartner = partnerKey(q[c >>> 1]!, c);
      const qPair = (qPartner | (qPartner << 16)) >>> 0;
      const limit = this.runLimit[i]!;
      // A lane count k <= limit iff k + (15 - limit) leaves bit 4 of the lane clear.
      const bias = (15 - limit) * 0x00010001;
      const start = this.runStart[i]!;
      const end = this.runEnd[i]!;
      for (let k = start >>> 1, last = (end + 1) >>> 1; k < last; k++) {
        let x = partnerPairs[k]! ^ qPair;
        x -= (x >>> 1) & 0x55555555;
        x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
        x = (x + (x >>> 4)) & 0x0f0f0f0f;
        x = (x + (x >>> 8)) & 0x001f001f;
        if (((x + bias) & 0x00100010) === 0x00100010) continue;
        n = this.keep(partners, 2 * k, start, end, qPartner, limit, c, n);
        n = this.keep(partners, 2 * k + 1, start, end, qPartner, limit, c, n);
      }
    }
    return n;
  }

  /** Records posting p as a candidate if it lies in the run and passes the check. */
  private keep(
    partners: Uint16Array,
    p: number,
    start: number,
    end: number,
    qPartner: number,
    limit: number,
    c: number,
    n: number,
  ): number {
    if (p < start || p >= end || POP16[partners[p]! ^ qPartner]! > limit) return n;
    if (n === this.candPos.length) this.growCandidates();
    this.candPos[n] = p;
    this.candChunk[n] = c;
    return n + 1;
  }

  /** Phase 4: posting -> row slot, then touch each row (independent loads again). */
  private resolveSlots(rows: SearchableRows, candidates: number): void {
    const { tables, words } = rows;
    for (let i = 0; i < candidates; i++) {
      const t = tables[this.candChunk[i]!]!;
      const p = this.candPos[i]!;
      this.candSlot[i] = t.slotHigh[p]! * 65536 + t.slotLow[p]!;
    }
    let acc = 0;
    for (let i = 0; i < candidates; i++) acc ^= words[this.candSlot[i]! * WORDS_PER_HASH]!;
    this.touched ^= acc;
  }

  /** Phase 5: full distance, liveness, and report from the canonical chunk only. */
  private verify(rows: SearchableRows, q: Uint32Array, plan: ProbePlan, candidates: number, sink: MatchSink): void {
    const { words, ids } = rows;
    for (let i = 0; i < candidates; i++) {
      const slot = this.candSlot[i]!;
      const off = slot * WORDS_PER_HASH;
      const d = distanceWithin(words, off, q, plan.radius);
      if (d < 0 || !rows.isLive(slot)) continue;
      if (canonicalChunk(words, off, q, plan) === this.candChunk[i]) sink.add(ids[slot]!, d);
    }
  }

  private allocateRuns(size: number): void {
    this.runStart = new Uint32Array(size);
    this.runEnd = new Uint32Array(size);
    this.runChunk = new Uint8Array(size);
    this.runLimit = new Uint8Array(size);
  }

  private growCandidates(): void {
    const size = this.candPos.length * 2;
    const pos = new Uint32Array(size);
    const chunk = new Uint8Array(size);
    pos.set(this.candPos);
    chunk.set(this.candChunk);
    this.candPos = pos;
    this.candChunk = chunk;
    this.candSlot = new Uint32Array(size);
  }
}
