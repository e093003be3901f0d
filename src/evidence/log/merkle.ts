/**
 * The Merkle tree of the evidence log, as RFC 6962 §2.1 defines it (restated more
 * clearly in RFC 9162 §2.1): leaf hash = SHA-256(0x00 || data), interior node =
 * SHA-256(0x01 || left || right), the empty tree's hash = SHA-256(""), and a tree of n
 * leaves splits at the largest power of two below n. Proofs and their verification
 * follow RFC 9162 §2.1.3 (inclusion) and §2.1.4 (consistency).
 *
 * Pure: no Node APIs. SHA-256 is passed in, so a browser or the offline verifier can
 * run this file with whatever SHA-256 it has (see node-sha256.ts for Node's).
 *
 * Cost. `MerkleTree` keeps the hash of every complete, aligned subtree (2^k leaves
 * starting at a multiple of 2^k) in one flat byte column per level. An append hashes
 * at most log2(n) parents (one on average). Every subtree a root or a proof needs is
 * such a stored subtree, except those on the tree's ragged right edge, which are
 * combined from O(log n) stored ones. So a root costs O(log n) hashes and a proof
 * O(log² n) at worst (about 300 for a million leaves), never O(n). Stored subtrees
 * never change when leaves are appended, so proofs for any earlier tree size come from
 * the same columns.
 */
import { bytesEqual, concatBytes } from './bytes.js';

export type Sha256 = (data: Uint8Array) => Uint8Array;

export const HASH_BYTES = 32;

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

export function leafHash(sha256: Sha256, data: Uint8Array): Uint8Array {
  return sha256(concatBytes(LEAF_PREFIX, data));
}

export function nodeHash(sha256: Sha256, left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(concatBytes(NODE_PREFIX, left, right));
}

/** The root of the tree with no leaves. */
export function emptyRoot(sha256: Sha256): Uint8Array {
  return sha256(new Uint8Array(0));
}

/** The largest power of two strictly below n (n >= 2): where RFC 6962 splits a tree. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

/** Division by two for sizes past 2^31, where `>>` would wrap. */
const half = (n: number): number => Math.floor(n / 2);
const isOdd = (n: number): boolean => n % 2 === 1;
const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
const isHash = (h: unknown): h is Uint8Array => h instanceof Uint8Array && h.length === HASH_BYTES;

/** A growable column of 32-byte hashes: one allocation per doubling, not per hash. */
class HashColumn {
  private bytes = new Uint8Array(HASH_BYTES * 64);
  length = 0;

  push(hash: Uint8Array): void {
    if ((this.length + 1) * HASH_BYTES > this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes.set(hash, this.length * HASH_BYTES);
    this.length++;
  }

  /** A view; callers outside this file get copies. */
  get(index: number): Uint8Array {
    return this.bytes.subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES);
  }
}

/** An append-only Merkle tree over leaf hashes (not leaf data: see `leafHash`). */
export class MerkleTree {
  /** levels[k][i] = hash of leaves [i·2^k, (i+1)·2^k), for each such range complete. */
  private readonly levels: HashColumn[] = [new HashColumn()];

  constructor(
    private readonly sha256: Sha256,
    leafHashes: Iterable<Uint8Array> = [],
  ) {
    for (const hash of leafHashes) this.append(hash);
  }

  get size(): number {
    return this.levels[0]!.length;
  }

  append(hash: Uint8Array): void {
    if (!isHash(hash)) throw new TypeError(`a leaf hash is ${HASH_BYTES} bytes`);
    let level = 0;
    let index = this.size;
    this.levels[0]!.push(hash);
    // A right child completes its parent: store the parent, and repeat one level up.
    while (isOdd(index)) {
      const column = this.levels[level]!;
      const parent = nodeHash(this.sha256, column.get(index - 1), column.get(index));
      level++;
      if (this.levels.length === level) this.levels.push(new HashColumn());
      this.levels[level]!.push(parent);
      index = (index - 1) / 2;
    }
  }

  leafHash(index: number): Uint8Array {
    if (!isCount(index) || index >= this.size) throw new RangeError(`no leaf ${index} in a tree of ${this.size}`);
    return this.levels[0]!.get(index).slice();
  }

  /** The tree head (root hash) of the first `treeSize` leaves. */
  root(treeSize = this.size): Uint8Array {
    this.checkSize(treeSize);
    return treeSize === 0 ? emptyRoot(this.sha256) : this.subtree(0, treeSize).slice();
  }

  /** RFC 9162 PATH(index, D[treeSize]): sibling hashes from the leaf up to the root. */
  inclusionProof(index: number, treeSize = this.size): Uint8Array[] {
    this.checkSize(treeSize);
    if (!isCount(index) || index >= treeSize) {
      throw new RangeError(`leaf ${index} is not in a tree of ${treeSize} leaves`);
    }
    const proof: Uint8Array[] = [];
    let start = 0;
    let size = treeSize;
    let m = index;
    // Root to leaf; the siblings are collected top-down and returned bottom-up.
    while (size > 1) {
      const k = splitPoint(size);
      if (m < k) {
        proof.push(this.subtree(start + k, size - k));
        size = k;
      } else {
        proof.push(this.subtree(start, k));
        start += k;
        m -= k;
        size -= k;
      }
    }
    return proof.reverse().map((h) => h.slice());
  }

  /**
   * RFC 9162 PROOF(first, D[second]): that the tree of `first` leaves is a prefix of the
   * tree of `second`. Empty when first is 0 or equals second (nothing to prove).
   */
  consistencyProof(first: number, second = this.size): Uint8Array[] {
    this.checkSize(second);
    if (!isCount(first) || first > second) throw new RangeError(`no consistency proof from ${first} to ${second}`);
    if (first === 0 || first === second) return [];
    const proof: Uint8Array[] = [];
    let start = 0;
    let size = second;
    let m = first;
    // True while the old tree is still a left-aligned complete subtree of this one: its
    // root is then known to the verifier and is left out (SUBPROOF's flag b).
    let knownToVerifier = true;
    while (m !== size) {
      const k = splitPoint(size);
      if (m <= k) {
        proof.push(this.subtree(start + k, size - k));
        size = k;
      } else {
        proof.push(this.subtree(start, k));
        start += k;
        m -= k;
        size -= k;
        knownToVerifier = false;
      }
    }
    if (!knownToVerifier) proof.push(this.subtree(start, size));
    return proof.reverse().map((h) => h.slice());
  }

  private checkSize(treeSize: number): void {
    if (!isCount(treeSize) || treeSize > this.size) {
      throw new RangeError(`tree size ${treeSize} is not between 0 and ${this.size}`);
    }
  }

  /** MTH of leaves [start, start + size); only ever asked for nodes of the RFC tree. */
  private subtree(start: number, size: number): Uint8Array {
    let level = 0;
    let width = 1;
    while (width < size) {
      width *= 2;
      level++;
    }
    if (width === size) return this.levels[level]!.get(start / size);
    const k = width / 2;
    return nodeHash(this.sha256, this.subtree(start, k), this.subtree(start + k, size - k));
  }
}

/** The root of a list of leaf hashes (builds a throwaway tree: O(n)). */
export function merkleRoot(sha256: Sha256, leafHashes: readonly Uint8Array[]): Uint8Array {
  return new MerkleTree(sha256, leafHashes).root();
}

export function inclusionProof(
  sha256: Sha256,
  index: number,
  leafHashes: readonly Uint8Array[],
  treeSize = leafHashes.length,
): Uint8Array[] {
  return new MerkleTree(sha256, leafHashes.slice(0, treeSize)).inclusionProof(index, treeSize);
}

export function consistencyProof(
  sha256: Sha256,
  first: number,
  second: number,
  leafHashes: readonly Uint8Array[],
): Uint8Array[] {
  return new MerkleTree(sha256, leafHashes.slice(0, second)).consistencyProof(first, second);
}

/**
 * RFC 9162 §2.1.3.2: does `proof` show the leaf with hash `leaf` at `index` in the tree
 * of `treeSize` leaves whose root is `root`? Malformed input is false, never a throw.
 */
export function verifyInclusion(
  sha256: Sha256,
  leaf: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isCount(index) || !isCount(treeSize) || index >= treeSize) return false;
  if (!isHash(leaf) || !isHash(root) || !Array.isArray(proof) || !proof.every(isHash)) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(sha256, p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(sha256, r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && bytesEqual(r, root);
}

/**
 * RFC 9162 §2.1.4.2: is the tree of `first` leaves with root `firstRoot` a prefix of the
 * tree of `second` leaves with root `secondRoot`? Equal sizes need equal roots and an
 * empty proof; from size 0 the first root must be the empty tree's.
 */
export function verifyConsistency(
  sha256: Sha256,
  first: number,
  second: number,
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!isCount(first) || !isCount(second) || first > second) return false;
  if (!isHash(firstRoot) || !isHash(secondRoot) || !Array.isArray(proof) || !proof.every(isHash)) return false;
  if (first === second) return proof.length === 0 && bytesEqual(firstRoot, secondRoot);
  if (first === 0) return proof.length === 0 && bytesEqual(firstRoot, emptyRoot(sha256));
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(sha256, c, fr);
      sr = nodeHash(sha256, c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sha256, sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && bytesEqual(fr, firstRoot) && bytesEqual(sr, secondRoot);
}
