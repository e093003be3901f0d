/**
 * Envelope encryption of evidence, all XChaCha20-Poly1305-IETF (see xchacha.ts):
 *
 * - Each case has a data key (32 random bytes). It is stored only wrapped by the master
 *   key, with the associated data "perisai:dek:v1:<caseId>:<keyVersion>", so a wrapped key
 *   cannot be moved to another case or version. Rotating the master key re-wraps data
 *   keys and never touches blobs.
 * - A blob is MAGIC || keyVersion (u32 BE) || nonce (24 random bytes) || ciphertext+tag,
 *   encrypted with the case's data key and the associated data
 *   "perisai:blob:v1:<caseId>:<role>:<keyVersion>:<sha256 of the plaintext>": a blob
 *   swapped to another case, role or name fails to decrypt.
 * - Capture and custody rows carry an HMAC-SHA-256 under a key derived from the case's
 *   data key, so an edited row is detected even where no ciphertext covers it.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import sodium from 'libsodium-wrappers';
import { IntegrityError, InvalidCaptureError, KeyUnwrapError } from './errors.js';
import type { MasterKey } from './master-key.js';
import { type CipherEngine, XCHACHA_NONCE_BYTES, xchachaDecrypt, xchachaEncrypt } from './xchacha.js';

export { type CipherEngine, defaultEngine, sodiumReady } from './xchacha.js';

export const DATA_KEY_BYTES = 32;
const BLOB_MAGIC = Buffer.from('PVB1', 'latin1');
const HEADER_BYTES = BLOB_MAGIC.length + 4 + XCHACHA_NONCE_BYTES;

/** Case ids go into associated data and file-free names: a closed, unambiguous alphabet. */
const CASE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function assertCaseId(caseId: string): void {
  if (typeof caseId !== 'string' || !CASE_ID.test(caseId)) {
    throw new InvalidCaptureError(
      'case id must be 1-128 characters of A-Z a-z 0-9 . _ - (starting with a letter or digit)',
    );
  }
}

export interface WrappedDataKey {
  readonly caseId: string;
  readonly keyVersion: number;
  /** Which master key wrapped it (MasterKey.id). */
  readonly masterKeyId: string;
  readonly nonce: Uint8Array;
  readonly wrapped: Uint8Array;
}

export function newDataKey(): Uint8Array {
  return Uint8Array.from(randomBytes(DATA_KEY_BYTES));
}

function dataKeyAd(caseId: string, keyVersion: number): Uint8Array {
  return Buffer.from(`perisai:dek:v1:${caseId}:${keyVersion}`, 'utf8');
}

/** Wraps with libsodium itself: small and rare, no reason to use another engine. */
export function wrapDataKey(
  master: MasterKey,
  caseId: string,
  keyVersion: number,
  dataKey: Uint8Array,
): WrappedDataKey {
  assertCaseId(caseId);
  const nonce = Uint8Array.from(randomBytes(XCHACHA_NONCE_BYTES));
  const wrapped = xchachaEncrypt(master.key, nonce, dataKeyAd(caseId, keyVersion), dataKey, 'sodium');
  return { caseId, keyVersion, masterKeyId: master.id, nonce, wrapped };
}

export function unwrapDataKey(master: MasterKey, key: WrappedDataKey): Uint8Array {
  if (key.masterKeyId !== master.id) {
    throw new KeyUnwrapError(
      `the data key of case ${key.caseId} (version ${key.keyVersion}) was wrapped by master key ${key.masterKeyId}, ` +
        `but the loaded master key is ${master.id} (was the master key rotated without re-wrapping?)`,
    );
  }
  const plain = xchachaDecrypt(master.key, key.nonce, dataKeyAd(key.caseId, key.keyVersion), key.wrapped, 'sodium');
  if (!plain || plain.length !== DATA_KEY_BYTES) {
    throw new KeyUnwrapError(
      `the data key of case ${key.caseId} (version ${key.keyVersion}) does not unwrap: altered or corrupted`,
    );
  }
  return plain;
}

export type BlobRole = 'media' | 'record';

export interface BlobBinding {
  readonly caseId: string;
  readonly role: BlobRole;
  /** SHA-256 of the plaintext. */
  readonly sha256: Uint8Array;
}

function blobAd(binding: BlobBinding, keyVersion: number): Uint8Array {
  const hex = Buffer.from(binding.sha256).toString('hex');
  return Buffer.from(`perisai:blob:v1:${binding.caseId}:${binding.role}:${keyVersion}:${hex}`, 'utf8');
}

/**
 * The blob's storage name: SHA-256 over the case, the role and the plaintext's SHA-256.
 * Deterministic, so storing the same content twice in a case is one blob; per case,
 * because each case has its own key (a case's key can be destroyed on its own).
 */
export function blobName(binding: BlobBinding): string {
  return createHash('sha256')
    .update(`perisai:blob-name:v1:${binding.caseId}:${binding.role}:`)
    .update(binding.sha256)
    .digest('hex');
}

/** Bytes a sealed blob takes beyond its plaintext. */
export const SEAL_OVERHEAD = HEADER_BYTES + 16;

/** Seals a blob; with `into` (large enough) the result is a view of it. */
export function sealBlob(
  dataKey: Uint8Array,
  keyVersion: number,
  binding: BlobBinding,
  plaintext: Uint8Array,
  engine: CipherEngine,
  into?: Uint8Array,
): Uint8Array {
  const nonce = randomBytes(XCHACHA_NONCE_BYTES);
  const ad = blobAd(binding, keyVersion);
  const sealed = xchachaEncrypt(dataKey, nonce, ad, plaintext, engine, { reserve: HEADER_BYTES, into });
  const out = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  BLOB_MAGIC.copy(out, 0);
  out.writeUInt32BE(keyVersion, BLOB_MAGIC.length);
  nonce.copy(out, BLOB_MAGIC.length + 4);
  return out;
}

/** The data-key version a sealed blob says it was encrypted with (checked again by decryption). */
export function sealedKeyVersion(sealed: Uint8Array): number {
  const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (sealed.length < HEADER_BYTES || !buf.subarray(0, BLOB_MAGIC.length).equals(BLOB_MAGIC)) {
    throw new IntegrityError('not a vault blob: bad header (altered or corrupted)');
  }
  return buf.readUInt32BE(BLOB_MAGIC.length);
}

/** Decrypts and re-hashes; throws IntegrityError on any mismatch. */
export function openBlob(
  dataKey: Uint8Array,
  binding: BlobBinding,
  sealed: Uint8Array,
  engine: CipherEngine,
): Uint8Array {
  const keyVersion = sealedKeyVersion(sealed);
  const nonce = sealed.subarray(BLOB_MAGIC.length + 4, HEADER_BYTES);
  const plain = xchachaDecrypt(dataKey, nonce, blobAd(binding, keyVersion), sealed.subarray(HEADER_BYTES), engine);
  if (!plain) throw new IntegrityError(`${binding.role} blob of case ${binding.caseId} does not decrypt: altered`);
  const digest = createHash('sha256').update(plain).digest();
  if (!timingSafeEqual(digest, binding.sha256)) {
    throw new IntegrityError(`${binding.role} blob of case ${binding.caseId} does not hash to its recorded SHA-256`);
  }
  return plain;
}

/** The key that authenticates a case's rows; never stored. */
export function rowMacKey(dataKey: Uint8Array): Buffer {
  return createHmac('sha256', dataKey).update('perisai:row-mac:v1').digest();
}

export function rowMac(macKey: Uint8Array, canonical: string): Buffer {
  return createHmac('sha256', macKey).update(canonical, 'utf8').digest();
}

export function rowMacMatches(macKey: Uint8Array, canonical: string, mac: Uint8Array): boolean {
  const expected = rowMac(macKey, canonical);
  return mac.length === expected.length && timingSafeEqual(expected, mac);
}

/**
 * Seals bytes to a recipient's X25519 public key (libsodium crypto_box_seal): only the
 * holder of the matching secret key can open them. Used for encrypted exports.
 */
export function sealToRecipient(recipientPublicKey: Uint8Array, bytes: Uint8Array): Uint8Array {
  if (recipientPublicKey.length !== sodium.crypto_box_PUBLICKEYBYTES) {
    throw new InvalidCaptureError(`recipient public key must be ${sodium.crypto_box_PUBLICKEYBYTES} bytes (X25519)`);
  }
  return sodium.crypto_box_seal(bytes, recipientPublicKey);
}
