/** Pure PDQ core properties, on synthetic pixels (no decoding). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hammingDistanceHex } from '../../src/core/hash256.js';
import type { PixelImage } from '../../src/core/pdq/luma.js';
import { lumaFromPixels } from '../../src/core/pdq/luma.js';
import { DIHEDRAL_NAMES, PdqWorkspace, pdqHash, pdqHashDihedral } from '../../src/core/pdq/pdq.js';
import { referenceCliResize, resizeNearest, transformPixels } from '../../src/core/pdq/pixels.js';

/** Smooth blobs plus deterministic noise: enough structure for quality 100. */
function synthetic(width: number, height: number, channels: 1 | 3 | 4 = 3, seed = 1): PixelImage {
  const data = new Uint8Array(width * height * channels);
  let s = seed;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const noise = (s >>> 24) % 24;
      const v = 110 + 70 * Math.sin(x / (7 + seed)) * Math.cos(y / 11) + 40 * Math.sin((x + y) / 23) + noise;
      for (let c = 0; c < channels; c++) {
        data[(y * width + x) * channels + c] = c === 3 ? 255 - (x % 256) : Math.max(0, Math.min(255, v + c * 17));
      }
    }
  }
  return { data, width, height, channels };
}

test('hash is 64 lowercase hex with 128 bits set at most and quality in range', () => {
  const r = pdqHash(synthetic(320, 240));
  assert.match(r.hex, /^[0-9a-f]{64}$/);
  assert.ok(r.quality >= 0 && r.quality <= 100);
  assert.equal(r.quality, 100);
});

test('transpose hash (flipplus1) equals the hash of the transposed pixels', () => {
  for (const [w, h] of [
    [256, 256],
    [320, 240],
    [97, 131],
  ] as const) {
    const img = synthetic(w, h, 3, w);
    const dih = pdqHashDihedral(img);
    const transposed = pdqHash(transformPixels(img, 'flipplus1'));
    assert.equal(dih.dihedral.flipplus1.hex, transposed.hex, `${w}x${h}`);
    assert.equal(dih.dihedral.orig.hex, pdqHash(img).hex);
  }
});

test('each dihedral hash is nearest to the pixel transform of the same name', () => {
  // DCT-domain and pixel-domain transforms are not bit-identical (the box filter is
  // asymmetric), but each DCT-domain hash must identify its own transform.
  const img = synthetic(256, 256, 3, 3);
  const dih = pdqHashDihedral(img);
  const pixelHashes = Object.fromEntries(DIHEDRAL_NAMES.map((n) => [n, pdqHash(transformPixels(img, n)).hex]));
  for (const name of DIHEDRAL_NAMES) {
    const distances = DIHEDRAL_NAMES.map((other) => hammingDistanceHex(dih.dihedral[name].hex, pixelHashes[other]!));
    const own = distances[DIHEDRAL_NAMES.indexOf(name)]!;
    assert.equal(Math.min(...distances), own, `${name}: ${distances.join(' ')}`);
    assert.ok(own <= 64, `${name}: ${own}`);
  }
});

test('alpha is dropped, not composited; grey uses the sample itself', () => {
  const rgba = synthetic(100, 80, 4);
  const rgb = new Uint8Array(100 * 80 * 3);
  for (let p = 0; p < 100 * 80; p++) rgb.set(rgba.data.subarray(p * 4, p * 4 + 3), p * 3);
  assert.equal(pdqHash(rgba).hex, pdqHash({ data: rgb, width: 100, height: 80, channels: 3 }).hex);
  const grey = synthetic(64, 48, 1);
  const luma = lumaFromPixels(grey);
  assert.equal(luma[5], grey.data[5]);
  const ga = new Uint8Array(64 * 48 * 2);
  for (let p = 0; p < 64 * 48; p++) ga[2 * p] = grey.data[p]!;
  assert.equal(pdqHash({ data: ga, width: 64, height: 48, channels: 2 }).hex, pdqHash(grey).hex);
});

test('images under 5 pixels on a side hash to zero with quality 0, as the reference', () => {
  const r = pdqHash(synthetic(4, 100));
  assert.equal(r.hex, '0'.repeat(64));
  assert.equal(r.quality, 0);
  const d = pdqHashDihedral(synthetic(100, 3));
  assert.equal(d.dihedral.rot90.hex, '0'.repeat(64));
});

test('a flat image has quality 0', () => {
  const data = new Uint8Array(200 * 200 * 3).fill(128);
  assert.equal(pdqHash({ data, width: 200, height: 200, channels: 3 }).quality, 0);
});

test('workspace reuse across sizes gives the same hashes', () => {
  const ws = new PdqWorkspace();
  const a = synthetic(640, 480);
  const b = synthetic(50, 70, 3, 9);
  const expectedA = pdqHash(a).hex;
  const expectedB = pdqHash(b).hex;
  assert.equal(pdqHash(b, ws).hex, expectedB);
  assert.equal(pdqHash(a, ws).hex, expectedA);
  assert.equal(pdqHash(b, ws).hex, expectedB);
});

test('512 mode resizes only images larger than 512 on either side, to exactly 512x512', () => {
  const small = synthetic(512, 300);
  assert.equal(referenceCliResize(small), small);
  const wide = referenceCliResize(synthetic(513, 400));
  assert.equal(wide.width, 512);
  assert.equal(wide.height, 512);
  // nearest neighbour picks floor(x * W / w)
  const src = synthetic(10, 1, 1);
  const out = resizeNearest(src, 4, 1);
  assert.deepEqual([...out.data], [src.data[0], src.data[2], src.data[5], src.data[7]]);
});

test('pixel buffers that are too short are refused', () => {
  assert.throws(() => pdqHash({ data: new Uint8Array(10), width: 10, height: 10, channels: 3 }), /needs 300/);
});
