/** `perisai hash`: output formats, directory walking, per-file errors, exit codes. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { UsageError } from '../../src/cli/args.js';
import { hashCommand } from '../../src/cli/hash.js';
import { OWN_FIXTURES, PROJECT_ROOT, systemTool } from '../support/env.js';
import { memoryStreams } from '../support/streams.js';
import { readCsv } from '../support/tables.js';

const run = promisify(execFile);
const own = join(OWN_FIXTURES, 'own-pdq');
const expectedHma = new Map(readCsv(join(own, 'expected-hma.csv')).map((r) => [r.file!, r]));
const expected512 = new Map(readCsv(join(own, 'expected-512.csv')).map((r) => [r.file!, r]));

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'perisai-cli-'));
  await mkdir(join(dir, 'album/nested'), { recursive: true });
  await copyFile(join(own, 'images/base-13.jpg'), join(dir, 'album/a.jpg'));
  await copyFile(join(own, 'images/base-41.jpg'), join(dir, 'album/nested/b.jpg'));
  await writeFile(join(dir, 'album/nested/broken.jpg'), 'not an image');
  await writeFile(join(dir, 'album/.DS_Store'), 'junk');
});
after(() => rm(dir, { recursive: true, force: true }));

test('default output is the reference line format hash,quality,path', async () => {
  const { out, err } = memoryStreams();
  const file = join(own, 'images/base-41.jpg');
  const code = await hashCommand([file], out, err);
  assert.equal(code, 0);
  const row = expectedHma.get('images/base-41.jpg')!;
  assert.deepEqual(out.lines(), [`${row.hash},${row.quality},${file}`]);
  assert.equal(err.text(), '');
});

test('--mode 512 reproduces the C++ tool', async () => {
  const { out, err } = memoryStreams();
  const file = join(own, 'images/base-41.jpg');
  await hashCommand(['--mode', '512', file], out, err);
  const row = expected512.get('images/base-41.jpg')!;
  assert.equal(out.lines()[0], `${row.hash},${row.quality},${file}`);
});

test('directories are walked recursively; bad files go to stderr and the rest go on', async () => {
  const { out, err } = memoryStreams();
  const code = await hashCommand([join(dir, 'album'), join(dir, 'missing.png')], out, err);
  assert.equal(code, 1, 'non-zero exit when any file failed');
  const paths = out.lines().map((l) => l.split(',')[2]);
  assert.deepEqual(paths, [join(dir, 'album/a.jpg'), join(dir, 'album/nested/b.jpg')]);
  assert.match(err.text(), /broken\.jpg: not a recognised image or video format/);
  assert.match(err.text(), /missing\.png: no such file or directory/);
  assert.doesNotMatch(err.text(), /DS_Store/);
});

test('--json prints one object per file with digests and dimensions', async () => {
  const { out, err } = memoryStreams();
  await hashCommand(['--json', '--dihedral', join(dir, 'album/a.jpg')], out, err);
  const obj = JSON.parse(out.lines()[0]!);
  const row = expectedHma.get('images/base-13.jpg')!;
  assert.equal(obj.pdq, row.hash);
  assert.equal(obj.quality, Number(row.quality));
  assert.match(obj.md5, /^[0-9a-f]{32}$/);
  assert.match(obj.sha256, /^[0-9a-f]{64}$/);
  assert.equal(obj.width, 256);
  assert.equal(obj.height, 256);
  assert.equal(Object.keys(obj.dihedral).length, 8);
  assert.equal(obj.dihedral.orig, row.hash);
});

test('--dihedral without --json prints the eight hashes, quality, path', async () => {
  const { out, err } = memoryStreams();
  await hashCommand(['--dihedral', join(own, 'images/base-13.jpg')], out, err);
  const expected = readCsv(join(own, 'expected-dihedral-hma.csv')).find((r) => r.file === 'images/base-13.jpg')!;
  const cells = out.lines()[0]!.split(',');
  assert.deepEqual(cells.slice(0, 8), [
    expected.orig,
    expected.rot90,
    expected.rot180,
    expected.rot270,
    expected.flipx,
    expected.flipy,
    expected.flipplus1,
    expected.flipminus1,
  ]);
  assert.equal(cells[8], expected.quality);
});

test('usage errors are reported as such', async () => {
  const { out, err } = memoryStreams();
  await assert.rejects(hashCommand(['--mode', '1024', 'x.jpg'], out, err), UsageError);
  await assert.rejects(hashCommand([], out, err), /no files given/);
  await assert.rejects(hashCommand(['--bogus'], out, err), UsageError);
});

test('the installed bin runs: npx perisai hash', async () => {
  const file = join(own, 'images/base-13.jpg');
  const { stdout } = await run(process.execPath, [join(PROJECT_ROOT, 'bin/perisai.js'), 'hash', file]);
  assert.equal(
    stdout,
    `${expectedHma.get('images/base-13.jpg')!.hash},${expectedHma.get('images/base-13.jpg')!.quality},${file}\n`,
  );
  const bad = await run(process.execPath, [join(PROJECT_ROOT, 'bin/perisai.js'), 'hash', '--mode', 'x', file]).catch(
    (e) => e,
  );
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--mode must be one of full, 512/);
});

test('videos are recognised by content and hashed with vPDQ', {
  skip: systemTool('ffmpeg', 'ffmpeg', 'FFMPEG_PATH').skip,
}, async () => {
  const video = join(dir, 'clip.dat'); // no telling extension: detection is by content
  await run('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=160x120:rate=10',
    '-t',
    '3',
    '-pix_fmt',
    'yuv420p',
    '-c:v',
    'libx264',
    '-f',
    'mp4',
    video,
  ]);
  let { out, err } = memoryStreams();
  assert.equal(await hashCommand([video], out, err), 0, err.text());
  const lines = out.lines();
  assert.equal(lines.length, 3, 'one line per second');
  for (const [i, l] of lines.entries()) assert.match(l, new RegExp(`^[0-9a-f]{64},\\d+,${video}#t=${i}\\.000$`));
  ({ out, err } = memoryStreams());
  await hashCommand(['--json', video], out, err);
  const obj = JSON.parse(out.lines()[0]!);
  assert.equal(obj.kind, 'video');
  assert.equal(obj.frames.length, 3);
  assert.deepEqual(Object.keys(obj.frames[1]), ['frame_number', 'quality', 'hash', 'timestamp']);
  assert.equal(obj.frames[1].frame_number, 10);
  ({ out, err } = memoryStreams());
  await hashCommand(['--vpdq', 'full', video], out, err);
  assert.match(out.lines()[1]!, /^10,\d+,[0-9a-f]{64},1\.000$/);
});
