/**
 * The tamper-evident evidence log: an RFC 6962 Merkle log of capture records and
 * custody events with Ed25519-signed tree heads and optional RFC 3161 timestamps.
 *
 * Verification needs no database: merkle.ts (verifyInclusion, verifyConsistency),
 * leaf.ts (evidenceLeafHash), tree-head.ts (verifyTreeHead) and timestamp.ts
 * (checkTimestampToken) work from exported data and the log's public key alone.
 */
export * from './bytes.js';
export * from './canonical-json.js';
export * from './leaf.js';
export * from './log-append.js';
export * from './log-key.js';
export * from './log-store.js';
export * from './merkle.js';
export { sha256 } from './node-sha256.js';
export * from './timestamp.js';
export * from './tree-head.js';
