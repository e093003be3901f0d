/**
 * What the vault needs from the tamper-evident evidence log (src/evidence/log): an
 * append that returns the leaf's position and hash. The log's EvidenceLog class fits
 * as it is (its leaf hash comes as hex).
 *
 * `tx` is the vault's open database transaction. A log kept in the same database must
 * write its leaf through it, so the leaf and the vault's rows commit or roll back
 * together: a crash never leaves a logged capture without its row, or the reverse.
 */
import type { Kysely } from 'kysely';
import type { Schema } from '../../db/schema.js';

export interface LogAppendResult {
  readonly seq: number;
  /** The RFC 6962 leaf hash, as bytes or 64 hex digits. */
  readonly leafHash: Uint8Array | string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** The leaf hash as 64 lowercase hex digits, whichever form the log gave it in. */
export function leafHashHex(result: LogAppendResult): string {
  const hex =
    typeof result.leafHash === 'string' ? result.leafHash.toLowerCase() : Buffer.from(result.leafHash).toString('hex');
  if (!HEX64.test(hex)) throw new TypeError('the evidence log returned a leaf hash that is not 32 bytes');
  return hex;
}

export interface EvidenceLog {
  append(kind: string, payload: unknown, tx?: Kysely<Schema>): Promise<LogAppendResult>;
}

/** Log entry kinds written by the vault. */
export const VAULT_LOG_KINDS = {
  capture: 'evidence.capture',
  custody: 'evidence.custody',
} as const;
