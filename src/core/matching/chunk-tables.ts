/**
 * Bulk construction of the 16 chunk tables (CSR posting lists) of a base segment.
 *
 * Each table is a counting sort of all rows by one 16-bit chunk. A direct
 * 65536-way scatter misses the cache on nearly every write at 10M rows, so it
 * is done in two stable passes: rows are first grouped by the key's high byte
 * (256 write streams), then each group, whose postings span only ~1/256 of the
 * output, is scattered to its final buckets.
 */
import { BUCKETS_PER_CHUNK, chunkKey, partnerKey, WORDS_PER_HASH } from './probe-plan.js';

export interface ChunkTable {
  /** Bucket b's postings are [offsets[b], offsets[b + 1]). */
  readonly offsets: Uint32Array;
  /** The other 16 bits of the same word, checked before reading the row (even length: padded). */
  readonly partners: Uint16Array;
  /** The same memory seen as pairs of postings, so the filter tests two per step. */
  readonly partnerPairs: Uint32Array;
  /** Row slot = slotHigh * 65536 + slotLow: 3 B up to 16.7M rows. */
  readonly slotLow: Uint16Array;
  readonly slotHigh: Uint8Array | Uint16Array;
}

/** Scratch reused across the 16 tables of one build. */
interface Scratch {
  column: Uint32Array;
  groupedWord: Uint32Array;
  groupedSlot: Uint32Array;
}

/** Tables for chunks 0..15 of n rows stored as 8 words each (rows in slot order). */
export function buildChunkTables(words: Uint32Array, n: number): ChunkTable[] {
  const scratch: Scratch = {
    column: new Uint32Array(n),
    groupedWord: new Uint32Array(n),
    groupedSlot: new Uint32Array(n),
  };
  const tables: ChunkTable[] = [];
  for (let w = 0; w < WORDS_PER_HASH; w++) {
    // Both chunks of word w come from one strided pass over the rows.
    const high = new Uint32Array(BUCKETS_PER_CHUNK + 1);
    const low = new Uint32Array(BUCKETS_PER_CHUNK + 1);
    for (let s = 0; s < n; s++) {
      const word = words[s * WORDS_PER_HASH + w]!;
      scratch.column[s] = word;
      high[(word >>> 16) + 1]!++;
      low[(word & 0xffff) + 1]!++;
    }
    tables.push(buildTable(2 * w, toOffsets(high), n, scratch), buildTable(2 * w + 1, toOffsets(low), n, scratch));
  }
  return tables;
}

/** Counts shifted by one -> bucket start offsets, in place. */
function toOffsets(counts: Uint32Array): Uint32Array {
  for (let b = 0; b < BUCKETS_PER_CHUNK; b++) counts[b + 1]! += counts[b]!;
  return counts;
}

function buildTable(c: number, offsets: Uint32Array, n: number, scratch: Scratch): ChunkTable {
  const { column, groupedWord, groupedSlot } = scratch;
  // Pass 1: group by the key's high byte, keeping row order.
  const groupCursor = new Uint32Array(256);
  for (let h = 0; h < 256; h++) groupCursor[h] = offsets[h << 8]!;
  for (let s = 0; s < n; s++) {
    const word = column[s]!;
    const g = groupCursor[chunkKey(word, c) >>> 8]!++;
    groupedWord[g] = word;
    groupedSlot[g] = s;
  }
  // Pass 2: within each group, scatter to the final bucket (still stable).
  const partners = new Uint16Array(n + (n & 1));
  const slotLow = new Uint16Array(n);
  const slotHigh = n <= 1 << 24 ? new Uint8Array(n) : new Uint16Array(n);
  const cursor = offsets.slice(0, BUCKETS_PER_CHUNK);
  for (let g = 0; g < n; g++) {
    const word = groupedWord[g]!;
    const p = cursor[chunkKey(word, c)]!++;
    const slot = groupedSlot[g]!;
    partners[p] = partnerKey(word, c);
    slotLow[p] = slot & 0xffff;
    slotHigh[p] = slot >>> 16;
  }
  const partnerPairs = new Uint32Array(partners.buffer, partners.byteOffset, partners.length >>> 1);
  return { offsets, partners, partnerPairs, slotLow, slotHigh };
}
