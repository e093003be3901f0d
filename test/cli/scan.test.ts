/** `perisai scan` end to end on a real embedded database: summary, JSON Lines, HTML report, resume. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { bankCommand } from '../../src/cli/bank.js';
import { scanCommand } from '../../src/cli/scan.js';
import { type GeneratedExport, writeGeneratedExport } from '../support/generated-export.js';
import { memoryStreams } from '../support/streams.js';

let dir: string;
let data: string;
let generated: GeneratedExport;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'perisai-scan-cli-'));
  data = join(dir, 'data');
  generated = await writeGeneratedExport(join(dir, 'export'), { messages: 200, photos: 20 });
});
after(() => rm(dir, { recursive: true, force: true }));

type Command = (argv: string[], out: NodeJS.WritableStream, err: NodeJS.WriteStream) => Promise<number>;

async function run(fn: Command, ...args: string[]) {
  const { out, err } = memoryStreams();
  const code = await fn([...args, '--data', data], out, err as unknown as NodeJS.WriteStream);
  return { code, out: out.text(), err: err.text() };
}

test('scan writes a summary, one finding per JSON line and an offline HTML report; a re-run adds nothing', async () => {
  let r = await run(bankCommand, 'create', 'NCII_CLI', '--category', 'ncii');
  assert.equal(r.code, 0, r.err);
  // The photo of message 100 (which also carries a phone number): a doxxing finding.
  const doxxed = [...generated.photoMessageIds].find(([, ids]) => ids.includes(100))![0];
  r = await run(bankCommand, 'add', 'NCII_CLI', doxxed);
  assert.equal(r.code, 0, r.err);

  const report = join(dir, 'report.html');
  const jsonl = join(dir, 'findings.jsonl');
  r = await run(scanCommand, generated.dir, '--country', 'GB', '--report', report, '--json', jsonl);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /scanned Telegram Desktop export \(JSON\): 200 messages, 20 media/);
  assert.match(r.out, /findings: 1 doxxing, 0 match, \d+ personal data/);

  const lines = (await readFile(jsonl, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines[0].severity, 'doxxing', 'most severe first');
  assert.equal(lines[0].messageId, '100');
  assert.equal(lines[0].matches[0].bank, 'NCII_CLI');
  assert.match(lines[0].personalData.phones[0].e164, /^\+447700900\d{3}$/);
  assert.equal(lines.length, 1 + [...generated.personalDataIds].filter((id) => id !== 100).length);
  assert.ok(
    lines.every((l) => l.media.every((m: object) => !('path' in m))),
    'no local paths in the JSON',
  );

  const html = await readFile(report, 'utf8');
  assert.match(html, /^<!DOCTYPE html>/i);
  assert.match(html, /data:image\/jpeg;base64,/, 'a blurred thumbnail of the matched photo');
  assert.doesNotMatch(html, /<(?:img|link|script)[^>]+(?:src|href)="https?:/i, 'nothing loaded from elsewhere');

  r = await run(scanCommand, generated.dir, '--country', 'GB', '--quiet');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /200 messages, 0 media hashed/, 'the re-run finds everything stored');
  assert.match(r.out, /findings: 1 doxxing/);
});

test('usage errors: no path, unknown bank, bad country', async () => {
  // main() turns these into exit code 2 with the usage text.
  await assert.rejects(run(scanCommand), /give exactly one PATH/);
  await assert.rejects(run(scanCommand, generated.dir, '--bank', 'NO_SUCH_BANK'), /no such bank: NO_SUCH_BANK/);
  await assert.rejects(
    run(scanCommand, generated.dir, '--country', 'XX'),
    /--country must be an ISO 3166 alpha-2 code/,
  );
});
