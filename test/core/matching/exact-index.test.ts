import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExactDigestIndex } from '../../../src/core/matching/index.js';

const MD5_A = '9e107d9d372bb6826bd81d3542a419d6';
const MD5_B = 'e4d909c290d0fb1ca068ffaddf22cbd0';
const SHA_A = 'd7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592';

test('md5: insert, lookup (case-insensitive, hex or bytes), delete', () => {
  const index = new ExactDigestIndex('md5');
  index.insert(1, MD5_A);
  index.insert(2, MD5_A.toUpperCase());
  index.insert(3, MD5_B);
  assert.equal(index.size, 3);
  assert.deepEqual(index.lookup(MD5_A), [1, 2]);
  const bytes = Uint8Array.from(MD5_B.match(/../g)!.map((h) => Number.parseInt(h, 16)));
  assert.deepEqual(index.lookup(bytes), [3]);
  assert.equal(index.delete(1), true);
  assert.equal(index.delete(1), false);
  assert.deepEqual(index.lookup(MD5_A), [2]);
  assert.equal(index.delete(2), true);
  assert.deepEqual(index.lookup(MD5_A), []);
  assert.equal(index.has(3), true);
  assert.equal(index.size, 1);
});

test('reinserting an id moves it to its new digest', () => {
  const index = new ExactDigestIndex('md5');
  index.insert(7, MD5_A);
  index.insert(8, MD5_A);
  index.insert(9, MD5_A);
  index.insert(7, MD5_B);
  assert.deepEqual(index.lookup(MD5_A), [8, 9]);
  assert.deepEqual(index.lookup(MD5_B), [7]);
  assert.equal(index.size, 3);
});

test('sha256 digests and validation', () => {
  const index = new ExactDigestIndex('sha256');
  index.insert(2 ** 40, SHA_A);
  assert.deepEqual(index.lookup(SHA_A.toUpperCase()), [2 ** 40]);
  assert.throws(() => index.insert(1, MD5_A), /sha256 digest as 64 hex digits/);
  assert.throws(() => index.lookup('zz'.repeat(32)), RangeError);
  assert.throws(() => index.lookup(new Uint8Array(16)), /32 bytes/);
  assert.throws(() => index.insert(-3, SHA_A), RangeError);
  assert.equal(index.normalize(new Uint8Array(32).fill(255)), 'f'.repeat(64));
});
