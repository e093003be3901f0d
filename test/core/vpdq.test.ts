import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hash256ToHex } from '../../src/core/hash256.js';
import {
  formatVpdqLine,
  formatVpdqText,
  InvalidVpdqError,
  makeVpdqFeature,
  matchVpdqBrute,
  parseVpdqLine,
  parseVpdqText,
  prepareVpdqFeatures,
  pythonFloatPrecision3,
  toFixedTiesEven,
  type VpdqFeature,
  vpdqFeatureFromHex,
  vpdqFrameInterval,
  vpdqFromSignal,
  vpdqTimestamp,
  vpdqToSignal,
} from '../../src/core/vpdq/index.js';

/** Deterministic pseudo-random 32-byte hashes (xorshift), far apart from each other. */
function randomHashes(n: number, seed = 1): Uint8Array[] {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  return Array.from({ length: n }, () => Uint8Array.from({ length: 32 }, () => next() & 255));
}

function flipBits(hash: Uint8Array, count: number): Uint8Array {
  const out = Uint8Array.from(hash);
  for (let i = 0; i < count; i++) out[i >> 3]! ^= 1 << (i & 7);
  return out;
}

function video(hashes: Uint8Array[], quality = 100): VpdqFeature[] {
  return hashes.map((h, i) => makeVpdqFeature(i * 30, quality, h, vpdqTimestamp(i * 30, 30)));
}

describe('vPDQ frame selection and timestamps', () => {
  test('interval is int(secondsPerHash * fps), at least 1', () => {
    assert.equal(vpdqFrameInterval(30, 1), 30);
    assert.equal(vpdqFrameInterval(30000 / 1001, 1), 29);
    assert.equal(vpdqFrameInterval(30, 0.5), 15);
    assert.equal(vpdqFrameInterval(30, 0), 1);
    assert.equal(vpdqFrameInterval(0.5, 1), 1);
    assert.throws(() => vpdqFrameInterval(0, 1), RangeError);
    assert.throws(() => vpdqFrameInterval(30, -1), RangeError);
  });

  test('timestamps are float32 frame / fps, printed with three decimals', () => {
    assert.equal(formatVpdqLine(makeVpdqFeature(1, 100, new Uint8Array(32), vpdqTimestamp(1, 30))).slice(-6), ',0.033');
    assert.equal(toFixedTiesEven(vpdqTimestamp(2, 30), 3), '0.067');
    assert.equal(toFixedTiesEven(vpdqTimestamp(600, 30), 3), '20.000');
    assert.equal(vpdqTimestamp(1, 30), Math.fround(1 / 30));
  });

  test('exact ties round to even, as printf does', () => {
    assert.equal(toFixedTiesEven(0.0625, 3), '0.062');
    assert.equal(toFixedTiesEven(0.1875, 3), '0.188');
    assert.equal(toFixedTiesEven(0.125, 2), '0.12');
    assert.equal(toFixedTiesEven(2.5, 0), '2');
    assert.equal(toFixedTiesEven(3.5, 0), '4');
    assert.equal(toFixedTiesEven(1 / 3, 3), '0.333');
  });

  test("python's f'{x:.3}' (timestamps in python-threatexchange signals)", () => {
    // Expected strings printed by CPython 3.11.
    const cases: [number, string][] = [
      [0, '0.0'],
      [Math.fround(1 / 30), '0.0333'],
      [1, '1.0'],
      [20, '20.0'],
      [0.0625, '0.0625'],
      [99.95, '1e+02'],
      [100, '1e+02'],
      [123.4, '1.23e+02'],
      [999.5, '1e+03'],
      [10800, '1.08e+04'],
      [0.00001234, '1.23e-05'],
      [0.0001, '0.0001'],
      [1e-5, '1e-05'],
      [5.5e-5, '5.5e-05'],
      [12.345, '12.3'],
      [0.1, '0.1'],
      [Math.fround(2.0000002), '2.0'],
      [1e16, '1e+16'],
    ];
    for (const [x, want] of cases) assert.equal(pythonFloatPrecision3(x), want, `format of ${x}`);
  });
});

describe('vPDQ text formats', () => {
  const [h0, h1] = randomHashes(2) as [Uint8Array, Uint8Array];
  const features = [makeVpdqFeature(0, 100, h0, 0), makeVpdqFeature(30, 87, h1, vpdqTimestamp(30, 29.97))];

  test('full form round-trips', () => {
    const text = formatVpdqText(features);
    assert.equal(text, `0,100,${hash256ToHex(h0)},0.000\n30,87,${hash256ToHex(h1)},1.001\n`);
    const back = parseVpdqText(text);
    assert.deepEqual(
      back.map((f) => [f.frameNumber, f.quality, f.hex]),
      features.map((f) => [f.frameNumber, f.quality, f.hex]),
    );
    assert.equal(formatVpdqText(back), text);
  });

  test('compact form round-trips; frame numbers stand in as positions', () => {
    const text = formatVpdqText(features, 'compact');
    assert.equal(text.split('\n')[1], `${hash256ToHex(h1)},87,1.001`);
    const back = parseVpdqText(`${text.replaceAll('\n', '\r\n')}\n`);
    assert.deepEqual(
      back.map((f) => [f.frameNumber, f.quality, f.hex, f.timestamp]),
      [
        [0, 100, hash256ToHex(h0), 0],
        [1, 87, hash256ToHex(h1), 1.001],
      ],
    );
  });

  test('uppercase hex is accepted and normalised', () => {
    const f = parseVpdqLine(`${hash256ToHex(h0).toUpperCase()},100,0.000`);
    assert.equal(f.hex, hash256ToHex(h0));
  });

  test('malformed lines are refused', () => {
    const hex = hash256ToHex(h0);
    for (const bad of [
      `${hex},100`,
      `${hex.slice(1)},100,0.0`,
      `${hex.replace(/^./, 'g')},100,0.0`,
      `${hex},101,0.0`,
      `${hex},-1,0.0`,
      `${hex},50.5,0.0`,
      `${hex},100,-1`,
      `${hex},100,abc`,
      `x,100,${hex},0.0`,
    ]) {
      assert.throws(() => parseVpdqLine(bad), InvalidVpdqError, bad);
    }
  });

  test('python-threatexchange signal strings', () => {
    const signal = vpdqToSignal([makeVpdqFeature(0, 100, h0, 0), makeVpdqFeature(1, 100, h1, 1)]);
    assert.equal(signal, `["${hash256ToHex(h0)},100,0.0", "${hash256ToHex(h1)},100,1.0"]`);
    const back = vpdqFromSignal(signal);
    assert.deepEqual(
      back.map((f) => [f.hex, f.timestamp]),
      [
        [hash256ToHex(h0), 0],
        [hash256ToHex(h1), 1],
      ],
    );
    assert.deepEqual(vpdqFromSignal(''), []);
    assert.deepEqual(vpdqFromSignal('[]'), []);
    assert.equal(vpdqFromSignal(`["${hash256ToHex(h0)},100,1.08e+04"]`)[0]!.timestamp, 10800);
    assert.throws(() => vpdqFromSignal('{'), InvalidVpdqError);
    assert.throws(() => vpdqFromSignal('{"a":1}'), InvalidVpdqError);
    assert.throws(() => vpdqFromSignal('[1]'), InvalidVpdqError);
    assert.throws(() => vpdqFromSignal(`["0,100,${hash256ToHex(h0)},0.0"]`), InvalidVpdqError);
  });

  test('feature validation', () => {
    assert.throws(() => vpdqFeatureFromHex(-1, 100, hash256ToHex(h0), 0), InvalidVpdqError);
    assert.throws(() => vpdqFeatureFromHex(0, 100, hash256ToHex(h0), Number.NaN), InvalidVpdqError);
  });
});

describe('vPDQ brute-force matching', () => {
  const hashes = randomHashes(10, 7);

  test('a video matches itself', () => {
    const r = matchVpdqBrute(video(hashes), video(hashes));
    assert.deepEqual(r, {
      queryMatchPercent: 100,
      compareMatchPercent: 100,
      isMatch: true,
      queryFrames: 10,
      compareFrames: 10,
    });
  });

  test('a clip matches the longer video it comes from, by default (query% >= 80, compared% >= 0)', () => {
    const clip = video(hashes.slice(2, 7));
    const full = video(hashes);
    const r = matchVpdqBrute(clip, full);
    assert.equal(r.queryMatchPercent, 100);
    assert.equal(r.compareMatchPercent, 50);
    assert.equal(r.isMatch, true);
    const reverse = matchVpdqBrute(full, clip);
    assert.equal(reverse.queryMatchPercent, 50);
    assert.equal(reverse.isMatch, false);
    // The vpdq README's variant: compared video must be 80% covered.
    assert.equal(matchVpdqBrute(clip, full, { compareMatchThresholdPercent: 80 }).isMatch, false);
    assert.equal(
      matchVpdqBrute(full, clip, { queryMatchThresholdPercent: 0, compareMatchThresholdPercent: 80 }).isMatch,
      true,
    );
  });

  test('distance threshold is inclusive (<= 31)', () => {
    const base = video(hashes.slice(0, 1));
    assert.equal(matchVpdqBrute(video([flipBits(hashes[0]!, 31)]), base).isMatch, true);
    assert.equal(matchVpdqBrute(video([flipBits(hashes[0]!, 32)]), base).isMatch, false);
    assert.equal(matchVpdqBrute(video([flipBits(hashes[0]!, 32)]), base, { distanceThreshold: 32 }).isMatch, true);
  });

  test('low-quality frames are ignored and repeated hashes count once', () => {
    const query = [...video(hashes.slice(0, 4)), ...video(hashes.slice(0, 4)), ...video(randomHashes(4, 99), 49)];
    const r = matchVpdqBrute(query, video(hashes.slice(0, 4)));
    assert.equal(r.queryFrames, 4);
    assert.equal(r.queryMatchPercent, 100);
    assert.equal(matchVpdqBrute(query, video(hashes.slice(0, 4)), { qualityThreshold: 0 }).queryMatchPercent, 50);
  });

  test('the quality filter runs before dedupe', () => {
    const h = hashes[0]!;
    const kept = prepareVpdqFeatures([makeVpdqFeature(0, 10, h, 0), makeVpdqFeature(1, 90, h, 1)]);
    assert.deepEqual(
      kept.map((f) => f.quality),
      [90],
    );
  });

  test('nothing left to compare is no match, not a division by zero', () => {
    const r = matchVpdqBrute(video(hashes, 10), video(hashes));
    assert.deepEqual(r, {
      queryMatchPercent: 0,
      compareMatchPercent: 0,
      isMatch: false,
      queryFrames: 0,
      compareFrames: 10,
    });
    assert.equal(matchVpdqBrute([], []).isMatch, false);
  });

  test('unrelated videos do not match', () => {
    const r = matchVpdqBrute(video(hashes), video(randomHashes(10, 12345)));
    assert.equal(r.queryMatchPercent, 0);
    assert.equal(r.isMatch, false);
  });
});
