/**
 * Byte helpers for the evidence log. Pure (no Node APIs) so the Merkle code and the
 * tree-head encoding can run in a browser or an offline verifier as they are.
 */

const HEX = /^(?:[0-9a-f]{2})*$/;
const BYTE_HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += BYTE_HEX[b];
  return out;
}

/**
 * Parses lowercase hex strictly: an odd length, upper case or a stray character is an
 * error, never a silently different value. `length` (bytes) is checked when given.
 */
export function fromHex(hex: string, length?: number): Uint8Array {
  if (typeof hex !== 'string' || !HEX.test(hex)) throw new TypeError('expected lowercase hex');
  if (length !== undefined && hex.length !== length * 2) {
    throw new TypeError(`expected ${length} bytes of hex, got ${hex.length / 2}`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Equal length and contents. Not constant-time: everything compared here is public. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
