/**
 * Exact lookup of cryptographic digests (MD5, SHA-256) to signal ids.
 *
 * Keys are the lowercase hex digest; an id maps to one digest (inserting an
 * id again replaces its digest). Many ids may share a digest (the same file
 * in several banks). Pure TypeScript, browser-safe.
 */
import { checkId } from './hash-input.js';

export type DigestKind = 'md5' | 'sha256';

const DIGEST_BYTES: Record<DigestKind, number> = { md5: 16, sha256: 32 };
const HEX = '0123456789abcdef';

export class ExactDigestIndex {
  readonly kind: DigestKind;
  private readonly bytes: number;
  /** digest -> one id, or several (kept as an array: sharing is rare). */
  private readonly byDigest = new Map<string, number | number[]>();
  private readonly byId = new Map<number, string>();

  constructor(kind: DigestKind) {
    this.kind = kind;
    this.bytes = DIGEST_BYTES[kind];
  }

  get size(): number {
    return this.byId.size;
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  /** Adds or replaces the digest of a signal id. */
  insert(id: number, digest: string | Uint8Array): void {
    checkId(id);
    const key = this.normalize(digest);
    this.delete(id);
    const prev = this.byDigest.get(key);
    if (prev === undefined) this.byDigest.set(key, id);
    else if (typeof prev === 'number') this.byDigest.set(key, [prev, id]);
    else prev.push(id);
    this.byId.set(id, key);
  }

  delete(id: number): boolean {
    const key = this.byId.get(id);
    if (key === undefined) return false;
    this.byId.delete(id);
    const prev = this.byDigest.get(key);
    if (typeof prev === 'number' || prev === undefined) {
      this.byDigest.delete(key);
    } else {
      const rest = prev.filter((x) => x !== id);
      this.byDigest.set(key, rest.length === 1 ? rest[0]! : rest);
    }
    return true;
  }

  /** Ids whose digest equals this one, ascending; [] when none. */
  lookup(digest: string | Uint8Array): number[] {
    const found = this.byDigest.get(this.normalize(digest));
    if (found === undefined) return [];
    return typeof found === 'number' ? [found] : [...found].sort((a, b) => a - b);
  }

  /** Lowercase hex of a digest given as hex (either case) or raw bytes. */
  normalize(digest: string | Uint8Array): string {
    if (typeof digest === 'string') {
      if (digest.length !== 2 * this.bytes || !/^[0-9a-fA-F]+$/.test(digest)) {
        throw new RangeError(`expected a ${this.kind} digest as ${2 * this.bytes} hex digits`);
      }
      return digest.toLowerCase();
    }
    if (!(digest instanceof Uint8Array) || digest.length !== this.bytes) {
      throw new RangeError(`expected a ${this.kind} digest as ${this.bytes} bytes`);
    }
    let hex = '';
    for (let i = 0; i < digest.length; i++) hex += HEX[digest[i]! >> 4]! + HEX[digest[i]! & 15]!;
    return hex;
  }
}
