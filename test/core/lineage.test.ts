/** MinHash, LSH banding, set measures and the lineage score: the pure core of channel lineage. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  bandKeys,
  candidateProbability,
  combineScores,
  entryOverlap,
  estimateJaccard,
  isEmptySignature,
  isProbableSuccessor,
  jaccard,
  LshIndex,
  MinHasher,
  mediaComponent,
  overlapOfCounts,
  sharedFromJaccard,
  signatureFromBytes,
  signatureToBytes,
  trigramSimilarity,
} from '../../src/core/lineage/index.js';

/** splitmix32: seeded, so every run draws the same sets. */
function rng(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

function randomHex(next: () => number, digits = 32): string {
  let out = '';
  for (let i = 0; i < digits; i++) out += Math.floor(next() * 16).toString(16);
  return out;
}

function randomSet(next: () => number, size: number): string[] {
  return Array.from({ length: size }, () => `m:${randomHex(next)}`);
}

/** Two sets of `size` elements sharing `shared` of them. */
function pair(next: () => number, size: number, shared: number): [Set<string>, Set<string>] {
  const common = randomSet(next, shared);
  return [
    new Set([...common, ...randomSet(next, size - shared)]),
    new Set([...common, ...randomSet(next, size - shared)]),
  ];
}

const hasher = new MinHasher();

describe('MinHash', () => {
  test('estimates Jaccard similarity within tolerance of the exact value on random sets', () => {
    const next = rng(7);
    const errors: number[] = [];
    for (let trial = 0; trial < 60; trial++) {
      const size = 50 + Math.floor(next() * 400);
      const shared = Math.floor(next() * size);
      const [a, b] = pair(next, size, shared);
      const exact = jaccard(a, b);
      const estimate = estimateJaccard(hasher.signature(a), hasher.signature(b));
      errors.push(Math.abs(estimate - exact));
    }
    const mean = errors.reduce((s, e) => s + e, 0) / errors.length;
    // 128 slots: standard error at most 0.044; 3.5 sigma bounds every single estimate.
    assert.ok(Math.max(...errors) < 0.155, `largest error ${Math.max(...errors)}`);
    assert.ok(mean < 0.05, `mean error ${mean}`);
  });

  test('is a property of the set: order and duplicates do not matter; disjoint and equal sets are 0 and 1', () => {
    const next = rng(11);
    const items = randomSet(next, 100);
    const sig = hasher.signature(items);
    assert.deepEqual(hasher.signature([...items].reverse().concat(items.slice(0, 10))), sig);
    assert.equal(estimateJaccard(sig, hasher.signature(items)), 1);
    assert.equal(estimateJaccard(sig, hasher.signature(randomSet(next, 100))), 0);
  });

  test('a fixed hash family: signatures made by separate hashers agree and survive storage as bytes', () => {
    const items = ['m:00112233445566778899aabbccddeeff', 'p:'.padEnd(66, 'a')];
    const sig = new MinHasher().signature(items);
    assert.deepEqual(new MinHasher().signature(items), sig);
    const bytes = signatureToBytes(sig);
    assert.equal(bytes.length, 512);
    assert.deepEqual(signatureFromBytes(Buffer.from(bytes)), sig);
    // Pinned values: changing the family must bump MINHASH_VERSION (stored signatures would no longer compare).
    assert.deepEqual([...sig.slice(0, 4)], [2540321583, 384077167, 2793395893, 19926955]);
    assert.deepEqual(bandKeys(sig).slice(0, 2), [965908739, 5876685320]);
  });

  test('an empty set has an empty signature, no band keys and no similarity', () => {
    const empty = hasher.signature([]);
    assert.equal(isEmptySignature(empty), true);
    assert.deepEqual(bandKeys(empty), []);
    assert.equal(estimateJaccard(empty, empty), 0);
  });
});

describe('LSH banding', () => {
  test('finds a successor sharing 60% of the media among 1,000 random channels, and no unrelated one', () => {
    const next = rng(2024);
    const index = new LshIndex<string>();
    for (let i = 0; i < 1000; i++) index.add(`channel-${i}`, hasher.signature(randomSet(next, 20 + (i % 80))));
    const old = randomSet(next, 60);
    // The backup re-posts 60% of the old channel's media among as many new files.
    const backup = [...old.slice(0, 36), ...randomSet(next, 24)];
    index.add('backup', hasher.signature(backup));
    const hits = index.candidates(hasher.signature(old));
    assert.deepEqual([...hits.keys()], ['backup']);
    assert.ok(hits.get('backup')! > 5, 'a real successor shares many bands');
  });

  test('band keys name their band and the candidate probability matches the design', () => {
    const keys = bandKeys(hasher.signature(['m:1', 'm:2']));
    assert.equal(keys.length, 64);
    assert.deepEqual(
      keys.map((k) => Math.floor(k / 2 ** 32)),
      keys.map((_, band) => band),
    );
    assert.ok(keys.every(Number.isSafeInteger));
    assert.ok(candidateProbability(0.3) > 0.99);
    assert.ok(candidateProbability(0.2) > 0.9);
    assert.ok(candidateProbability(0.01) < 0.01);
  });
});

describe('set measures', () => {
  test('overlap coefficient, shared count from Jaccard, and trigram similarity', () => {
    assert.equal(overlapOfCounts(10, 20, 40), 0.5);
    assert.equal(overlapOfCounts(0, 0, 5), 0);
    assert.equal(sharedFromJaccard(1 / 3, 20, 20), 10);
    assert.equal(trigramSimilarity('albkings', 'albkings'), 1);
    assert.ok(trigramSimilarity('albkings', 'albking') > 0.6);
    assert.ok(trigramSimilarity('albkings', 'maskpark') < 0.1);
    assert.equal(trigramSimilarity('', 'albkings'), 0);
  });
});

describe('lineage score', () => {
  const none = { score: 0, observed: false, shared: false };

  test('unobserved components are left out and the other weights scaled up', () => {
    const combined = combineScores({
      media: { score: 0.4, observed: true, shared: true },
      forwards: { score: 1, observed: true, shared: true },
      title: { score: 1, observed: true, shared: false },
      admins: none,
    });
    assert.equal(combined.weights.admins, 0);
    assert.ok(Math.abs(combined.weights.media - 0.5 / 0.85) < 1e-3);
    assert.ok(Math.abs(combined.score - (0.5 * 0.4 + 0.2 + 0.15) / 0.85) < 1e-3);
  });

  test('a title alone never makes a probable successor, however similar', () => {
    const parts = {
      media: { score: 0, observed: true, shared: false },
      forwards: none,
      title: { score: 1, observed: true, shared: false },
      admins: none,
    };
    assert.equal(isProbableSuccessor(combineScores(parts), parts, 0.1), false);
  });

  test('the media component damps the overlap of a few shared files', () => {
    assert.ok(mediaComponent(0.05, 1, 1) < mediaComponent(0.05, 1, 6));
    assert.equal(mediaComponent(1, 1, 100), 1);
  });

  test('entries match on any key: a source known by id in one channel and by name in another', () => {
    const overlap = entryOverlap(
      [
        { keys: ['tg:-1001', 'name:alb leaks'], label: 'Alb Leaks' },
        { keys: ['name:other'], label: 'Other' },
      ],
      [{ keys: ['name:alb leaks'], label: 'alb leaks' }],
    );
    assert.deepEqual(overlap.shared, ['Alb Leaks']);
    assert.equal(overlap.score, 0.5);
  });
});
