/**
 * Canonical JSON: one byte string per value, so a hash over it can be recomputed by
 * anyone holding the value. It is the JSON Canonicalization Scheme (RFC 8785) for the
 * values accepted here:
 * - object keys sorted by UTF-16 code units, no whitespace;
 * - numbers as ECMAScript prints them (JSON.stringify), which is what RFC 8785 asks;
 * - strings escaped as JSON.stringify escapes them.
 *
 * It refuses, rather than silently drops or changes, what JSON.stringify would:
 * undefined, functions, symbols, bigint, NaN/Infinity, array holes, Dates, Buffers and
 * other non-plain objects, cycles, and strings that are not well-formed Unicode (lone
 * surrogates; I-JSON forbids them and PostgreSQL's jsonb rejects them). Pure.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export class CanonicalJsonError extends TypeError {
  override name = 'CanonicalJsonError';
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function canonicalJson(value: unknown): string {
  return write(value, '$', new Set());
}

export function canonicalJsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}

function write(value: unknown, at: string, ancestors: Set<object>): string {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new CanonicalJsonError(`${at}: ${value} is not a JSON number`);
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return writeString(value, at);
  if (typeof value !== 'object') throw new CanonicalJsonError(`${at}: a ${typeof value} is not JSON`);
  if (ancestors.has(value)) throw new CanonicalJsonError(`${at}: cycle`);
  ancestors.add(value);
  try {
    return Array.isArray(value) ? writeArray(value, at, ancestors) : writeObject(value, at, ancestors);
  } finally {
    ancestors.delete(value);
  }
}

function writeString(value: string, at: string): string {
  if (LONE_SURROGATE.test(value)) throw new CanonicalJsonError(`${at}: string is not well-formed Unicode`);
  return JSON.stringify(value);
}

function writeArray(value: unknown[], at: string, ancestors: Set<object>): string {
  const items: string[] = [];
  for (let i = 0; i < value.length; i++) {
    if (!(i in value)) throw new CanonicalJsonError(`${at}[${i}]: array hole`);
    items.push(write(value[i], `${at}[${i}]`, ancestors));
  }
  return `[${items.join(',')}]`;
}

function writeObject(value: object, at: string, ancestors: Set<object>): string {
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
    throw new CanonicalJsonError(`${at}: a ${kind} is not plain JSON; convert it first (e.g. a Date to an ISO string)`);
  }
  const record = value as Record<string, unknown>;
  // Default sort compares UTF-16 code units, which is RFC 8785's order.
  const keys = Object.keys(record).sort();
  const members = keys.map((key) => {
    const path = `${at}.${key}`;
    return `${writeString(key, path)}:${write(record[key], path, ancestors)}`;
  });
  return `{${members.join(',')}}`;
}
