/** Channel lineage, the pure part: MinHash signatures, LSH banding, set measures and the combined score. */
export * from './lsh.js';
export * from './minhash.js';
export * from './score.js';
export * from './sets.js';
