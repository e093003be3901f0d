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
import { UsageError } from '../../src/cli/args.js';
import { bankCommand } from '../../src/cli/bank.js';
import { withDatabase } from '../../src/cli/context.js';
import { evidenceCommand } from '../../src/cli/evidence.js';
import { main } from '../../src/cli/main.js';
import { scanCommand } from '../../src/cli/scan.js';
import { openEvidence } from '../../src/evidence/open.js';
import { readZip } from '../../src/evidence/sealed/zip.js';
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

const evidence = (...args: string[]) => run((a, o, e) => evidenceCommand(a, o, e), ...args);

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
  // A hotline case beside it, captured through the vault of the same data folder.
  const childMedia = Buffer.from('stand-in bytes for child material '.repeat(40));
  await withDatabase(data, async (database) => {
    const opened = await openEvidence(database, data);
    try {
      await opened.vault.capture({
        caseId: 'HOTLINE-1',
        category: 'csam',
        media: childMedia,
        rawRecord: { id: 9 },
        channel: { title: 'Fictional channel' },
        capturedBy: { kind: 'user', id: 'analyst-1' },
        source: { kind: 'telegram-export-json', chatId: '-1009', messageId: '9' },
      });
    } finally {
      opened.close();
    }
  });

  const clear = join(dir, 'clear.zip');
  let r = await evidence('export', '--data', data, '--case', 'PS-2026-000001', '--out', clear, '--clear');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /item\(s\) of 1 case\(s\), in clear/);
  type Item = { record: { sha256: string | null; hashes: { pdq?: unknown } } };
  const withMedia = (JSON.parse(await readManifest(clear)).items as Item[]).filter((i) => i.record.sha256);
  assert.ok(withMedia.length > 0 && withMedia.every((i) => i.record.hashes.pdq), 'the scan PDQ is in the record');
  r = await evidence('export', '--data', data, '--case', 'HOTLINE-1', '--out', join(dir, 'no.zip'), '--clear');
  assert.equal(r.code, 1, 'child material is never exported in clear');
  assert.match(r.err, /refused: child sexual abuse material is exported only sealed/);

  const keys = join(dir, 'keys');
  assert.equal((await evidence('keygen', '--out', keys)).code, 0);
  const sealed = join(dir, 'sealed.zip');
  r = await evidence(
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
  await writeFile(publicKey, (await evidence('public-key', '--data', data)).out);
  const later = join(dir, 'later.json');
  const sealedSize = JSON.parse(await readManifest(sealed)).log.tree_head.treeSize as number;
  r = await evidence('tree-head', '--data', data, '--since', String(sealedSize), '--out', later);
  assert.equal(r.code, 0, r.err);

  await rm(data, { recursive: true, force: true }); // offline: nothing of the server is left
  r = await evidence('verify', clear);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /VERDICT: VALID/);
  r = await evidence(
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
  assert.match(r.out, /ok {3}later tree head is consistent/);
  assert.match(r.out, /media opens with the recipient key and matches/);
  assert.match(r.out, /child material is sealed, never in clear/);
  assert.doesNotMatch(r.out, /^note /m, 'a trusted key, a later head and an opened package leave no caveat');
  assert.equal((await readFile(sealed)).indexOf(childMedia.subarray(0, 40)), -1, 'no child material in clear');

  const bytes = await readFile(clear);
  bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
  const tampered = join(dir, 'tampered.zip');
  await writeFile(tampered, bytes);
  r = await evidence('verify', tampered);
  assert.equal(r.code, 1);
  assert.match(r.out, /VERDICT: INVALID/);
});

test('usage errors exit 2 (UsageError); a key pair is never overwritten', async () => {
  const keys = join(dir, 'usage-keys');
  const cases: string[][] = [
    ['verify'],
    ['verify', 'a.zip', 'b.zip'],
    ['verify', 'a.zip', '--recipient-key', 'k.pub'],
    ['export', '--data', data, '--all'],
    ['export', '--data', data, '--all', '--out', 'x.zip'],
    ['export', '--data', data, '--out', 'x.zip', '--clear'],
    ['export', '--data', data, '--all', '--out', 'x.zip', '--clear', '--recipient-key', 'k.pub'],
    ['public-key', '--data', join(dir, 'nowhere')],
    ['tree-head', '--data', join(dir, 'nowhere'), '--out', 'x.json'],
    ['frobnicate'],
  ];
  for (const argv of cases) await assert.rejects(evidence(...argv), UsageError, argv.join(' '));
  assert.equal(await main(['evidence', 'verify']), 2, 'perisai maps a usage error to exit 2');
  const bad = join(dir, 'bad-head.json');
  await writeFile(bad, '{"tree_head": {}}');
  await writeFile(join(dir, 'empty.zip'), Buffer.alloc(0));
  await assert.rejects(evidence('verify', join(dir, 'empty.zip'), '--later-tree-head', bad), /--later-tree-head/);
  const r = await evidence('verify', join(dir, 'empty.zip'));
  assert.equal(r.code, 1);
  assert.match(r.out, /FAIL package readable: .*\nVERDICT: INVALID \(1 problem\(s\)\)/);
  assert.equal((await evidence('keygen', '--out', keys)).code, 0);
  const secret = await readFile(join(keys, 'recipient.key'));
  await assert.rejects(evidence('keygen', '--out', keys), /exists already/);
  assert.ok((await readFile(join(keys, 'recipient.key'))).equals(secret), 'the secret key is untouched');
});

async function readManifest(zipPath: string): Promise<string> {
  return (await readZip(await readFile(zipPath))).get('manifest.json')!.toString();
}
