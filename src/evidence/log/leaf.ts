/**
 * What a log entry hashes to. The leaf data is the canonical JSON (canonical-json.ts)
 * of `{"kind": kind, "payload": payload}`; the leaf hash is RFC 6962's SHA-256(0x00 ||
 * data). A verifier holding an entry's kind and payload recomputes its leaf hash with
 * these two functions and nothing else. Pure.
 */
import { canonicalJsonBytes } from './canonical-json.js';
import { leafHash, type Sha256 } from './merkle.js';

/** Entry kinds: short, lowercase, dotted names such as `capture.record` or `custody.transfer`. */
export const LEAF_KIND = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*$/;
const MAX_KIND_LENGTH = 100;

export function checkLeafKind(kind: string): void {
  if (typeof kind !== 'string' || kind.length > MAX_KIND_LENGTH || !LEAF_KIND.test(kind)) {
    throw new TypeError(`evidence log entry kind ${JSON.stringify(kind)} must be like "capture.record"`);
  }
}

export function evidenceLeafData(kind: string, payload: unknown): Uint8Array {
  checkLeafKind(kind);
  return canonicalJsonBytes({ kind, payload });
}

export function evidenceLeafHash(sha256: Sha256, kind: string, payload: unknown): Uint8Array {
  return leafHash(sha256, evidenceLeafData(kind, payload));
}
