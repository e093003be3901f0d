import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hash256ToHex, wordsToHash256 } from '../../../src/core/hash256.js';
import { HammingIndex } from '../../../src/core/matching/index.js';
import {
  bitsInChunk,
  bruteForce,
  type Dataset,
  flipBits,
  mixedDataset,
  nearby,
  packed,
  randomHash,
  rng,
} from './hash-data.js';

/** Queries: near stored hashes (0..40 bits away), near cluster members, and random. */
function queriesFor(data: Dataset, count: number, next: () => number): Uint32Array[] {
  const out: Uint32Array[] = [];
  for (let i = 0; i < count; i++) {
    const stored = data.hashes[next() % data.hashes.length]!;
    out.push(i % 3 === 2 ? randomHash(next) : nearby(stored, next() % 41, next));
  }
  return out;
}

function assertExact(index: HammingIndex, data: Dataset, queries: Uint32Array[], radii: number[]): void {
  for (const radius of radii) {
    for (const q of queries) {
      assert.deepEqual(index.query(q, radius), bruteForce(data, q, radius), `radius ${radius}`);
    }
  }
}

const EVERY_RADIUS = Array.from({ length: 48 }, (_, r) => r).concat([48, 64, 130]);

test('bulk-built index equals brute force at every radius on random + clustered data', () => {
  const next = rng(1);
  // ids in shuffled order and above 2^32, so the radix sort and the Float64 id store are exercised
  const data = mixedDataset(3000, next, (i) => 2 ** 33 + ((i * 7919) % 3000) * 3);
  const index = new HammingIndex().build(data.ids, packed(data.hashes));
  assert.equal(index.size, 3000);
  assertExact(index, data, queriesFor(data, 150, next), EVERY_RADIUS);
});

test('inserted (delta) rows are found exactly like bulk-built ones', () => {
  const next = rng(2);
  const data = mixedDataset(2000, next);
  const index = new HammingIndex({ autoCompact: false });
  data.ids.forEach((id, i) => {
    index.insert(id, data.hashes[i]!);
  });
  assert.equal(index.stats().deltaRows, 2000);
  assertExact(index, data, queriesFor(data, 100, next), EVERY_RADIUS);
});

test('a base + delta mix with deletes equals brute force over the live rows', () => {
  const next = rng(3);
  const data = mixedDataset(3000, next);
  const index = new HammingIndex({ autoCompact: false }).build(
    data.ids.slice(0, 2000),
    packed(data.hashes.slice(0, 2000)),
  );
  for (let i = 2000; i < 3000; i++) index.insert(data.ids[i]!, data.hashes[i]!);
  const live: Dataset = { ids: [], hashes: [] };
  data.ids.forEach((id, i) => {
    if (i % 5 === 0) assert.equal(index.delete(id), true);
    else {
      live.ids.push(id);
      live.hashes.push(data.hashes[i]!);
    }
  });
  assert.equal(index.size, live.ids.length);
  const queries = queriesFor(data, 150, next);
  assertExact(index, live, queries, [0, 8, 15, 16, 24, 31, 32, 47, 60]);
  const before = queries.map((q) => index.query(q, 31));
  index.compact();
  assert.deepEqual(index.stats(), { ...index.stats(), baseRows: live.ids.length, baseDeleted: 0, deltaRows: 0 });
  assert.deepEqual(
    queries.map((q) => index.query(q, 31)),
    before,
  );
});

test('distance 31 spread as 2 bits in 15 chunks and 1 bit in the last is found (pigeonhole edge)', () => {
  const next = rng(4);
  const stored: Uint32Array[] = [];
  const queries: Uint32Array[] = [];
  for (let trial = 0; trial < 128; trial++) {
    const single = trial % 16;
    const h = randomHash(next);
    const bits: number[] = [];
    for (let c = 0; c < 16; c++) bits.push(...bitsInChunk(c, c === single ? 1 : 2, next));
    stored.push(h);
    queries.push(flipBits(h, bits));
  }
  for (const index of bothKinds(stored)) {
    queries.forEach((q, trial) => {
      assert.deepEqual(index.query(q, 31), [{ id: trial, distance: 31 }]);
      assert.deepEqual(index.query(q, 30), []);
    });
  }
});

/** The same rows (ids 0..n-1) bulk-built into the base segment, and inserted into the delta. */
function bothKinds(hashes: readonly Uint32Array[]): HammingIndex[] {
  const ids = hashes.map((_, i) => i);
  const delta = new HammingIndex({ autoCompact: false });
  hashes.forEach((h, i) => {
    delta.insert(i, h);
  });
  return [new HammingIndex().build(ids, packed(hashes)), delta];
}

test('distance 32 with exactly 2 bits in every chunk is outside radius 31 and inside 32', () => {
  const next = rng(5);
  const stored = randomHash(next);
  const bits: number[] = [];
  for (let c = 0; c < 16; c++) bits.push(...bitsInChunk(c, 2, next));
  const q = flipBits(stored, bits);
  const index = new HammingIndex().build([1], packed([stored]));
  assert.deepEqual(index.query(q, 31), []);
  assert.deepEqual(index.query(q, 32), [{ id: 1, distance: 32 }]);
});

test('adversarial spreads of d bits over chunk pairs match brute force at radii d-1..d+1', () => {
  const next = rng(6);
  const data: Dataset = { ids: [], hashes: [] };
  const cases: { q: Uint32Array; d: number; spread: number[] }[] = [];
  for (let trial = 0; trial < 600; trial++) {
    const d = next() % 48;
    const perChunk = spread(d, next);
    const stored = randomHash(next);
    data.ids.push(trial);
    data.hashes.push(stored);
    cases.push({
      q: flipBits(
        stored,
        perChunk.flatMap((count, c) => bitsInChunk(c, count, next)),
      ),
      d,
      spread: perChunk,
    });
  }
  for (const index of bothKinds(data.hashes)) {
    for (const { q, d, spread } of cases) {
      for (const radius of [d - 1, d, d + 1].filter((r) => r >= 0)) {
        assert.deepEqual(index.query(q, radius), bruteForce(data, q, radius), `d=${d} spread=${spread}`);
      }
    }
  }
});

/** Splits d bits over 16 chunks (<= 16 per chunk), lumpy on purpose: some chunks 0, some 3-4. */
function spread(d: number, next: () => number): number[] {
  const counts = new Array<number>(16).fill(0);
  for (let left = d; left > 0; ) {
    const c = next() % 16;
    const add = Math.min(left, 1 + (next() % 4), 16 - counts[c]!);
    counts[c]! += add;
    left -= add;
  }
  return counts;
}

test('insert, delete, reinsert, delete of a missing id, has/get/size', () => {
  const next = rng(7);
  const a = randomHash(next);
  const b = nearby(a, 5, next);
  const index = new HammingIndex().build([10, 20], packed([a, b]));
  assert.equal(index.delete(999), false);
  assert.equal(index.delete(10), true);
  assert.equal(index.delete(10), false);
  assert.equal(index.has(10), false);
  assert.equal(index.size, 1);
  assert.deepEqual(index.query(a, 10), [{ id: 20, distance: 5 }]);
  index.insert(10, a);
  assert.equal(index.has(10), true);
  assert.deepEqual(index.query(a, 10), [
    { id: 10, distance: 0 },
    { id: 20, distance: 5 },
  ]);
  // reinserting an id replaces its hash (upsert): the old one must not match any more
  const c = nearby(a, 40, next);
  index.insert(20, c);
  assert.equal(index.size, 2);
  assert.deepEqual(index.query(a, 10), [{ id: 10, distance: 0 }]);
  assert.equal(hash256ToHex(index.get(20)!), hash256ToHex(wordsToHash256(c)));
  assert.equal(index.delete(20), true);
  assert.equal(index.delete(20), false);
  assert.equal(index.get(20), undefined);
  assert.equal(index.size, 1);
});

test('duplicate hashes under different ids are all returned', () => {
  const next = rng(8);
  const h = randomHash(next);
  const index = new HammingIndex().build([5, 3, 9], packed([h, h, h]));
  index.insert(4, h);
  assert.deepEqual(
    index.query(h, 0).map((m) => m.id),
    [3, 4, 5, 9],
  );
});

test('queryDihedral returns the best distance per id over all variants', () => {
  const next = rng(9);
  const stored = Array.from({ length: 8 }, () => randomHash(next));
  const index = new HammingIndex().build([1, 2, 3, 4, 5, 6, 7, 8], packed(stored));
  // variant k is 2k bits from stored[k] and also 30 bits from stored[0]
  const variants = stored.map((h, k) => nearby(h, 2 * k, next));
  const expected = new Map<number, number>();
  for (const v of variants) {
    for (const m of bruteForce({ ids: [1, 2, 3, 4, 5, 6, 7, 8], hashes: stored }, v, 31)) {
      expected.set(m.id, Math.min(expected.get(m.id) ?? 999, m.distance));
    }
  }
  const got = index.queryDihedral(variants, 31);
  assert.deepEqual(
    got,
    [...expected].map(([id, distance]) => ({ id, distance })).sort((a, b) => a.distance - b.distance || a.id - b.id),
  );
  assert.equal(got.length, 8);
});

test('automatic compaction keeps answers identical to brute force', () => {
  const next = rng(10);
  const data = mixedDataset(1500, next);
  const index = new HammingIndex({ minCompactRows: 64, compactFraction: 0.1 });
  const live = new Map<number, Uint32Array>();
  let compactions = 0;
  for (let step = 0; step < 2500; step++) {
    const i = next() % data.ids.length;
    const id = data.ids[i]!;
    if (live.has(id) && next() % 3 === 0) {
      index.delete(id);
      live.delete(id);
    } else {
      index.insert(id, data.hashes[i]!);
      live.set(id, data.hashes[i]!);
    }
    if (index.stats().deltaRows === 0) compactions++;
  }
  assert.ok(compactions > 3, `expected several compactions, saw ${compactions}`);
  const liveData: Dataset = { ids: [...live.keys()], hashes: [...live.values()] };
  assert.equal(index.size, live.size);
  assertExact(index, liveData, queriesFor(data, 100, next), [0, 10, 31, 40]);
});

test('hashes may be given as hex, bytes or words, singly or packed', () => {
  const next = rng(11);
  const hashes = [randomHash(next), randomHash(next)];
  const bytes = hashes.map((h) => wordsToHash256(h));
  const packedBytes = new Uint8Array(64);
  packedBytes.set(bytes[0]!, 0);
  packedBytes.set(bytes[1]!, 32);
  const hex = bytes.map(hash256ToHex);
  for (const index of [
    new HammingIndex().build([1, 2], hex),
    new HammingIndex().build([1, 2], bytes),
    new HammingIndex().build([1, 2], packedBytes),
    new HammingIndex().build(new Float64Array([1, 2]), packed(hashes)),
  ]) {
    assert.deepEqual(index.query(hex[1]!, 0), [{ id: 2, distance: 0 }]);
    assert.deepEqual(index.query(bytes[0]!, 0), [{ id: 1, distance: 0 }]);
  }
});

test('invalid ids, radii, hashes and duplicate build ids are rejected clearly', () => {
  const index = new HammingIndex();
  const h = randomHash(rng(12));
  assert.throws(() => index.insert(-1, h), RangeError);
  assert.throws(() => index.insert(1.5, h), RangeError);
  assert.throws(() => index.insert(2 ** 53, h), RangeError);
  assert.throws(() => index.query(h, -1), RangeError);
  assert.throws(() => index.query(h, 2.5), RangeError);
  assert.throws(() => index.query(h, 257), RangeError);
  assert.throws(() => index.insert(1, new Uint8Array(31)), /256-bit hash/);
  assert.throws(() => index.insert(1, 'abc'), /64 hex digits/);
  assert.throws(() => index.build([1, 1], packed([h, h])), /duplicate signal id 1/);
  assert.throws(() => index.build([2, 1, 2], packed([h, h, h])), /duplicate signal id 2/);
  assert.throws(() => index.build([1, 2], packed([h])), RangeError);
  assert.throws(() => index.queryDihedral([], 31), RangeError);
});

test('an empty index answers every query with nothing', () => {
  const index = new HammingIndex().build([], new Uint32Array(0));
  const q = randomHash(rng(13));
  assert.equal(index.size, 0);
  assert.deepEqual(index.query(q, 31), []);
  assert.deepEqual(index.query(q, 200), []);
  index.compact();
  assert.deepEqual(new HammingIndex().query(q, 31), []);
});

test('stats count the bytes of every typed array', () => {
  const next = rng(14);
  const data = mixedDataset(1000, next);
  const index = new HammingIndex().build(data.ids, packed(data.hashes));
  const { byteLength } = index.stats();
  // 32 B hash + 4 B id + 16 x 5 B postings per row, plus 16 offset tables and the tombstones,
  // plus the empty delta's small id table
  const base = 1000 * (32 + 4 + 16 * 5) + 16 * 65537 * 4 + 4 * Math.ceil(1000 / 32);
  assert.ok(byteLength >= base && byteLength < base + 1024, `${byteLength} vs ${base}`);
});
