/**
 * The little DER (X.690) this project needs: encode an RFC 3161 TimeStampReq, and walk
 * a TimeStampResp far enough to read its status and the TSTInfo inside the token. Only
 * single-byte tags and definite lengths (which is all DER allows for these types); the
 * reader refuses anything else, and anything that runs past its enclosing element.
 * Pure: no Node APIs.
 */
import { concatBytes } from './bytes.js';

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** [n] with the constructed bit: how EXPLICIT tagging and IMPLICIT SEQUENCEs appear. */
export const contextTag = (n: number): number => 0xa0 | n;

export class DerError extends Error {
  override name = 'DerError';
}

// ---- encoding ----

export function encodeLength(length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0) throw new DerError(`bad length ${length}`);
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

export function tlv(tag: number, content: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(tag), encodeLength(content.length), content);
}

export function sequence(...items: Uint8Array[]): Uint8Array {
  return tlv(TAG.SEQUENCE, concatBytes(...items));
}

/** A non-negative INTEGER in its shortest two's-complement form. */
export function integer(value: bigint | number): Uint8Array {
  const big = BigInt(value);
  if (big < 0n) throw new DerError('only non-negative integers are encoded here');
  let hex = big.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = Uint8Array.from(hex.match(/../g)!, (h) => Number.parseInt(h, 16));
  // A set top bit would read as negative: prefix a zero byte.
  return tlv(TAG.INTEGER, bytes[0]! & 0x80 ? concatBytes(Uint8Array.of(0), bytes) : bytes);
}

export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((a) => {
    if (!/^\d+$/.test(a)) throw new DerError(`bad object identifier ${dotted}`);
    return Number(a);
  });
  if (arcs.length < 2 || arcs[0]! > 2 || (arcs[0]! < 2 && arcs[1]! >= 40)) {
    throw new DerError(`bad object identifier ${dotted}`);
  }
  const out: number[] = [];
  for (const arc of [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]) {
    // Base 128, most significant group first, continuation bit on all but the last.
    const groups: number[] = [arc % 128];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) groups.unshift(0x80 | (n % 128));
    out.push(...groups);
  }
  return tlv(TAG.OID, Uint8Array.from(out));
}

export const octetString = (bytes: Uint8Array): Uint8Array => tlv(TAG.OCTET_STRING, bytes);
export const boolean = (value: boolean): Uint8Array => tlv(TAG.BOOLEAN, Uint8Array.of(value ? 0xff : 0x00));
export const nullValue = (): Uint8Array => tlv(TAG.NULL, new Uint8Array(0));

// ---- reading ----

export interface DerElement {
  tag: number;
  /** The value bytes. */
  content: Uint8Array;
  /** The whole element: tag, length and content. */
  bytes: Uint8Array;
}

function readAt(bytes: Uint8Array, offset: number): DerElement {
  const tag = bytes[offset];
  if (tag === undefined) throw new DerError('truncated: expected an element');
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not supported');
  let first = bytes[offset + 1];
  if (first === undefined) throw new DerError('truncated length');
  let length = first;
  let start = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0) throw new DerError('indefinite lengths are not DER');
    if (count > 4) throw new DerError('element too long');
    length = 0;
    for (let i = 0; i < count; i++) {
      first = bytes[start + i];
      if (first === undefined) throw new DerError('truncated length');
      length = length * 256 + first;
    }
    start += count;
  }
  const end = start + length;
  if (end > bytes.length) throw new DerError('truncated: element runs past its end');
  return { tag, content: bytes.subarray(start, end), bytes: bytes.subarray(offset, end) };
}

/** Exactly one element filling `bytes`. */
export function readDer(bytes: Uint8Array): DerElement {
  const element = readAt(bytes, 0);
  if (element.bytes.length !== bytes.length) throw new DerError('trailing bytes after the element');
  return element;
}

/** The elements inside a constructed element (SEQUENCE, SET, [n]). */
export function children(element: DerElement): DerElement[] {
  if (!(element.tag & 0x20)) throw new DerError(`tag 0x${element.tag.toString(16)} is not constructed`);
  const out: DerElement[] = [];
  for (let offset = 0; offset < element.content.length; ) {
    const child = readAt(element.content, offset);
    out.push(child);
    offset += child.bytes.length;
  }
  return out;
}

/** `element` if it has `tag`, else a DerError naming `what` was expected. */
export function expect(element: DerElement | undefined, tag: number, what: string): DerElement {
  if (!element) throw new DerError(`missing ${what}`);
  if (element.tag !== tag)
    throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, got 0x${element.tag.toString(16)}`);
  return element;
}

export function decodeInteger(element: DerElement): bigint {
  const { content } = expect(element, TAG.INTEGER, 'INTEGER');
  if (content.length === 0) throw new DerError('empty INTEGER');
  let value = 0n;
  for (const b of content) value = value * 256n + BigInt(b);
  // Two's complement: a set top bit means negative.
  return content[0]! & 0x80 ? value - (1n << BigInt(content.length * 8)) : value;
}

export function decodeOid(element: DerElement): string {
  const { content } = expect(element, TAG.OID, 'OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let value = 0;
  for (const b of content) {
    value = value * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  if (arcs.length === 0 || content[content.length - 1]! & 0x80) throw new DerError('bad OBJECT IDENTIFIER');
  const head = arcs.shift()!;
  const first = head < 80 ? Math.floor(head / 40) : 2;
  return [first, head - first * 40, ...arcs].join('.');
}

export function decodeUtf8(element: DerElement): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(expect(element, TAG.UTF8_STRING, 'UTF8String').content);
}

/** GeneralizedTime as DER has it: YYYYMMDDHHMMSS[.fraction]Z. */
export function decodeGeneralizedTime(element: DerElement): Date {
  const text = new TextDecoder().decode(expect(element, TAG.GENERALIZED_TIME, 'GeneralizedTime').content);
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d+))?Z$/.exec(text);
  if (!m) throw new DerError(`bad GeneralizedTime ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s, fraction = ''] = m;
  const ms = Math.floor(Number(`0.${fraction || '0'}`) * 1000);
  return new Date(Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!, ms));
}

/** The bit numbers set in a BIT STRING (bit 0 is the first, most significant bit). */
export function decodeBitString(element: DerElement): number[] {
  const { content } = expect(element, TAG.BIT_STRING, 'BIT STRING');
  const bits: number[] = [];
  for (let i = 1; i < content.length; i++) {
    for (let b = 0; b < 8; b++) if (content[i]! & (0x80 >> b)) bits.push((i - 1) * 8 + b);
  }
  return bits;
}
