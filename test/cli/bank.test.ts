/** `perisai bank ...`, `perisai match` and `perisai apikey` on a real embedded database. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { apikeyCommand } from '../../src/cli/apikey.js';
import { bankCommand } from '../../src/cli/bank.js';
import { matchCommand } from '../../src/cli/match.js';
import { OWN_FIXTURES } from '../support/env.js';
import { memoryStreams } from '../support/streams.js';

let dir: string;
let data: string;
const image = join(OWN_FIXTURES, 'own-pdq/images/base-13.jpg');
const variant = join(OWN_FIXTURES, 'own-pdq/images/base-13__jpegq60.jpg');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'perisai-bank-cli-'));
  data = join(dir, 'data');
});
after(() => rm(dir, { recursive: true, force: true }));

async function run(fn: typeof bankCommand, ...args: string[]) {
  const { out, err } = memoryStreams();
  const code = await fn([...args, '--data', data], out, err);
  return { code, out: out.text(), err: err.text() };
}

test('create, add a file, import three formats, list, match, export, withdraw', async () => {
  let r = await run(bankCommand, 'create', 'NCII_VICTIMS', '--category', 'ncii');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /created bank NCII_VICTIMS \(block, ncii, threshold 31, min quality 50\)/);
  r = await run(bankCommand, 'create', 'bad name!', '--category', 'ncii');
  assert.equal(r.code, 1);
  assert.match(r.err, /bank name must match/);

  r = await run(bankCommand, 'add', 'NCII_VICTIMS', image, '--case', 'PS-0001', '--metadata', '{"submitted":"test"}');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /added content 1 to NCII_VICTIMS: pdq:[0-9a-f]{64} md5:[0-9a-f]{32} sha256:[0-9a-f]{64}/);

  const csv = join(dir, 'hashes.csv');
  await writeFile(csv, `${'ab'.repeat(32)},90,a.jpg\n${'cd'.repeat(32)},40,b.jpg\n\n${'0123456789abcdef'.repeat(2)}\n`);
  r = await run(bankCommand, 'import', 'NCII_VICTIMS', csv);
  assert.match(r.out, /imported 3 items/);
  const jsonl = join(dir, 'items.jsonl');
  await writeFile(
    jsonl,
    `${JSON.stringify({ signals: [{ type: 'pdq', hash: 'ef'.repeat(32), quality: 80 }], note: 'n', metadata: { k: 1 } })}\n${JSON.stringify({ status: 'withdrawn', signals: [] })}\n`,
  );
  r = await run(bankCommand, 'import', 'NCII_VICTIMS', jsonl);
  assert.match(r.out, /imported 1 items/);
  const hma = join(dir, 'te.csv');
  await writeFile(
    hma,
    `signal_type,signal_str,collab,category,tags\npdq,${'12'.repeat(32)},PARTNER,adult,tag1 tag2\nvideo_md5,${'AB'.repeat(16)},PARTNER,,\n`,
  );
  r = await run(bankCommand, 'import', 'NCII_VICTIMS', hma, '--format', 'hma');
  assert.match(r.out, /imported 2 items/);

  const bad = join(dir, 'bad.csv');
  await writeFile(bad, `${'ab'.repeat(32)},90\nnot-a-hash,1\n`);
  r = await run(bankCommand, 'import', 'NCII_VICTIMS', bad);
  assert.equal(r.code, 1);
  assert.match(r.err, /line 2: expected a 64-hex PDQ or 32-hex MD5 hash/);

  r = await run(bankCommand, 'list');
  assert.match(r.out, /NCII_VICTIMS\s+block ncii/);

  r = await run(matchCommand, variant, 'ab'.repeat(32), '00'.repeat(32));
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  assert.match(lines[0]!, /base-13__jpegq60\.jpg,NCII_VICTIMS,1,pdq,\d+$/);
  assert.equal(lines[1], `${'ab'.repeat(32)},NCII_VICTIMS,2,pdq,0`);
  assert.equal(lines[2], `${'00'.repeat(32)},no match`);

  r = await run(bankCommand, 'withdraw', 'NCII_VICTIMS', '1');
  assert.match(r.out, /withdrew content 1/);
  r = await run(matchCommand, image, '--json');
  assert.deepEqual(JSON.parse(r.out).matches, []);

  const exported = join(dir, 'export.jsonl');
  r = await run(bankCommand, 'export', 'NCII_VICTIMS', '--out', exported);
  const rows = (await readFile(exported, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(rows.length, 7);
  assert.equal(rows[0].status, 'withdrawn', 'withdrawn item exported as a tombstone');
  assert.equal(rows[0].case_ref, 'PS-0001');
  r = await run(bankCommand, 'export', 'NCII_VICTIMS', '--format', 'hma');
  assert.match(r.out, /^signal_type,signal_str,collab,category,tags\n/);
  assert.match(r.out, new RegExp(`video_md5,${'ab'.repeat(16)},NCII_VICTIMS`));
  assert.doesNotMatch(r.out, /9013b236/, 'the withdrawn image is not in the HMA export');
});

test('apikey create shows the key once; list never shows it', async () => {
  let r = await run(apikeyCommand as typeof bankCommand, 'create', '--name', 'partner', '--scope', 'write');
  const key = /(psk_[A-Za-z0-9_-]+)/.exec(r.out)?.[1];
  assert.ok(key && key.length > 40, r.out);
  r = await run(apikeyCommand as typeof bankCommand, 'list');
  assert.match(r.out, /partner/);
  assert.ok(!r.out.includes(key), 'the secret is never listed');
});
