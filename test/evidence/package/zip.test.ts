/**
 * The package container: a hand-written stored ZIP, read back by yauzl and, when the
 * machine has one, by an independent tool (unzip -t or Python's zipfile), and a
 * reader that refuses what a package never holds.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readZip, writeZip, type ZipEntry } from '../../../src/evidence/sealed/zip.js';
import { seeded } from '../vault/support.js';

const SAMPLE: ZipEntry[] = [
  { name: 'manifest.json', data: Buffer.from('{"a":1}') },
  { name: 'items/x1/media.bin', data: randomBytes(70_000) },
  { name: 'items/x1/empty', data: new Uint8Array(0) },
  { name: 'index.html', data: Buffer.from('<!DOCTYPE html><p>ü</p>') },
];

function tool(): { cmd: string; args: (f: string) => string[] } | null {
  const has = (name: string) => {
    try {
      execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  };
  if (has('unzip')) return { cmd: 'unzip', args: (f) => ['-t', f] };
  if (has('python3')) return { cmd: 'python3', args: (f) => ['-m', 'zipfile', '-t', f] };
  return null;
}

test('written entries read back byte for byte, deterministically', async () => {
  const zip = writeZip(SAMPLE);
  assert.ok(writeZip(SAMPLE).equals(zip), 'the same entries give the same bytes');
  const read = await readZip(zip);
  assert.deepEqual(
    [...read.keys()],
    SAMPLE.map((e) => e.name),
  );
  for (const e of SAMPLE) assert.ok(read.get(e.name)!.equals(Buffer.from(e.data)), e.name);
});

const independent = tool();
test('an independent zip tool accepts the container (CRCs, offsets)', {
  // An interoperability cross-check, not a required tool: yauzl above already reads it.
  skip: independent ? false : 'neither unzip nor python3 on this machine',
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'perisai-zip-'));
  try {
    const file = join(dir, 'p.zip');
    await writeFile(file, writeZip(SAMPLE));
    execFileSync(independent!.cmd, independent!.args(file), { stdio: 'pipe' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the writer refuses unsafe and duplicate names', () => {
  for (const name of ['../x', '/etc/passwd', 'a/../b', 'a\\b', '', 'a//b', 'C:x']) {
    assert.throws(() => writeZip([{ name, data: Buffer.alloc(1) }]), /unsafe name/, name);
  }
  assert.throws(
    () =>
      writeZip([
        { name: 'a', data: Buffer.alloc(1) },
        { name: 'a', data: Buffer.alloc(1) },
      ]),
    /twice/,
  );
});

test('the reader refuses paths outside the package, duplicates and too many entries', async () => {
  const sneaky = writeZip([{ name: 'aa/x', data: Buffer.from('hi') }]);
  // Same length, so only the name changes, in both the local and the central header.
  const escaped = Buffer.from(sneaky.toString('latin1').replaceAll('aa/x', '../x'), 'latin1');
  await assert.rejects(readZip(escaped), /unsafe file name|not a readable package|invalid relative path/);
  const twice = Buffer.from(
    writeZip([
      { name: 'ab', data: Buffer.from('1') },
      { name: 'ac', data: Buffer.from('1') },
    ])
      .toString('latin1')
      .replaceAll('ac', 'ab'),
    'latin1',
  );
  await assert.rejects(readZip(twice), /appears twice/);
  await assert.rejects(readZip(writeZip(SAMPLE), { maxEntries: 2 }), /more than 2 files/);
  await assert.rejects(readZip(Buffer.from('not a zip at all')), /not a readable package/);
});

test('random single-byte changes never read back as the original entries', async () => {
  const zip = writeZip(SAMPLE);
  const random = seeded(7);
  for (let i = 0; i < 200; i++) {
    const copy = Buffer.from(zip);
    const at = Math.floor(random() * copy.length);
    copy[at] = copy[at]! ^ (1 + Math.floor(random() * 255));
    const read = await readZip(copy).catch(() => null);
    // A change can survive reading (a date, say): the verifier then sees that rewriting
    // what was read does not give the bytes it was handed.
    if (read) assert.ok(!writeZip([...read].map(([name, data]) => ({ name, data }))).equals(copy), `byte ${at}`);
  }
});
