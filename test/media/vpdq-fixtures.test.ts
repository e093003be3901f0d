/**
 * vPDQ hashing of Meta's sample videos against the reference's own output
 * (../shared/fixtures/vpdq; skipped when absent, required under CI=true).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { hammingDistance } from '../../src/core/hash256.js';
import {
  formatVpdqLine,
  matchVpdqBrute,
  parseVpdqText,
  type VpdqFeature,
  vpdqFrameInterval,
} from '../../src/core/vpdq/index.js';
import { hashVideoFile } from '../../src/media/vpdq.js';
import { sharedFixtures } from '../support/env.js';
import { needsFfmpeg } from './vpdq-support.js';

const fixtures = sharedFixtures('vpdq');
const VIDEOS = [
  'chair-19-sd-bar',
  'chair-20-sd-bar',
  'chair-orig-22-sd-bar',
  'doorknob-hd-no-bar',
  'pattern-hd-no-bar',
  'pattern-longer-no-bar',
  'pattern-sd-grey-bar',
  'pattern-sd-with-large-logo-bar',
  'pattern-sd-with-small-logo-bar',
  'test-padded-dimensions',
];
const skip = fixtures.skip || needsFfmpeg.skip;

const videoPath = (name: string) => join(fixtures.dir, 'sample-videos', `${name}.mp4`);
const expectedHashes = (name: string) =>
  parseVpdqText(readFileSync(join(fixtures.dir, 'sample-hashes', `${name}.txt`), 'utf8'));

function histogram(counts: Map<number, number>): string {
  return [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([d, n]) => `${d === 0 ? 'exact' : `${d} bit${d > 1 ? 's' : ''}`}: ${n}`)
    .join(', ');
}

describe('vPDQ of the reference sample videos', { skip }, () => {
  // Every frame of every sample video, hashed once and shared by the tests below.
  const hashed = new Map<string, VpdqFeature[]>();

  test('per-frame hashes equal the reference sample-hashes (every frame, native size)', async (t) => {
    const overall = new Map<number, number>();
    let frames = 0;
    for (const name of VIDEOS) {
      const result = await hashVideoFile(videoPath(name), { secondsPerHash: 0 });
      hashed.set(name, result.frames);
      const expected = expectedHashes(name);
      assert.equal(result.frames.length, expected.length, `${name}: frame count`);
      const counts = new Map<number, number>();
      for (const [i, f] of result.frames.entries()) {
        const e = expected[i]!;
        assert.equal(f.frameNumber, e.frameNumber, `${name}: frame numbering`);
        // Same timestamp text too: float32 frame/fps printed with three decimals.
        assert.equal(formatVpdqLine(f).split(',')[3], formatVpdqLine(e).split(',')[3], `${name} frame ${i}: timestamp`);
        const d = hammingDistance(f.hash, e.hash);
        counts.set(d, (counts.get(d) ?? 0) + 1);
        overall.set(d, (overall.get(d) ?? 0) + 1);
        if (d === 0) assert.equal(f.quality, e.quality, `${name} frame ${i}: quality`);
        assert.ok(d <= 4, `${name} frame ${i}: ${d} bits from the reference`);
      }
      frames += result.frames.length;
      t.diagnostic(`${name} (${result.width}x${result.height}, ${result.frames.length} frames): ${histogram(counts)}`);
    }
    const exact = overall.get(0) ?? 0;
    t.diagnostic(`all ${frames} frames: ${histogram(overall)} (${((100 * exact) / frames).toFixed(2)}% exact)`);
    // test-padded-dimensions' reference file was made by libswscale's x86 SIMD
    // YUV->RGB (we reproduce it 150/150 that way); every other file, and our
    // pipeline, use its C path. See src/media/video-frames.ts.
    assert.ok(exact / frames >= 0.95, `only ${exact} of ${frames} frames are exact`);
  });

  test('1 fps hashes of chair-20-sd-bar equal python-threatexchange expectations', async () => {
    const expected = parseVpdqText(
      readFileSync(join(fixtures.dir, 'python-threatexchange-chair-20-sd-bar-1fps-expected.txt'), 'utf8'),
    );
    const result = await hashVideoFile(videoPath('chair-20-sd-bar'));
    assert.equal(result.fps, 30);
    assert.equal(result.interval, 30);
    assert.deepEqual(
      result.frames.map((f) => f.hex),
      expected.map((f) => f.hex),
    );
    assert.deepEqual(
      result.frames.map((f) => f.frameNumber),
      expected.map((_, i) => i * 30),
    );
    const r = matchVpdqBrute(result.frames, expected);
    assert.equal(r.queryMatchPercent, 100);
    assert.equal(r.compareMatchPercent, 100);
  });

  test('at 1 fps, edits of the same footage match and other footage does not', (t) => {
    assert.equal(hashed.size, VIDEOS.length, 'needs the per-frame test to have run');
    // Same frames as secondsPerHash = 1: the selection is frame % int(fps) == 0 (all are 30 fps).
    const oneFps = (name: string) => hashed.get(name)!.filter((f) => f.frameNumber % vpdqFrameInterval(30, 1) === 0);
    const groups = [
      ['chair-20-sd-bar', 'chair-orig-22-sd-bar'],
      ['pattern-sd-grey-bar', 'pattern-sd-with-small-logo-bar'],
    ];
    // Different footage must stay apart; within a family (recuts, large logos,
    // other lengths sampled at another phase) the result is only reported.
    const family = (name: string) => name.split('-')[0];
    for (const a of VIDEOS) {
      for (const b of VIDEOS) {
        if (a === b) continue;
        const r = matchVpdqBrute(oneFps(a), oneFps(b));
        const pct = `${r.queryMatchPercent.toFixed(1)}% / ${r.compareMatchPercent.toFixed(1)}%`;
        if (groups.some((g) => g.includes(a) && g.includes(b))) {
          t.diagnostic(`${a} vs ${b}: ${pct} (match)`);
          assert.equal(r.isMatch, true, `${a} vs ${b}: ${pct}`);
        } else if (family(a) === family(b)) {
          t.diagnostic(`${a} vs ${b}: ${pct}`);
        } else {
          assert.equal(r.queryMatchPercent, 0, `${a} vs ${b}: ${pct}`);
        }
      }
    }
  });
});
