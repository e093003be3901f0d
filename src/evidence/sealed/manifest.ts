/**
 * The manifest of a sealed evidence package: what the package holds and every
 * proof needed to check it offline. It is signed (Ed25519, the log's key), and
 * every other file in the zip is listed with its SHA-256, so no byte of the
 * package can change unnoticed.
 */
import type { StoredTreeHead } from '../log/log-store.js';
import type { CustodyEvent } from '../vault/custody.js';
import type { CaptureRecord } from '../vault/record.js';

export const PACKAGE_FORMAT = 'perisai-evidence-package/1';
export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.sig';

export interface LoggedEntry {
  kind: string;
  payload: Record<string, unknown>;
}

export interface InclusionInfo {
  leaf_index: number;
  leaf_hash: string;
  /** Sibling hashes from the leaf up (RFC 9162), hex. */
  proof: string[];
}

export interface ManifestItem {
  record: CaptureRecord;
  /** The log entry the record's leaf hash commits to. */
  log_entry: LoggedEntry;
  inclusion: InclusionInfo;
  custody: { event: CustodyEvent; log_entry: LoggedEntry; inclusion: InclusionInfo }[];
  files: { media: string | null; evidence: string };
}

export interface Manifest {
  format: typeof PACKAGE_FORMAT;
  package_id: string;
  created_at: string;
  tool_version: string;
  cases: string[];
  /** Sealed: items are crypto_box_seal'ed to this X25519 key (hash shown); clear: as captured. */
  recipient: { sealed: true; public_key_sha256: string } | { sealed: false };
  log: {
    public_key_pem: string;
    log_id: string;
    tree_head: Omit<StoredTreeHead, 'timestampedAt'>;
  };
  items: ManifestItem[];
  /** SHA-256 of every file in the package other than the manifest and its signature. */
  files: Record<string, string>;
}
