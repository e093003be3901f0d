/** Matching: exact Hamming-radius index for 256-bit hashes, exact digest lookup. */
export { type DigestKind, ExactDigestIndex } from './exact-index.js';
export { HammingIndex, type HammingIndexOptions, type HammingIndexStats, type HammingMatch } from './hamming-index.js';
export type { Hash256Input } from './hash-input.js';
export { GUARANTEED_RADIUS, MAX_PROBE_RADIUS } from './probe-plan.js';
