/**
 * Video matching end to end: videos generated with ffmpeg, hashed with vPDQ,
 * banked, indexed by frame, matched through the matcher (re-encoded, scaled and
 * trimmed copies match; a different video does not).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createBank } from '../../src/banks/banks.js';
import { addContent, withdrawContent } from '../../src/banks/content.js';
import { hashMediaFile, queryOf, signalsOf } from '../../src/hashing/media.js';
import { FloodDetector } from '../../src/matching/flood.js';
import { LiveIndex } from '../../src/matching/live-index.js';
import { Matcher } from '../../src/matching/matcher.js';
import { databaseVariants } from '../support/db.js';
import { systemTool } from '../support/env.js';

const run = promisify(execFile);
const ffmpeg = systemTool('ffmpeg', 'ffmpeg', 'FFMPEG_PATH');
let dir = '';

async function make(name: string, args: string[]): Promise<string> {
  const out = join(dir, name);
  await run(ffmpeg.path, ['-v', 'error', '-y', ...args, out]);
  return out;
}

describe('video matching', { skip: ffmpeg.skip }, () => {
  const files: Record<string, string> = {};
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'perisai-video-'));
    const src = ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-t', '8', '-pix_fmt', 'yuv420p'];
    files.original = await make('original.mp4', [...src, '-c:v', 'libx264']);
    files.reencoded = await make('reencoded.mkv', ['-i', files.original, '-c:v', 'libx264', '-crf', '36']);
    files.scaled = await make('scaled.mp4', ['-i', files.original, '-vf', 'scale=200:150', '-c:v', 'libx264']);
    files.trimmed = await make('trimmed.mp4', ['-ss', '2', '-i', files.original, '-t', '4', '-c:v', 'libx264']);
    files.other = await make('other.mp4', [
      '-f',
      'lavfi',
      '-i',
      'mandelbrot=size=320x240:rate=25',
      '-t',
      '8',
      '-pix_fmt',
      'yuv420p',
      '-c:v',
      'libx264',
    ]);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const variant of databaseVariants()) {
    describe(variant.name, { skip: variant.skip }, () => {
      after(() => variant.dispose());
      test('copies match by vPDQ, a different video does not, withdrawal unmatches', () =>
        variant.run(async (database) => {
          await createBank(database.db, { name: 'VIDEOS', category: 'ncii' });
          const original = await hashMediaFile(files.original!);
          assert.equal(original.kind, 'video');
          const item = await addContent(database.db, 'VIDEOS', { source: 'victim', signals: signalsOf(original) });
          const index = new LiveIndex({ pollIntervalMs: 100 });
          await index.start(database);
          try {
            assert.equal(index.video.size, 1);
            const matcher = new Matcher(database, index, new FloodDetector());
            for (const name of ['original', 'reencoded', 'scaled', 'trimmed']) {
              const r = await matcher.lookup(queryOf(await hashMediaFile(files[name]!)));
              const video = r.matches.find((m) => m.signalType === 'vpdq');
              assert.ok(video, `${name} matches by vPDQ`);
              assert.ok(video.vpdq!.queryMatchPercent >= 80, `${name}: ${video.vpdq!.queryMatchPercent}%`);
            }
            const exact = await matcher.lookup(queryOf(original));
            assert.deepEqual(
              exact.matches.map((m) => m.signalType).sort(),
              ['md5', 'sha256', 'vpdq'],
              'the same file also matches by MD5/SHA-256',
            );
            const other = await matcher.lookup(queryOf(await hashMediaFile(files.other!)));
            assert.equal(other.matches.length, 0);

            await withdrawContent(database.db, item.id);
            await index.refresh();
            assert.equal((await matcher.lookup(queryOf(original))).matches.length, 0);
            assert.equal(index.video.size, 0);

            // A video added after the load arrives through the feed, frames and all.
            await addContent(database.db, 'VIDEOS', {
              source: 'analyst',
              signals: signalsOf(await hashMediaFile(files.other!)),
            });
            await index.refresh();
            assert.equal(index.video.size, 1);
            assert.equal((await matcher.lookup(queryOf(await hashMediaFile(files.other!)))).matches.length, 3);
          } finally {
            await index.stop();
          }
        }));
    });
  }
});
