/**
 * 256-bit hash utilities shared by PDQ, vPDQ and the matching index.
 *
 * Canonical in-memory form: 32 bytes, big-endian, exactly the bytes of the
 * 64-hex-digit string the reference tools print. That keeps hex <-> bytes a
 * plain conversion and lets any byte-oriented store (Postgres bytea) keep the
 * same order.
 */

export const HASH256_BYTES = 32;
export const HASH256_HEX_LENGTH = 64;

const HEX_RE = /^[0-9a-fA-F]{64}$/;
const HEX_DIGITS = '0123456789abcdef';

const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  NIBBLE[HEX_DIGITS.charCodeAt(i)] = i;
  NIBBLE[HEX_DIGITS.toUpperCase().charCodeAt(i)] = i;
}

const BYTE_HEX: string[] = [];
for (let i = 0; i < 256; i++) BYTE_HEX.push(HEX_DIGITS[i >> 4]! + HEX_DIGITS[i & 15]!);

export class InvalidHashError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidHashError';
  }
}

export function isHash256Hex(value: string): boolean {
  return HEX_RE.test(value);
}

/** Parses 64 hex digits (either case) into 32 bytes; throws InvalidHashError otherwise. */
export function hexToHash256(hex: string): Uint8Array {
  if (typeof hex !== 'string' || hex.length !== HASH256_HEX_LENGTH) {
    throw new InvalidHashError(`expected a 256-bit hash as 64 hex digits, got ${describe(hex)}`);
  }
  const out = new Uint8Array(HASH256_BYTES);
  for (let i = 0; i < HASH256_BYTES; i++) {
    const hi = nibble(hex, 2 * i);
    const lo = nibble(hex, 2 * i + 1);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

function nibble(hex: string, pos: number): number {
  const code = hex.charCodeAt(pos);
  const v = code < 128 ? NIBBLE[code]! : -1;
  if (v < 0) {
    throw new InvalidHashError(`invalid hex digit ${JSON.stringify(hex[pos])} at position ${pos}`);
  }
  return v;
}

function describe(value: unknown): string {
  if (typeof value !== 'string') return typeof value;
  return `${value.length} characters`;
}

/** 64 lowercase hex digits, the reference serialization. */
export function hash256ToHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < HASH256_BYTES; i++) s += BYTE_HEX[bytes[i]!];
  return s;
}

/** Packs 32 big-endian bytes into 8 uint32 words (word 0 = bytes 0..3). */
export function hash256ToWords(bytes: Uint8Array, out = new Uint32Array(8), offset = 0): Uint32Array {
  for (let w = 0; w < 8; w++) {
    const b = 4 * w;
    out[offset + w] = ((bytes[b]! << 24) | (bytes[b + 1]! << 16) | (bytes[b + 2]! << 8) | bytes[b + 3]!) >>> 0;
  }
  return out;
}

export function wordsToHash256(words: Uint32Array, offset = 0): Uint8Array {
  const out = new Uint8Array(HASH256_BYTES);
  for (let w = 0; w < 8; w++) {
    const v = words[offset + w]!;
    out[4 * w] = v >>> 24;
    out[4 * w + 1] = (v >>> 16) & 255;
    out[4 * w + 2] = (v >>> 8) & 255;
    out[4 * w + 3] = v & 255;
  }
  return out;
}

/** Population count of a 32-bit integer (SWAR; JS has no popcnt intrinsic). */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Hamming distance between two 32-byte hashes. */
export function hammingDistance(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== HASH256_BYTES || b.length !== HASH256_BYTES) {
    throw new InvalidHashError('hamming distance needs two 32-byte hashes');
  }
  let d = 0;
  for (let i = 0; i < HASH256_BYTES; i += 4) {
    const x =
      ((a[i]! ^ b[i]!) << 24) |
      ((a[i + 1]! ^ b[i + 1]!) << 16) |
      ((a[i + 2]! ^ b[i + 2]!) << 8) |
      (a[i + 3]! ^ b[i + 3]!);
    d += popcount32(x);
  }
  return d;
}

/** Hamming distance between hashes stored as 8 uint32 words at the given offsets. */
export function hammingDistanceWords(a: Uint32Array, aOff: number, b: Uint32Array, bOff: number): number {
  return (
    popcount32(a[aOff]! ^ b[bOff]!) +
    popcount32(a[aOff + 1]! ^ b[bOff + 1]!) +
    popcount32(a[aOff + 2]! ^ b[bOff + 2]!) +
    popcount32(a[aOff + 3]! ^ b[bOff + 3]!) +
    popcount32(a[aOff + 4]! ^ b[bOff + 4]!) +
    popcount32(a[aOff + 5]! ^ b[bOff + 5]!) +
    popcount32(a[aOff + 6]! ^ b[bOff + 6]!) +
    popcount32(a[aOff + 7]! ^ b[bOff + 7]!)
  );
}

/** Hamming distance between two hex hashes; convenient for tests and tools. */
export function hammingDistanceHex(a: string, b: string): number {
  return hammingDistance(hexToHash256(a), hexToHash256(b));
}

/** Number of set bits in a 32-byte hash. */
export function bitCount(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < bytes.length; i++) n += popcount32(bytes[i]!);
  return n;
}
