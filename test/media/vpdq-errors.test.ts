/**
 * Bad input and misbehaving tools: every failure is a MediaError with a clear
 * code, and no ffmpeg (or fake ffmpeg) process outlives the call.
 */
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isMediaError, type MediaError } from '../../src/media/errors.js';
import { findFfmpeg, probeVideo } from '../../src/media/ffmpeg.js';
import { DEFAULT_VIDEO_LIMITS, videoLimitsFromEnv } from '../../src/media/limits.js';
import { decodeVideoFrames } from '../../src/media/video-frames.js';
import { hashVideoFile } from '../../src/media/vpdq.js';
import {
  ffmpeg,
  ffmpegTool,
  ffprobeTool,
  liveChildren,
  liveInGroup,
  makeVideo,
  needsFfmpeg,
  tempDir,
} from './vpdq-support.js';

async function rejectsWith(promise: Promise<unknown>, code: MediaError['code'], pattern?: RegExp): Promise<MediaError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(isMediaError(caught), `expected a MediaError '${code}', got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (pattern) assert.match(caught.message, pattern);
  return caught;
}

function assertNoChildren(): void {
  assert.deepEqual(liveChildren(), [], 'no child process may outlive the call');
}

test('missing ffmpeg is reported with the Debian package to install', async () => {
  assert.throws(
    () => findFfmpeg({ PATH: '/nonexistent' }),
    (err: unknown) => isMediaError(err) && err.code === 'ffmpeg-missing' && /Debian package ffmpeg/.test(err.message),
  );
  assert.throws(
    () => findFfmpeg({ PATH: '/nonexistent', FFMPEG_PATH: '/nonexistent/ffmpeg' }),
    (err: unknown) =>
      isMediaError(err) && err.code === 'ffmpeg-missing' && /FFMPEG_PATH=\/nonexistent\/ffmpeg/.test(err.message),
  );
});

test('video limits come from the environment', () => {
  assert.deepEqual(videoLimitsFromEnv({}), DEFAULT_VIDEO_LIMITS);
  assert.equal(DEFAULT_VIDEO_LIMITS.maxVideoSeconds, 3 * 3600);
  assert.equal(DEFAULT_VIDEO_LIMITS.maxVideoBytes, 4 * 1024 ** 3);
  assert.equal(videoLimitsFromEnv({ PERISAI_MAX_VIDEO_SECONDS: '60' }).maxVideoSeconds, 60);
  assert.throws(() => videoLimitsFromEnv({ PERISAI_MAX_VIDEO_BYTES: '-1' }), RangeError);
});

describe('vPDQ refuses bad input cleanly', needsFfmpeg, () => {
  const tmp = needsFfmpeg.skip ? undefined : tempDir('perisai-vpdq-bad-');
  const dir = tmp?.dir ?? '';
  const file = (name: string) => join(dir, name);

  before(() => {
    makeVideo(file('ok.mp4'), 'testsrc2=s=160x120:r=25', 4);
  });
  after(() => tmp?.cleanup());

  test('FFMPEG_PATH pointing nowhere', async () => {
    const saved = process.env.FFMPEG_PATH;
    process.env.FFMPEG_PATH = join(dir, 'no-such-ffmpeg');
    try {
      await rejectsWith(
        hashVideoFile(file('ok.mp4')),
        'ffmpeg-missing',
        /FFMPEG_PATH=.*no-such-ffmpeg.*Debian package ffmpeg/,
      );
    } finally {
      if (saved === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = saved;
    }
  });

  test('truncated mp4 (index at the end, lost)', async () => {
    const whole = readFileSync(file('ok.mp4'));
    writeFileSync(file('truncated.mp4'), whole.subarray(0, whole.length >> 1));
    await rejectsWith(hashVideoFile(file('truncated.mp4')), 'corrupt', /moov atom not found/);
    assertNoChildren();
  });

  test('truncated mp4 (index first, data cut short): refused, or partial on request', async () => {
    ffmpeg(['-i', file('ok.mp4'), '-c', 'copy', '-movflags', '+faststart', file('faststart.mp4')]);
    const whole = readFileSync(file('faststart.mp4'));
    writeFileSync(file('truncated-fast.mp4'), whole.subarray(0, whole.length >> 1));
    await rejectsWith(hashVideoFile(file('truncated-fast.mp4')), 'corrupt', /damaged or truncated/);
    const partial = await hashVideoFile(file('truncated-fast.mp4'), { allowDecodeErrors: true });
    assert.ok(partial.frames.length >= 1 && partial.frames.length < 4, `${partial.frames.length} frames`);
    assert.match(partial.decodeErrors ?? '', /partial file|Invalid/);
    assertNoChildren();
  });

  test('audio-only file', async () => {
    ffmpeg(['-f', 'lavfi', '-i', 'sine=d=2', '-c:a', 'aac', file('audio.m4a')]);
    await rejectsWith(hashVideoFile(file('audio.m4a')), 'no-video-stream', /audio only \(aac\)/);
  });

  test('text files, including one ffmpeg would read as ANSI art', async () => {
    writeFileSync(file('notes.txt'), 'This is not a video.\n');
    await rejectsWith(hashVideoFile(file('notes.txt')), 'unsupported-format');
    writeFileSync(file('notes.nfo'), 'This is not a video either.\n');
    await rejectsWith(hashVideoFile(file('notes.nfo')), 'unsupported-format', /not on whitelist/);
  });

  test('still images, empty and missing files', async () => {
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=64x48', '-frames:v', '1', file('still.png')]);
    await rejectsWith(hashVideoFile(file('still.png')), 'unsupported-format', /still image \(png\)/);
    writeFileSync(file('empty.mp4'), '');
    await rejectsWith(hashVideoFile(file('empty.mp4')), 'empty');
    await rejectsWith(hashVideoFile(file('missing.mp4')), 'unreadable', /no such file/);
    await rejectsWith(hashVideoFile(dir), 'unreadable', /not a regular file/);
  });

  test('limits: duration, file size, frame size', async () => {
    const limits = { ...DEFAULT_VIDEO_LIMITS, maxVideoSeconds: 2 };
    await rejectsWith(hashVideoFile(file('ok.mp4'), { limits }), 'too-long', /4\.0 s long/);
    await rejectsWith(
      hashVideoFile(file('ok.mp4'), { limits: { ...DEFAULT_VIDEO_LIMITS, maxVideoBytes: 1000 } }),
      'file-too-large',
    );
    await rejectsWith(
      hashVideoFile(file('ok.mp4'), { limits: { ...DEFAULT_VIDEO_LIMITS, maxVideoPixels: 100 } }),
      'too-many-pixels',
    );
  });

  test('abandoning the frame iterator stops ffmpeg', async () => {
    const probe = await probeVideo(file('ok.mp4'));
    for await (const frame of decodeVideoFrames(file('ok.mp4'), probe, { timeoutMs: 30_000 })) {
      assert.equal(frame.frameNumber, 0);
      assert.equal(frame.image.data.length, 160 * 120 * 3);
      break;
    }
    assertNoChildren();
  });

  test('a converter that dies does not leave the decoder blocked', async () => {
    // The real ffmpeg, except that the RGB conversion stage (the one run with -cpuflags) fails at once.
    const wrapper = file('ffmpeg-broken-converter.sh');
    writeFileSync(
      wrapper,
      `#!/bin/sh\ncase "$*" in *-cpuflags*) echo boom >&2; exit 3;; esac\nexec '${ffmpegTool.path}' "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    const started = Date.now();
    const tools = { ffmpeg: wrapper, ffprobe: ffprobeTool.path };
    await rejectsWith(hashVideoFile(file('ok.mp4'), { tools, secondsPerHash: 0 }), 'corrupt', /boom/);
    assert.ok(Date.now() - started < 20_000);
    assertNoChildren();
  });

  describe('hanging tools are killed, with their children', () => {
    const pidFile = () => file('fake.pids');
    // A stand-in that answers `-version` (so the decode stage is reached) and otherwise hangs in a child `sleep`.
    const fake = () => {
      const path = file('fake-tool.sh');
      writeFileSync(
        path,
        `#!/bin/sh\necho $$ >> '${pidFile()}'\ncase "$*" in *-version*) echo "ffmpeg version 5.1.9"; exit 0;; esac\nsleep 30\n`,
      );
      chmodSync(path, 0o755);
      return path;
    };
    const fakePids = () => readFileSync(pidFile(), 'utf8').trim().split('\n').map(Number);
    const assertFakeGone = () => {
      for (const pid of fakePids())
        assert.deepEqual(liveInGroup(pid), [], `fake tool ${pid} and its sleep must be gone`);
      assertNoChildren();
    };

    test('ffprobe that hangs', async () => {
      const started = Date.now();
      const tools = { ffmpeg: ffmpegTool.path, ffprobe: fake() };
      await rejectsWith(hashVideoFile(file('ok.mp4'), { tools, timeoutMs: 800 }), 'timeout', /killed/);
      assert.ok(Date.now() - started < 10_000);
      assertFakeGone();
    });

    test('ffmpeg that hangs while decoding', async () => {
      const tools = { ffmpeg: fake(), ffprobe: ffprobeTool.path };
      await rejectsWith(hashVideoFile(file('ok.mp4'), { tools, timeoutMs: 1500 }), 'timeout', /killed/);
      assertFakeGone();
    });

    test('caller abort', async () => {
      const tools = { ffmpeg: fake(), ffprobe: ffprobeTool.path };
      const signal = AbortSignal.timeout(1000);
      await rejectsWith(hashVideoFile(file('ok.mp4'), { tools, signal }), 'aborted');
      assertFakeGone();
      await rejectsWith(hashVideoFile(file('ok.mp4'), { tools, signal }), 'aborted');
    });
  });
});
