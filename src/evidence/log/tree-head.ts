/**
 * Signed tree heads: the log's statement "at `timestamp` the tree of `treeSize` entries
 * had root `rootHash`", signed with the log key (log-key.ts) using Ed25519.
 *
 * The signed bytes are a fixed binary layout, 114 bytes, integers unsigned big-endian:
 *
 * | offset | bytes | field |
 * |---|---|---|
 * | 0   | 34 | ASCII `perisai/evidence-log/tree-head/v1` then one 0x00 byte |
 * | 34  | 32 | logId: SHA-256 of the log public key's DER SubjectPublicKeyInfo |
 * | 66  | 8  | timestamp: milliseconds since 1970-01-01T00:00:00Z |
 * | 74  | 8  | treeSize: number of entries |
 * | 82  | 32 | rootHash: RFC 6962 Merkle tree hash of those entries |
 *
 * The prefix keeps a tree-head signature from ever being valid for anything else the
 * same key might sign, and names the version of this layout. The RFC 3161 timestamp
 * of a head (timestamp.ts) is over SHA-256 of these same bytes.
 */
import { type KeyObject, sign, verify } from 'node:crypto';
import { concatBytes, fromHex, toHex } from './bytes.js';
import { importPublicKey, type LogKey, logIdOf } from './log-key.js';

export const TREE_HEAD_PREFIX = new TextEncoder().encode('perisai/evidence-log/tree-head/v1\0');
export const TREE_HEAD_BYTES = TREE_HEAD_PREFIX.length + 32 + 8 + 8 + 32;

export interface TreeHead {
  treeSize: number;
  /** 64 lowercase hex digits. */
  rootHash: string;
  /** Milliseconds since the epoch, UTC. */
  timestamp: number;
  /** 64 lowercase hex digits: which key signs (see log-key.ts). */
  logId: string;
}

export interface SignedTreeHead extends TreeHead {
  /** Ed25519 signature over encodeTreeHead(head), 128 lowercase hex digits. */
  signature: string;
}

/** The bytes that are signed and timestamped. Throws on a malformed head. Pure. */
export function encodeTreeHead(head: TreeHead): Uint8Array {
  for (const field of ['treeSize', 'timestamp'] as const) {
    const value = head[field];
    if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`tree head ${field} ${value} is not a count`);
  }
  const numbers = new Uint8Array(16);
  const view = new DataView(numbers.buffer);
  view.setBigUint64(0, BigInt(head.timestamp));
  view.setBigUint64(8, BigInt(head.treeSize));
  return concatBytes(TREE_HEAD_PREFIX, fromHex(head.logId, 32), numbers, fromHex(head.rootHash, 32));
}

/** Parses bytes made by encodeTreeHead (the offline verifier reads heads this way too). */
export function decodeTreeHead(bytes: Uint8Array): TreeHead {
  const prefix = bytes.subarray(0, TREE_HEAD_PREFIX.length);
  if (bytes.length !== TREE_HEAD_BYTES || toHex(prefix) !== toHex(TREE_HEAD_PREFIX)) {
    throw new TypeError('not an encoded evidence log tree head (v1)');
  }
  let offset = TREE_HEAD_PREFIX.length;
  const logId = toHex(bytes.subarray(offset, offset + 32));
  offset += 32;
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 16);
  const timestamp = view.getBigUint64(0);
  const treeSize = view.getBigUint64(8);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER) || treeSize > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new TypeError('tree head numbers out of range');
  }
  const rootHash = toHex(bytes.subarray(offset + 16, offset + 48));
  return { treeSize: Number(treeSize), rootHash, timestamp: Number(timestamp), logId };
}

export function signTreeHead(key: LogKey, head: Omit<TreeHead, 'logId'>): SignedTreeHead {
  const unsigned: TreeHead = {
    treeSize: head.treeSize,
    rootHash: head.rootHash,
    timestamp: head.timestamp,
    logId: key.logId,
  };
  const signature = sign(null, encodeTreeHead(unsigned), key.privateKey);
  return { ...unsigned, signature: toHex(signature) };
}

/**
 * True when `head` is signed by `publicKey` (a KeyObject, SPKI PEM, or raw key in hex)
 * and names that key as its log. Malformed heads and keys are false, never a throw.
 */
export function verifyTreeHead(head: SignedTreeHead, publicKey: string | Uint8Array | KeyObject): boolean {
  let key: KeyObject;
  let message: Uint8Array;
  let signature: Uint8Array;
  try {
    key = importPublicKey(publicKey);
    message = encodeTreeHead(head);
    signature = fromHex(head.signature, 64);
  } catch {
    return false;
  }
  if (logIdOf(key) !== head.logId) return false;
  return verify(null, message, key, signature);
}
