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
  /**
   * Where the item is in the zip. media: the original bytes (null when the capture has
   * none); evidence: the evidence document (UTF-8 JSON of rawRecord, context, channel),
   * byte for byte what the record's recordSha256 hashes. encrypted: both are sealed
   * boxes to the recipient (see Manifest.recipient), to be opened before hashing.
   */
  files: { media: string | null; evidence: string; encrypted: boolean };
}

/** How sealed files are encrypted, named in the manifest so a recipient needs no other source. */
export const SEALED_SCHEME =
  'libsodium crypto_box_seal: one box per file to the recipient X25519 public key (ephemeral X25519 key || XSalsa20-Poly1305 ciphertext)';

export interface Manifest {
  format: typeof PACKAGE_FORMAT;
  package_id: string;
  created_at: string;
  tool_version: string;
  cases: string[];
  /** Sealed: items are crypto_box_seal'ed to this X25519 key (its SHA-256 shown); clear: as captured. */
  recipient: { sealed: true; scheme: typeof SEALED_SCHEME; public_key_sha256: string } | { sealed: false };
  log: {
    public_key_pem: string;
    log_id: string;
    tree_head: Omit<StoredTreeHead, 'timestampedAt'>;
  };
  items: ManifestItem[];
  /** SHA-256 of every file in the package other than the manifest and its signature. */
  files: Record<string, string>;
}
