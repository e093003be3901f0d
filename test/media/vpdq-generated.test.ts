/**
 * vPDQ on videos generated here with ffmpeg (fresh-clone coverage): edits of
 * one video match it, a different video does not.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatVpdqText, matchVpdqBrute, parseVpdqText, type VpdqFeature } from '../../src/core/vpdq/index.js';
import { probeVideo } from '../../src/media/ffmpeg.js';
import { hashVideoFile, type VideoHashResult } from '../../src/media/vpdq.js';
import { ffmpeg, makeVideo, needsFfmpeg, tempDir } from './vpdq-support.js';

const SOURCE = 'testsrc2=s=320x240:r=25';
const SECONDS = 6;

describe('vPDQ of generated videos', needsFfmpeg, () => {
  const tmp = needsFfmpeg.skip ? undefined : tempDir('perisai-vpdq-gen-');
  const dir = tmp?.dir ?? '';
  const file = (name: string) => join(dir, name);
  let base: VideoHashResult;

  before(async () => {
    makeVideo(file('base.mp4'), SOURCE, SECONDS);
    base = await hashVideoFile(file('base.mp4'));
  });
  after(() => tmp?.cleanup());

  async function assertMatches(variant: string, t: { diagnostic: (s: string) => void }, query?: VpdqFeature[]) {
    const frames = query ?? (await hashVideoFile(file(variant))).frames;
    const r = matchVpdqBrute(frames, base.frames);
    t.diagnostic(`${variant} vs base: ${r.queryMatchPercent.toFixed(1)}% / ${r.compareMatchPercent.toFixed(1)}%`);
    assert.equal(r.isMatch, true, `${variant}: ${r.queryMatchPercent}% of its frames match`);
    return r;
  }

  test('one hash per second, with metadata and digests', () => {
    assert.equal(base.fps, 25);
    assert.equal(base.interval, 25);
    assert.equal(base.width, 320);
    assert.equal(base.height, 240);
    assert.equal(base.durationS, SECONDS);
    assert.deepEqual(
      base.frames.map((f) => [f.frameNumber, f.timestamp]),
      [0, 1, 2, 3, 4, 5].map((s) => [s * 25, s]),
    );
    assert.ok(base.frames.every((f) => f.quality >= 50));
    const bytes = readFileSync(file('base.mp4'));
    assert.equal(base.md5, createHash('md5').update(bytes).digest('hex'));
    assert.equal(base.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(base.bytes, bytes.length);
    assert.equal(parseVpdqText(formatVpdqText(base.frames)).length, base.frames.length);
  });

  test('secondsPerHash selects frame n when n % int(secondsPerHash * fps) == 0', async () => {
    const every = await hashVideoFile(file('base.mp4'), { secondsPerHash: 0 });
    assert.equal(every.frames.length, SECONDS * 25);
    assert.deepEqual(
      every.frames.map((f) => f.frameNumber),
      Array.from({ length: SECONDS * 25 }, (_, i) => i),
    );
    const half = await hashVideoFile(file('base.mp4'), { secondsPerHash: 0.5 });
    assert.equal(half.interval, 12);
    assert.deepEqual(
      half.frames.map((f) => f.frameNumber),
      Array.from({ length: 13 }, (_, i) => i * 12),
    );
    // Sampling never changes a frame's hash.
    const byFrame = new Map(every.frames.map((f) => [f.frameNumber, f.hex]));
    for (const f of [...half.frames, ...base.frames]) assert.equal(f.hex, byFrame.get(f.frameNumber));
  });

  test('single-threaded decoding gives the same hashes', async () => {
    const single = await hashVideoFile(file('base.mp4'), { threads: 1 });
    assert.deepEqual(
      single.frames.map((f) => f.hex),
      base.frames.map((f) => f.hex),
    );
  });

  test('a heavier re-encode matches', async (t) => {
    ffmpeg(['-i', file('base.mp4'), '-c:v', 'libx264', '-crf', '40', file('crf40.mp4')]);
    await assertMatches('crf40.mp4', t);
  });

  test('another codec and container (MPEG-4 Part 2 in AVI, VP9 in WebM) match', async (t) => {
    ffmpeg(['-i', file('base.mp4'), '-c:v', 'mpeg4', '-q:v', '10', file('mpeg4.avi')]);
    await assertMatches('mpeg4.avi', t);
    ffmpeg(['-i', file('base.mp4'), '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', file('vp9.webm')]);
    await assertMatches('vp9.webm', t);
  });

  test('scaled copies match', async (t) => {
    ffmpeg(['-i', file('base.mp4'), '-vf', 'scale=160:120', '-c:v', 'libx264', file('small.mp4')]);
    await assertMatches('small.mp4', t);
    ffmpeg(['-i', file('base.mp4'), '-vf', 'scale=640:480', '-c:v', 'libx264', file('large.mp4')]);
    await assertMatches('large.mp4', t);
  });

  test('a trimmed clip matches the whole (but not the other way round at the default thresholds)', async (t) => {
    ffmpeg(['-ss', '2', '-i', file('base.mp4'), '-c:v', 'libx264', file('trimmed.mp4')]);
    const clip = await hashVideoFile(file('trimmed.mp4'));
    const r = await assertMatches('trimmed.mp4', t, clip.frames);
    assert.equal(r.queryMatchPercent, 100);
    assert.ok(r.compareMatchPercent < 80);
    assert.equal(matchVpdqBrute(base.frames, clip.frames).isMatch, false);
  });

  test('rotation metadata is reported but not applied, as in the reference', async () => {
    ffmpeg(['-i', file('base.mp4'), '-c', 'copy', '-metadata:s:v', 'rotate=90', file('rotated.mp4')]);
    const probe = await probeVideo(file('rotated.mp4'));
    assert.equal(Math.abs(probe.rotation), 90);
    const rotated = await hashVideoFile(file('rotated.mp4'));
    assert.equal(rotated.width, 320);
    assert.deepEqual(
      rotated.frames.map((f) => f.hex),
      base.frames.map((f) => f.hex),
    );
  });

  test('an animated GIF is hashed like a video', async () => {
    // Not a match test: GIF's 256-colour dithering moves a 320x240 frame ~70 bits.
    ffmpeg(['-i', file('base.mp4'), '-vf', 'fps=5', file('anim.gif')]);
    const gif = await hashVideoFile(file('anim.gif'));
    assert.equal(gif.fps, 5);
    assert.deepEqual(
      gif.frames.map((f) => f.frameNumber),
      [0, 5, 10, 15, 20, 25],
    );
  });

  test('a different video does not match', async (t) => {
    makeVideo(file('other.mp4'), 'mandelbrot=s=320x240:r=25', SECONDS);
    const other = await hashVideoFile(file('other.mp4'));
    const r = matchVpdqBrute(other.frames, base.frames);
    t.diagnostic(`mandelbrot vs base: ${r.queryMatchPercent.toFixed(1)}% / ${r.compareMatchPercent.toFixed(1)}%`);
    assert.equal(r.queryMatchPercent, 0);
    assert.equal(r.isMatch, false);
  });
});
