/**
 * PDQ conformance with Meta's reference implementation.
 * - Our own generated set (in-repo subset always; the full set from ../shared when present).
 * - ThreatExchange's reference images and tables from ../shared/fixtures/pdq (never copied here).
 * Assertion policy from the issue: exact hash on >= 98% of rows, <= 2 bits on every row,
 * exact quality on every row.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { hammingDistanceHex } from '../../src/core/hash256.js';
import { DIHEDRAL_NAMES, pdqHash } from '../../src/core/pdq/pdq.js';
import { transformPixels } from '../../src/core/pdq/pixels.js';
import { hashPhotoFile, type PdqMode } from '../../src/hashing/photo.js';
import { decodeImage } from '../../src/media/decode.js';
import { OWN_FIXTURES, sharedFixtures } from '../support/env.js';
import { readCsv, readDihedralLines, readHashLines } from '../support/tables.js';

interface Row {
  file: string;
  hash: string;
  quality: number;
  /** Nearly flat images (quality 0): only quality is compared, as the fixture README says. */
  flat?: boolean;
}

async function checkTable(t: TestContext, root: string, rows: Row[], mode: PdqMode): Promise<void> {
  assert.ok(rows.length > 0, 'table has rows');
  const histogram = new Map<number, number>();
  let exact = 0;
  for (const row of rows) {
    const r = await hashPhotoFile(join(root, row.file), { mode });
    assert.equal(r.quality, row.quality, `quality of ${row.file}`);
    if (row.flat) {
      exact++;
      continue;
    }
    const d = hammingDistanceHex(r.pdq, row.hash);
    histogram.set(d, (histogram.get(d) ?? 0) + 1);
    assert.ok(d <= 2, `${row.file}: ${d} bits from the reference (${r.pdq} vs ${row.hash})`);
    if (d === 0) exact++;
  }
  t.diagnostic(`${exact}/${rows.length} exact; distance histogram ${JSON.stringify(Object.fromEntries(histogram))}`);
  assert.ok(exact / rows.length >= 0.98, `${exact}/${rows.length} exact is under 98%`);
}

function ownRows(dir: string, table: string): Row[] {
  return readCsv(join(dir, table)).map((r) => ({
    file: r.file!,
    hash: r.hash!,
    quality: Number(r.quality),
    flat: Number(r.quality) === 0,
  }));
}

async function checkOwnDihedral(t: TestContext, dir: string): Promise<void> {
  let rows = 0;
  let exact = 0;
  for (const r of readCsv(join(dir, 'expected-dihedral-hma.csv'))) {
    const got = await hashPhotoFile(join(dir, r.file!), { dihedral: true });
    assert.equal(got.quality, Number(r.quality), `quality of ${r.file}`);
    if (Number(r.quality) === 0) continue;
    for (const name of DIHEDRAL_NAMES) {
      const d = hammingDistanceHex(got.dihedral![name], r[name]!);
      assert.ok(d <= 2, `${r.file} ${name}: ${d} bits off`);
      rows++;
      if (d === 0) exact++;
    }
  }
  t.diagnostic(`${exact}/${rows} dihedral hashes exact`);
  assert.ok(exact / rows >= 0.98);
}

describe('own generated set, in-repo subset', () => {
  const dir = join(OWN_FIXTURES, 'own-pdq');
  test('full resolution (HMA mode)', (t) => checkTable(t, dir, ownRows(dir, 'expected-hma.csv'), 'full'));
  test('512 mode (reference CLI)', (t) => checkTable(t, dir, ownRows(dir, 'expected-512.csv'), '512'));
  test('dihedral, full resolution', (t) => checkOwnDihedral(t, dir));
});

describe('own generated set, complete (../shared)', () => {
  const { skip, dir } = sharedFixtures('own-pdq');
  test('full resolution (HMA mode)', { skip }, (t) => checkTable(t, dir, ownRows(dir, 'expected-hma.csv'), 'full'));
  test('512 mode (reference CLI)', { skip }, (t) => checkTable(t, dir, ownRows(dir, 'expected-512.csv'), '512'));
  test('dihedral, full resolution', { skip }, (t) => checkOwnDihedral(t, dir));
});

/**
 * I16.png is a 16-bit greyscale PNG. Three 8-bit readings exist and we choose
 * the high byte (v >> 8) as default; the generated tables hold the C++ CLI's
 * low-byte reading and are checked against that reading separately below.
 */
const SIXTEEN_BIT_FILE = 'python-threatexchange-resources/I16.png';

function referenceRows(dir: string, table: string): Row[] {
  return readHashLines(join(dir, 'expected-generated', table))
    .filter((r) => r.file !== SIXTEEN_BIT_FILE)
    .map((r) => ({ ...r, flat: r.quality === 0 }));
}

describe('ThreatExchange reference tables (../shared/fixtures/pdq)', () => {
  const { skip, dir } = sharedFixtures('pdq');
  test('fullres-noresize.csv', { skip }, (t) => checkTable(t, dir, referenceRows(dir, 'fullres-noresize.csv'), 'full'));
  test('cpp-ref-512.csv', { skip }, (t) => checkTable(t, dir, referenceRows(dir, 'cpp-ref-512.csv'), '512'));
  test('cpp-ref-512-alpha-dropped.csv', { skip }, (t) =>
    checkTable(t, dir, referenceRows(dir, 'cpp-ref-512-alpha-dropped.csv'), '512'),
  );

  for (const [table, mode] of [
    ['fullres-noresize-dih.csv', 'full'],
    ['cpp-ref-512-dih.csv', '512'],
    ['cpp-ref-512-alpha-dropped-dih.csv', '512'],
  ] as const) {
    test(table, { skip }, async (t) => {
      let exact = 0;
      let total = 0;
      for (const row of readDihedralLines(join(dir, 'expected-generated', table))) {
        if (row.file === SIXTEEN_BIT_FILE) continue;
        const got = await hashPhotoFile(join(dir, row.file), { mode, dihedral: true });
        assert.equal(got.quality, row.quality, `quality of ${row.file}`);
        DIHEDRAL_NAMES.forEach((name, i) => {
          const d = hammingDistanceHex(got.dihedral![name], row.hashes[i]!);
          assert.ok(d <= 2, `${row.file} ${name}: ${d} bits off`);
          total++;
          if (d === 0) exact++;
        });
      }
      t.diagnostic(`${exact}/${total} exact`);
      assert.ok(total > 0 && exact / total >= 0.98);
    });
  }

  test('pixel-domain transforms match fullres-noresize-pixel-xforms.csv', { skip }, async (t) => {
    let exact = 0;
    let total = 0;
    for (const row of readDihedralLines(join(dir, 'expected-generated', 'fullres-noresize-pixel-xforms.csv'))) {
      if (row.file === SIXTEEN_BIT_FILE) continue;
      const decoded = await decodeImage(await readFile(join(dir, row.file)));
      DIHEDRAL_NAMES.forEach((name, i) => {
        const d = hammingDistanceHex(pdqHash(transformPixels(decoded.pixels, name)).hex, row.hashes[i]!);
        assert.ok(d <= 2, `${row.file} ${name}: ${d} bits off`);
        total++;
        if (d === 0) exact++;
      });
    }
    t.diagnostic(`${exact}/${total} exact`);
    assert.ok(total > 0 && exact / total >= 0.98);
  });

  test('16-bit input: each documented reading reproduces its reference exactly', { skip }, async () => {
    const file = join(dir, SIXTEEN_BIT_FILE);
    const cli = readHashLines(join(dir, 'expected-generated', 'fullres-noresize.csv')).find(
      (r) => r.file === SIXTEEN_BIT_FILE,
    )!;
    const low = await hashPhotoFile(file, { sixteenBit: 'low' });
    assert.equal(low.pdq, cli.hash, 'low byte = reference C++ (CImg) reading');
    assert.equal(low.quality, cli.quality);
    const upstream = readCsv(join(dir, 'expected-from-upstream.csv')).find((r) => r.image === SIXTEEN_BIT_FILE)!;
    const clip = await hashPhotoFile(file, { sixteenBit: 'clip' });
    assert.equal(clip.pdq, upstream.expected_hash, 'clip = python-threatexchange / HMA (Pillow) reading');
    assert.equal(clip.quality, Number(upstream.expected_quality));
    const high = await hashPhotoFile(file);
    assert.equal(high.quality, 100, 'default high-byte reading keeps the full tonal range');
    assert.ok(hammingDistanceHex(high.pdq, low.pdq) > 31, 'the readings really differ, so the choice matters');
  });

  test('expected-from-upstream.csv within each row stated tolerance', { skip }, async (t) => {
    let checked = 0;
    for (const row of readCsv(join(dir, 'expected-from-upstream.csv'))) {
      const file = join(dir, row.image!);
      if (row.expected_hash!.length !== 64 || !existsSync(file)) continue;
      const tolerance = parseTolerance(row.upstream_tolerance!);
      const mode: PdqMode = row.upstream_pipeline!.includes('512') ? '512' : 'full';
      const pil = row.upstream_pipeline!.startsWith('pdqhash-python');
      const got = await hashPhotoFile(file, { mode, ...(pil ? { sixteenBit: 'clip' as const } : {}) });
      const d = hammingDistanceHex(got.pdq, row.expected_hash!);
      if (tolerance === undefined) {
        t.diagnostic(`${row.image} (${row.upstream_pipeline}, doc example): ${d} bits`);
        continue;
      }
      // Where the generated reference itself differs from an upstream row (a different
      // JPEG decoder upstream), that documented decoder distance is the bound.
      const decoderGap = pil ? 0 : Number(mode === '512' ? row.dist_to_cpp_ref_512 : row.dist_to_fullres_noresize);
      const bound = Math.max(tolerance, tolerance === 0 ? decoderGap : 0);
      assert.ok(d <= bound, `${row.image} (${row.upstream_pipeline}): ${d} bits > ${bound}`);
      if (row.expected_quality) assert.equal(got.quality, Number(row.expected_quality), `quality of ${row.image}`);
      if (bound > tolerance) t.diagnostic(`${row.image}: ${d} bits, upstream decoder differs by ${decoderGap}`);
      checked++;
    }
    assert.ok(checked >= 40, `checked ${checked} rows`);
  });
});

function parseTolerance(s: string): number | undefined {
  if (s === 'exact') return 0;
  const m = /^<=(\d+)$/.exec(s);
  return m ? Number(m[1]) : undefined;
}
