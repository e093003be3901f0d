/**
 * vPDQ video matching: two videos are compared as unordered bags of frame
 * hashes. A frame "matches" when some frame of the other video lies within
 * the PDQ distance threshold; the result is the percentage of each video's
 * frames that match.
 *
 * Defaults follow python-threatexchange (what HMA runs): quality >= 50,
 * distance <= 31, and a match when query% >= 80 (compared% >= 0). The vpdq
 * README's pseudocode instead suggests compared% >= 80 and query% >= 0; both
 * thresholds are options. The reference C++ brute matcher differs in two
 * small ways we do not copy: it uses distance < 31 and does not dedupe.
 */
import { HASH256_BYTES, hammingDistanceWords, hash256ToWords } from '../hash256.js';
import type { VpdqFeature } from './feature.js';

export const VPDQ_QUALITY_THRESHOLD = 50;
export const VPDQ_DISTANCE_THRESHOLD = 31;
export const VPDQ_QUERY_MATCH_THRESHOLD_PERCENT = 80;
export const VPDQ_COMPARE_MATCH_THRESHOLD_PERCENT = 0;

export interface VpdqMatchOptions {
  /** Frames with quality below this are ignored (default 50). */
  readonly qualityThreshold?: number;
  /** Two frames match at Hamming distance <= this (default 31). */
  readonly distanceThreshold?: number;
  /** Minimum % of the query's frames found in the compared video (default 80). */
  readonly queryMatchThresholdPercent?: number;
  /** Minimum % of the compared video's frames found in the query (default 0). */
  readonly compareMatchThresholdPercent?: number;
}

export interface VpdqMatchResult {
  /** % of the query's unique, good-quality frames with a match in the compared video. */
  readonly queryMatchPercent: number;
  /** % of the compared video's unique, good-quality frames with a match in the query. */
  readonly compareMatchPercent: number;
  readonly isMatch: boolean;
  /** Frames left after the quality filter and dedupe (the percentages' denominators). */
  readonly queryFrames: number;
  readonly compareFrames: number;
}

/**
 * Drops low-quality frames, then repeated hashes (first occurrence kept).
 * Filtering first keeps a hash that occurs with both a low and a good
 * quality; python-threatexchange's index does the same (its brute matcher
 * dedupes first, which differs only in that rare case).
 */
export function prepareVpdqFeatures(
  features: readonly VpdqFeature[],
  qualityThreshold = VPDQ_QUALITY_THRESHOLD,
): VpdqFeature[] {
  const seen = new Set<string>();
  const out: VpdqFeature[] = [];
  for (const f of features) {
    if (f.quality < qualityThreshold || seen.has(f.hex)) continue;
    seen.add(f.hex);
    out.push(f);
  }
  return out;
}

/** Packs hashes as 8 uint32 words each, the layout the Hamming kernels take. */
export function packVpdqHashes(features: readonly VpdqFeature[]): Uint32Array {
  const words = new Uint32Array(features.length * 8);
  features.forEach((f, i) => {
    if (f.hash.length !== HASH256_BYTES) throw new RangeError(`feature ${i} has a ${f.hash.length}-byte hash`);
    hash256ToWords(f.hash, words, i * 8);
  });
  return words;
}

/** How many of `a`'s hashes lie within `maxDistance` of at least one of `b`'s. */
function countMatched(a: Uint32Array, b: Uint32Array, maxDistance: number): number {
  const na = a.length >> 3;
  const nb = b.length >> 3;
  let matched = 0;
  for (let i = 0; i < na; i++) {
    const ia = i << 3;
    for (let j = 0; j < nb; j++) {
      if (hammingDistanceWords(a, ia, b, j << 3) <= maxDistance) {
        matched++;
        break;
      }
    }
  }
  return matched;
}

/** Compares two videos pairwise (O(n*m)); the reference brute-force matcher. */
export function matchVpdqBrute(
  query: readonly VpdqFeature[],
  compared: readonly VpdqFeature[],
  options: VpdqMatchOptions = {},
): VpdqMatchResult {
  const quality = options.qualityThreshold ?? VPDQ_QUALITY_THRESHOLD;
  const distance = options.distanceThreshold ?? VPDQ_DISTANCE_THRESHOLD;
  const q = packVpdqHashes(prepareVpdqFeatures(query, quality));
  const c = packVpdqHashes(prepareVpdqFeatures(compared, quality));
  const queryFrames = q.length >> 3;
  const compareFrames = c.length >> 3;
  // Upstream divides by zero here; an empty side simply matches nothing.
  if (queryFrames === 0 || compareFrames === 0) {
    return { queryMatchPercent: 0, compareMatchPercent: 0, isMatch: false, queryFrames, compareFrames };
  }
  const queryMatchPercent = (countMatched(q, c, distance) * 100) / queryFrames;
  const compareMatchPercent = (countMatched(c, q, distance) * 100) / compareFrames;
  return {
    queryMatchPercent,
    compareMatchPercent,
    isMatch: isVpdqMatch(queryMatchPercent, compareMatchPercent, options),
    queryFrames,
    compareFrames,
  };
}

/** The match decision from the two percentages (shared with index-based matching). */
export function isVpdqMatch(
  queryMatchPercent: number,
  compareMatchPercent: number,
  options: VpdqMatchOptions = {},
): boolean {
  return (
    queryMatchPercent >= (options.queryMatchThresholdPercent ?? VPDQ_QUERY_MATCH_THRESHOLD_PERCENT) &&
    compareMatchPercent >= (options.compareMatchThresholdPercent ?? VPDQ_COMPARE_MATCH_THRESHOLD_PERCENT)
  );
}
