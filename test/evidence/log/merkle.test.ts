import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { fromHex, toHex } from '../../../src/evidence/log/bytes.js';
import {
  consistencyProof,
  emptyRoot,
  inclusionProof,
  leafHash,
  MerkleTree,
  merkleRoot,
  type Sha256,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/evidence/log/merkle.js';
import { sha256 } from '../../../src/evidence/log/node-sha256.js';

// ---- an independent oracle: RFC 6962 §2.1 written out recursively, word for word ----

const h = (...parts: Uint8Array[]): Uint8Array => createHash('sha256').update(Buffer.concat(parts)).digest();
const k = (n: number): number => 2 ** Math.floor(Math.log2(n - 1));
const NODE = Uint8Array.of(1);

// Memoised by (first leaf, length) only to keep the exhaustive tests fast; leaves are distinct.
const memo = new Map<string, Uint8Array>();
function mth(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return h();
  if (d.length === 1) return d[0]!;
  const key = `${Buffer.from(d[0]!).toString('hex')}:${d.length}`;
  let root = memo.get(key);
  if (!root) {
    root = h(NODE, mth(d.slice(0, k(d.length))), mth(d.slice(k(d.length))));
    memo.set(key, root);
  }
  return root;
}

function path(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length === 1) return [];
  const s = k(d.length);
  return m < s ? [...path(m, d.slice(0, s)), mth(d.slice(s))] : [...path(m - s, d.slice(s)), mth(d.slice(0, s))];
}

function subproof(m: number, d: Uint8Array[], b: boolean): Uint8Array[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const s = k(d.length);
  return m <= s
    ? [...subproof(m, d.slice(0, s), b), mth(d.slice(s))]
    : [...subproof(m - s, d.slice(s), false), mth(d.slice(0, s))];
}

const hexes = (list: Uint8Array[]): string[] => list.map(toHex);

/** A small deterministic PRNG (mulberry32) so a failure can be replayed. */
function prng(seed: number): (n: number) => number {
  let a = seed;
  return (n) => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n;
  };
}

function flipByte(proof: Uint8Array[], rand: (n: number) => number): Uint8Array[] {
  const copy = proof.map((p) => p.slice());
  const target = copy[Math.floor(rand(copy.length))]!;
  target[Math.floor(rand(32))]! ^= 1 << Math.floor(rand(8));
  return copy;
}

const NOT_A_ROOT = h(Buffer.from('not a root'));
const LEAVES = Array.from({ length: 70 }, (_, i) => leafHash(sha256, Buffer.from(`synthetic capture record ${i}`)));

// ---- Certificate Transparency's published test vectors (RFC 6962 implementations) ----

const CT_DATA = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const CT_INCLUSION: [number, number, string[]][] = [
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
];
const CT_CONSISTENCY: [number, number, string[]][] = [
  [
    2,
    8,
    [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
];

describe('Merkle tree (RFC 6962)', () => {
  test('matches the Certificate Transparency test vectors', () => {
    const leaves = CT_DATA.map((d) => leafHash(sha256, fromHex(d)));
    const tree = new MerkleTree(sha256, leaves);
    assert.equal(toHex(emptyRoot(sha256)), CT_ROOTS[0]);
    for (let n = 0; n <= 8; n++) {
      assert.equal(toHex(tree.root(n)), CT_ROOTS[n], `root of size ${n}`);
      assert.equal(toHex(merkleRoot(sha256, leaves.slice(0, n))), CT_ROOTS[n]);
    }
    for (const [index, size, expected] of CT_INCLUSION) {
      assert.deepEqual(hexes(tree.inclusionProof(index, size)), expected);
      const proof = expected.map((p) => fromHex(p));
      assert.ok(verifyInclusion(sha256, leaves[index]!, index, size, proof, fromHex(CT_ROOTS[size]!)));
    }
    for (const [first, second, expected] of CT_CONSISTENCY) {
      assert.deepEqual(hexes(tree.consistencyProof(first, second)), expected);
      const proof = expected.map((p) => fromHex(p));
      assert.ok(verifyConsistency(sha256, first, second, fromHex(CT_ROOTS[first]!), fromHex(CT_ROOTS[second]!), proof));
    }
  });

  test('roots and inclusion proofs equal the recursive definition for every size 1..70', () => {
    const tree = new MerkleTree(sha256, LEAVES);
    const rand = prng(6962);
    for (let n = 1; n <= LEAVES.length; n++) {
      const d = LEAVES.slice(0, n);
      const root = mth(d);
      assert.equal(toHex(tree.root(n)), toHex(root), `root of ${n}`);
      for (let i = 0; i < n; i++) {
        const proof = tree.inclusionProof(i, n);
        assert.deepEqual(hexes(proof), hexes(path(i, d)), `PATH(${i}, ${n})`);
        assert.ok(verifyInclusion(sha256, LEAVES[i]!, i, n, proof, root), `inclusion ${i}/${n}`);
        // Tampering of any kind must fail.
        assert.ok(!verifyInclusion(sha256, LEAVES[(i + 1) % 70]!, i, n, proof, root), `other leaf ${i}/${n}`);
        assert.ok(!verifyInclusion(sha256, LEAVES[i]!, i, n, proof, NOT_A_ROOT), `other root ${i}/${n}`);
        assert.ok(!verifyInclusion(sha256, LEAVES[i]!, i, n, [...proof, root], root), `extended ${i}/${n}`);
        if (proof.length === 0) continue;
        assert.ok(!verifyInclusion(sha256, LEAVES[i]!, i, n, flipByte(proof, rand), root), `flipped ${i}/${n}`);
        assert.ok(!verifyInclusion(sha256, LEAVES[i]!, i, n, proof.slice(0, -1), root), `truncated ${i}/${n}`);
        if (proof.length > 1) {
          const swapped = [proof[1]!, proof[0]!, ...proof.slice(2)];
          assert.ok(!verifyInclusion(sha256, LEAVES[i]!, i, n, swapped, root), `swapped ${i}/${n}`);
        }
        if (n > 1) {
          const j = (i + 1) % n;
          assert.ok(!verifyInclusion(sha256, LEAVES[i]!, j, n, proof, root), `moved ${i}->${j}/${n}`);
        }
      }
    }
  });

  test('consistency proofs equal the recursive definition for every 0 <= m <= n <= 70', () => {
    const tree = new MerkleTree(sha256, LEAVES);
    const roots = Array.from({ length: 71 }, (_, n) => tree.root(n));
    const rand = prng(9162);
    for (let n = 1; n <= LEAVES.length; n++) {
      const d = LEAVES.slice(0, n);
      for (let m = 0; m <= n; m++) {
        const proof = tree.consistencyProof(m, n);
        const expected = m === 0 || m === n ? [] : subproof(m, d, true);
        assert.deepEqual(hexes(proof), hexes(expected), `PROOF(${m}, ${n})`);
        assert.ok(verifyConsistency(sha256, m, n, roots[m]!, roots[n]!, proof), `consistency ${m}->${n}`);
        if (m === n) continue;
        if (m > 0) assert.ok(!verifyConsistency(sha256, m, n, roots[m]!, NOT_A_ROOT, proof), `new root ${m}->${n}`);
        assert.ok(!verifyConsistency(sha256, m, n, roots[m === 0 ? 1 : m - 1]!, roots[n]!, proof), `old root ${m}`);
        assert.ok(!verifyConsistency(sha256, m, n, roots[m]!, roots[n]!, [...proof, roots[n]!]), `extended ${m}`);
        if (proof.length === 0) continue;
        assert.ok(!verifyConsistency(sha256, m, n, roots[m]!, roots[n]!, flipByte(proof, rand)), `flipped ${m}->${n}`);
        assert.ok(!verifyConsistency(sha256, m, n, roots[m]!, roots[n]!, proof.slice(0, -1)), `truncated ${m}->${n}`);
      }
    }
  });

  test('the array helpers agree with the tree', () => {
    const leaves = LEAVES.slice(0, 23);
    assert.deepEqual(hexes(inclusionProof(sha256, 9, leaves, 17)), hexes(path(9, leaves.slice(0, 17))));
    assert.deepEqual(hexes(consistencyProof(sha256, 5, 23, leaves)), hexes(subproof(5, leaves, true)));
  });

  test('degenerate and malformed input: verifiers say false, generators throw', () => {
    const tree = new MerkleTree(sha256, LEAVES.slice(0, 8));
    const r4 = tree.root(4);
    const r8 = tree.root(8);
    const proof = tree.inclusionProof(5, 8);
    assert.ok(verifyConsistency(sha256, 4, 4, r4, r4, []));
    assert.ok(!verifyConsistency(sha256, 4, 4, r4, r8, []));
    assert.ok(!verifyConsistency(sha256, 4, 4, r4, r4, [r4]));
    assert.ok(verifyConsistency(sha256, 0, 8, emptyRoot(sha256), r8, []));
    assert.ok(!verifyConsistency(sha256, 0, 8, r4, r8, []));
    assert.ok(!verifyConsistency(sha256, 8, 4, r8, r4, tree.consistencyProof(4, 8)));
    assert.ok(!verifyConsistency(sha256, 6, 8, tree.root(6), r8, []));
    assert.ok(!verifyInclusion(sha256, LEAVES[5]!, 8, 8, proof, r8));
    assert.ok(!verifyInclusion(sha256, LEAVES[5]!, -1, 8, proof, r8));
    assert.ok(!verifyInclusion(sha256, LEAVES[5]!, 5.5, 8, proof, r8));
    assert.ok(!verifyInclusion(sha256, LEAVES[5]!.subarray(1), 5, 8, proof, r8));
    assert.ok(!verifyInclusion(sha256, LEAVES[5]!, 5, 8, [proof[0]!.subarray(1), ...proof.slice(1)], r8));
    assert.ok(!verifyInclusion(sha256, LEAVES[5]!, 5, 8, 'proof' as unknown as Uint8Array[], r8));
    assert.throws(() => tree.append(new Uint8Array(31)), TypeError);
    assert.throws(() => tree.inclusionProof(8, 8), RangeError);
    assert.throws(() => tree.inclusionProof(0, 9), RangeError);
    assert.throws(() => tree.consistencyProof(5, 3), RangeError);
    assert.throws(() => tree.root(9), RangeError);
    // Results are copies: changing one never changes the tree.
    tree.root()[0]! ^= 0xff;
    tree.inclusionProof(0)[0]![0]! ^= 0xff;
    assert.deepEqual(tree.root(), r8);
    assert.deepEqual(tree.inclusionProof(5), proof);
  });

  test('100k leaves: appends, roots and proofs take O(log n) hashes, not O(n)', () => {
    let calls = 0;
    const counting: Sha256 = (data) => {
      calls++;
      return sha256(data);
    };
    const n = 100_003;
    const leaves = Array.from({ length: n }, (_, i) => leafHash(sha256, Buffer.from(`custody event ${i}`)));
    const tree = new MerkleTree(counting, leaves);
    assert.ok(calls < n, `building took ${calls} hashes`); // n - popcount(n) interior nodes
    assert.equal(toHex(tree.root()), toHex(mth(leaves)));

    const bound = 17 * 17; // ceil(log2 n)^2
    const measure = (fn: () => void): number => {
      calls = 0;
      fn();
      return calls;
    };
    assert.ok(measure(() => tree.root()) <= 17);
    for (const index of [0, 1, 65_535, 65_536, 99_999, n - 1]) {
      let proof: Uint8Array[] = [];
      assert.ok(measure(() => (proof = tree.inclusionProof(index))) <= bound, `inclusion ${index}`);
      assert.ok(verifyInclusion(sha256, leaves[index]!, index, n, proof, tree.root()));
    }
    for (const first of [1, 3, 65_536, 70_001, n - 1]) {
      let proof: Uint8Array[] = [];
      assert.ok(measure(() => (proof = tree.consistencyProof(first))) <= bound, `consistency ${first}`);
      assert.ok(verifyConsistency(sha256, first, n, tree.root(first), tree.root(), proof));
    }
  });
});
