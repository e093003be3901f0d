/**
 * From scan to court: `perisai scan --preserve` captures the findings, `perisai
 * evidence export` seals them, and `perisai evidence verify` checks the package
 * with the data folder gone.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { bankCommand } from '../../src/cli/bank.js';
import { evidenceCommand } from '../../src/cli/evidence.js';
import { scanCommand } from '../../src/cli/scan.js';
import { type GeneratedExport, writeGeneratedExport } from '../support/generated-export.js';
import { memoryStreams } from '../support/streams.js';

let dir: string;
let data: string;
let generated: GeneratedExport;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'perisai-evidence-cli-'));
  data = join(dir, 'data');
  generated = await writeGeneratedExport(join(dir, 'export'), { messages: 100, photos: 10 });
});
after(() => rm(dir, { recursive: true, force: true }));

async function run(
  fn: (argv: string[], out: NodeJS.WritableStream, err: NodeJS.WriteStream) => Promise<number>,
  ...args: string[]
) {
  const { out, err } = memoryStreams();
  const code = await fn(args, out, err as unknown as NodeJS.WriteStream);
  return { code, out: out.text(), err: err.text() };
}

test('scan --preserve, export (clear and sealed), verify offline, tamper detected', async () => {
  assert.equal((await run(bankCommand, 'create', 'NCII_EV', '--category', 'ncii', '--data', data)).code, 0);
  const photo = [...generated.photoMessageIds].find(([, ids]) => ids.includes(100))![0];
  assert.equal((await run(bankCommand, 'add', 'NCII_EV', photo, '--data', data)).code, 0);
  const scan = await run(
    scanCommand,
    generated.dir,
    '--data',
    data,
    '--country',
    'GB',
    '--preserve',
    '--case',
    'PS-2026-000001',
    '--quiet',
  );
  assert.equal(scan.code, 0, scan.err);
  assert.match(scan.err, /preserved (\d+) item\(s\) in the evidence vault, case PS-2026-000001/);

  const clear = join(dir, 'clear.zip');
  let r = await run(
    (a, o) => evidenceCommand(a, o),
    'export',
    '--data',
    data,
    '--case',
    'PS-2026-000001',
    '--out',
    clear,
    '--clear',
  );
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /item\(s\) of 1 case\(s\), in clear/);

  const keys = join(dir, 'keys');
  assert.equal((await run((a, o) => evidenceCommand(a, o), 'keygen', '--out', keys)).code, 0);
  const sealed = join(dir, 'sealed.zip');
  r = await run(
    (a, o) => evidenceCommand(a, o),
    'export',
    '--data',
    data,
    '--all',
    '--out',
    sealed,
    '--recipient-key',
    join(keys, 'recipient.pub'),
  );
  assert.equal(r.code, 0, r.err);
  const publicKey = join(dir, 'log.pem');
  await writeFile(publicKey, (await run((a, o) => evidenceCommand(a, o), 'public-key', '--data', data)).out);
  const later = join(dir, 'later.json');
  const sealedSize = JSON.parse(await readManifest(sealed)).log.tree_head.treeSize as number;
  r = await run(
    (a, o) => evidenceCommand(a, o),
    'tree-head',
    '--data',
    data,
    '--since',
    String(sealedSize),
    '--out',
    later,
  );
  assert.equal(r.code, 0, r.err);

  await rm(data, { recursive: true, force: true }); // offline: nothing of the server is left
  r = await run((a, o) => evidenceCommand(a, o), 'verify', clear);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /VERDICT: VALID/);
  r = await run(
    (a, o) => evidenceCommand(a, o),
    'verify',
    sealed,
    '--log-key',
    publicKey,
    '--later-tree-head',
    later,
    '--recipient-key',
    join(keys, 'recipient.pub'),
    '--recipient-secret',
    join(keys, 'recipient.key'),
  );
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /later tree head is consistent/);
  assert.match(r.out, /media opens and matches/);

  const bytes = await readFile(clear);
  bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
  const tampered = join(dir, 'tampered.zip');
  await writeFile(tampered, bytes);
  r = await run((a, o) => evidenceCommand(a, o), 'verify', tampered);
  assert.equal(r.code, 1);
  assert.match(r.out, /VERDICT: INVALID/);
});

async function readManifest(zipPath: string): Promise<string> {
  const { readZip } = await import('../../src/evidence/sealed/zip.js');
  return (await readZip(await readFile(zipPath))).get('manifest.json')!.toString();
}
