/**
 * XChaCha20-Poly1305-IETF, exactly libsodium's crypto_aead_xchacha20poly1305_ietf
 * (combined mode: ciphertext then 16-byte tag), with two engines that produce the
 * same bytes:
 *
 * - 'sodium': libsodium-wrappers itself (WebAssembly).
 * - 'openssl': the construction libsodium uses, split in two: HChaCha20 derives a
 *   subkey from the key and the first 16 nonce bytes (20 ChaCha rounds on one block,
 *   below), then Node's OpenSSL ChaCha20-Poly1305 encrypts with that subkey and the
 *   nonce 0x00000000 || nonce[16..24].
 *
 * Why two: measured on the 2 MB blobs of the benchmark, libsodium's WebAssembly build
 * runs at 95-210 MB/s on one core, OpenSSL's native code at 700+ MB/s; the vault's
 * target (encrypt + hash + write + log at >= 100 MB/s) is out of reach with the first.
 * The tests check both engines give identical ciphertexts and decrypt each other's.
 */
import { createCipheriv, createDecipheriv, getCiphers } from 'node:crypto';
import sodium from 'libsodium-wrappers';

export type CipherEngine = 'openssl' | 'sodium';

export const XCHACHA_KEY_BYTES = 32;
export const XCHACHA_NONCE_BYTES = 24;
export const XCHACHA_TAG_BYTES = 16;
const CHUNK_BYTES = 256 * 1024;

let ready: Promise<void> | undefined;

/** libsodium must finish loading its WebAssembly before any call. */
export function sodiumReady(): Promise<void> {
  ready ??= sodium.ready;
  return ready;
}

/** The engine used when none is asked for: OpenSSL when Node's build has ChaCha20-Poly1305. */
export function defaultEngine(): CipherEngine {
  return getCiphers().includes('chacha20-poly1305') ? 'openssl' : 'sodium';
}

export interface EncryptOutput {
  /** Leading bytes left free for the caller (a blob header), so a 2 MB blob is copied once. */
  readonly reserve?: number;
  /**
   * Where to write, when large enough; the result is then a view of it. Reusing one buffer
   * spares a fresh 2 MB allocation per blob, and with it the garbage collections that
   * such allocations trigger in a process with a large heap (measured: bench/evidence.ts).
   */
  readonly into?: Uint8Array;
}

function outputBuffer(length: number, output: EncryptOutput): Buffer {
  const { into } = output;
  if (into && into.length >= length) return Buffer.from(into.buffer, into.byteOffset, length);
  return Buffer.allocUnsafe(length);
}

/** Encrypts; returns [reserve] || ciphertext || tag. libsodium must be ready (sodiumReady). */
export function xchachaEncrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  ad: Uint8Array,
  plaintext: Uint8Array,
  engine: CipherEngine,
  output: EncryptOutput = {},
): Uint8Array {
  checkSizes(key, nonce);
  const reserve = output.reserve ?? 0;
  const out = outputBuffer(reserve + plaintext.length + XCHACHA_TAG_BYTES, output);
  out.fill(0, 0, reserve);
  if (engine === 'sodium') {
    out.set(sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, key), reserve);
    return out;
  }
  const subkey = hchacha20(key, nonce);
  const cipher = createCipheriv('chacha20-poly1305', subkey, innerNonce(nonce), { authTagLength: XCHACHA_TAG_BYTES });
  subkey.fill(0); // OpenSSL holds its own copy
  cipher.setAAD(ad, { plaintextLength: plaintext.length });
  // In chunks into one buffer: update() on all 2 MB would return a second 2 MB buffer.
  let at = reserve;
  for (let p = 0; p < plaintext.length; p += CHUNK_BYTES) {
    at += cipher.update(plaintext.subarray(p, p + CHUNK_BYTES)).copy(out, at);
  }
  at += cipher.final().copy(out, at);
  cipher.getAuthTag().copy(out, at);
  return out;
}

/** Decrypts ciphertext || tag; returns null when authentication fails. */
export function xchachaDecrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  ad: Uint8Array,
  sealed: Uint8Array,
  engine: CipherEngine,
): Uint8Array | null {
  checkSizes(key, nonce);
  if (sealed.length < XCHACHA_TAG_BYTES) return null;
  if (engine === 'sodium') {
    try {
      return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sealed, ad, nonce, key);
    } catch {
      return null;
    }
  }
  const bodyLength = sealed.length - XCHACHA_TAG_BYTES;
  const subkey = hchacha20(key, nonce);
  const decipher = createDecipheriv('chacha20-poly1305', subkey, innerNonce(nonce), {
    authTagLength: XCHACHA_TAG_BYTES,
  });
  subkey.fill(0);
  decipher.setAAD(ad, { plaintextLength: bodyLength });
  decipher.setAuthTag(sealed.subarray(bodyLength));
  const head = decipher.update(sealed.subarray(0, bodyLength));
  try {
    const tail = decipher.final();
    return tail.length === 0 ? head : Buffer.concat([head, tail]);
  } catch {
    head.fill(0); // unauthenticated plaintext is never handed out
    return null;
  }
}

function checkSizes(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== XCHACHA_KEY_BYTES) throw new RangeError(`XChaCha20 key must be ${XCHACHA_KEY_BYTES} bytes`);
  if (nonce.length !== XCHACHA_NONCE_BYTES) {
    throw new RangeError(`XChaCha20 nonce must be ${XCHACHA_NONCE_BYTES} bytes`);
  }
}

function innerNonce(nonce: Uint8Array): Uint8Array {
  const inner = new Uint8Array(12);
  inner.set(nonce.subarray(16, 24), 4);
  return inner;
}

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]; // "expand 32-byte k"

/**
 * HChaCha20 (draft-irtf-cfrg-xchacha §2.2): the ChaCha20 block function on
 * (constants, key, 16-byte nonce) without the final addition; the subkey is state
 * words 0-3 and 12-15. Only additions, rotations and xors: constant time.
 */
export function hchacha20(key: Uint8Array, nonce: Uint8Array): Uint8Array {
  const s = new Uint32Array(16);
  const k = new DataView(key.buffer, key.byteOffset, 32);
  const n = new DataView(nonce.buffer, nonce.byteOffset, 16);
  for (let i = 0; i < 4; i++) s[i] = SIGMA[i]!;
  for (let i = 0; i < 8; i++) s[4 + i] = k.getUint32(i * 4, true);
  for (let i = 0; i < 4; i++) s[12 + i] = n.getUint32(i * 4, true);
  for (let round = 0; round < 10; round++) {
    quarter(s, 0, 4, 8, 12);
    quarter(s, 1, 5, 9, 13);
    quarter(s, 2, 6, 10, 14);
    quarter(s, 3, 7, 11, 15);
    quarter(s, 0, 5, 10, 15);
    quarter(s, 1, 6, 11, 12);
    quarter(s, 2, 7, 8, 13);
    quarter(s, 3, 4, 9, 14);
  }
  const out = new Uint8Array(32);
  const o = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) {
    o.setUint32(i * 4, s[i]!, true);
    o.setUint32(16 + i * 4, s[12 + i]!, true);
  }
  s.fill(0);
  return out;
}

function quarter(s: Uint32Array, a: number, b: number, c: number, d: number): void {
  s[a] = (s[a]! + s[b]!) | 0;
  s[d] = rotl(s[d]! ^ s[a]!, 16);
  s[c] = (s[c]! + s[d]!) | 0;
  s[b] = rotl(s[b]! ^ s[c]!, 12);
  s[a] = (s[a]! + s[b]!) | 0;
  s[d] = rotl(s[d]! ^ s[a]!, 8);
  s[c] = (s[c]! + s[d]!) | 0;
  s[b] = rotl(s[b]! ^ s[c]!, 7);
}

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}
