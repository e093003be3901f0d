/** BatchLoader: concurrent lookups share one load; missing keys and failures reach every caller. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchLoader } from '../../src/util/batch-loader.js';

test('lookups asked for together go out in one load, each key once', async () => {
  const loads: number[][] = [];
  const loader = new BatchLoader<number, string>(async (keys) => {
    loads.push(keys);
    return new Map(keys.filter((k) => k !== 3).map((k) => [k, `v${k}`]));
  });
  const got = await Promise.all([1, 2, 2, 3].map((k) => loader.get(k)));
  assert.deepEqual(got, ['v1', 'v2', 'v2', undefined]);
  assert.deepEqual(loads, [[1, 2, 3]]);
});

test('keys asked for while a load runs go out in the next one', async () => {
  const loads: number[][] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const loader = new BatchLoader<number, number>(async (keys) => {
    loads.push(keys);
    if (loads.length === 1) await gate;
    return new Map(keys.map((k) => [k, k * 10]));
  });
  const first = loader.get(1);
  await new Promise((r) => setImmediate(r));
  const later = [loader.get(2), loader.get(3)];
  release();
  assert.equal(await first, 10);
  assert.deepEqual(await Promise.all(later), [20, 30]);
  assert.deepEqual(loads, [[1], [2, 3]]);
});

test('a failed load rejects every lookup in it, and the loader keeps working', async () => {
  let fail = true;
  const loader = new BatchLoader<string, string>(async (keys) => {
    if (fail) throw new Error('database gone');
    return new Map(keys.map((k) => [k, k.toUpperCase()]));
  });
  const results = await Promise.allSettled([loader.get('a'), loader.get('b')]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
  );
  fail = false;
  assert.equal(await loader.get('c'), 'C');
});
