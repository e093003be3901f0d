/** `perisai signals` through signalsCommand with in-memory streams. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { UsageError } from '../../src/cli/args.js';
import { boundedLines, SIGNALS_USAGE, signalsCommand } from '../../src/cli/signals.js';
import { memoryStreams } from '../support/streams.js';

const stdin = (...chunks: (string | Buffer)[]) =>
  Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));

async function run(argv: string[], ...chunks: (string | Buffer)[]) {
  const { out, err } = memoryStreams();
  const code = await signalsCommand(argv, stdin(...chunks), out, err);
  return { code, out, err };
}

test('--json prints one contract object per input line, empty lines included', async () => {
  const { code, out, err } = await run(
    ['--json', '--language', 'id'],
    'Info gan? IG nya @dewi.fiktif\n\nWA 0812-3456-7890\r\nt.me/demo_chan',
  );
  assert.equal(code, 0);
  assert.equal(err.text(), '');
  const rows = out.lines().map((l) => JSON.parse(l));
  assert.equal(rows.length, 4);
  assert.deepEqual(rows[0], {
    phones: [],
    emails: [],
    handles: [{ platform: 'instagram', handle: 'dewi.fiktif' }],
    telegram_links: [],
    locations: [],
    intent: ['request_info'],
  });
  assert.deepEqual(rows[1].intent, []);
  assert.deepEqual(rows[2].phones, [{ e164: '+6281234567890', country: 'ID' }]);
  assert.deepEqual(rows[3].telegram_links, ['https://t.me/demo_chan']);
});

test('--country reads local numbers; international numbers teach the rest of the input', async () => {
  const uk = await run(['--json', '--country', 'gb'], '07700 900456\n');
  assert.deepEqual(JSON.parse(uk.out.lines()[0]!).phones, [{ e164: '+447700900456', country: 'GB' }]);
  const chat = await run(['--json'], 'her wa +62 812 2222 3333\nor 0813 1111 2222\n');
  const [, second] = chat.out.lines().map((l) => JSON.parse(l));
  assert.deepEqual(second.phones, [{ e164: '+6281311112222', country: 'ID' }]);
});

test('lines split across chunks, even inside a UTF-8 character, are joined', async () => {
  const text = Buffer.from('这是谁？\n');
  const { out } = await run(['--json'], text.subarray(0, 2), text.subarray(2, 5), text.subarray(5));
  assert.deepEqual(JSON.parse(out.lines()[0]!).intent, ['request_info']);
});

test('without --json a compact line per message', async () => {
  const { out } = await run(['--country', 'ID'], 'info? 0812-3456-7890\nhalo\n');
  assert.deepEqual(out.lines(), ['1: phones +6281234567890 (ID); intent request_info', '2: -']);
});

test('an over-long line is analysed up to the limit, reported, and the run goes on', async () => {
  const long = `info? ${'7'.repeat(200_000)} t.me/never_seen`;
  const { code, out, err } = await run(['--json', '--max-line-bytes', '1000'], `${long}\nig: @next.line\n`);
  assert.equal(code, 0);
  const rows = out.lines().map((l) => JSON.parse(l));
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[0].intent, ['request_info']);
  assert.deepEqual(rows[0].telegram_links, [], 'the part past the limit is not read');
  assert.deepEqual(rows[1].handles, [{ platform: 'instagram', handle: 'next.line' }]);
  assert.match(err.text(), /line 1: 200022 bytes; analysed the first 1000/);
});

test('a cut in the middle of a UTF-8 character is not reported as bad input', async () => {
  const { out, err } = await run(['--json', '--max-line-bytes', '4'], '가나다\n');
  assert.equal(out.lines().length, 1);
  assert.match(err.text(), /line 1: 9 bytes/);
  assert.doesNotMatch(err.text(), /UTF-8/);
});

test('binary input is reported and does not stop the run', async () => {
  const binary = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x0a, 0x69, 0x6e, 0x66, 0x6f, 0x3f, 0x0a]);
  const { code, out, err } = await run(['--json'], binary);
  assert.equal(code, 0);
  const rows = out.lines().map((l) => JSON.parse(l));
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[1].intent, ['request_info']);
  assert.match(err.text(), /line 1: not valid UTF-8/);
});

test('boundedLines never keeps more than the limit of a line', async () => {
  const chunks = Array.from({ length: 100 }, () => Buffer.alloc(10_000, 0x61));
  const lines = [];
  for await (const line of boundedLines(Readable.from([...chunks, Buffer.from('\nb')]), 5000)) lines.push(line);
  assert.equal(lines.length, 2);
  assert.equal(lines[0]!.bytes.length, 5000);
  assert.equal(lines[0]!.length, 1_000_000);
  assert.equal(lines[1]!.bytes.toString(), 'b');
});

test('--lexicons adds an organisation lexicon; a broken one is reported', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'perisai-signals-cli-'));
  try {
    await writeFile(join(dir, 'tl.json'), JSON.stringify({ language: 'tl', request_info: ['sino siya'] }));
    const ok = await run(['--json', '--lexicons', dir], 'sino siya?\n');
    assert.deepEqual(JSON.parse(ok.out.lines()[0]!).intent, ['request_info']);
    await writeFile(join(dir, 'bad.json'), '{"language": "xx", "harassment": [{"regex": "("}]}');
    const bad = await run(['--lexicons', dir], 'x\n');
    assert.equal(bad.code, 2);
    assert.match(bad.err.text(), /bad\.json: harassment\.0/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('usage errors and --help', async () => {
  await assert.rejects(run(['--country', 'XX']), UsageError);
  await assert.rejects(run(['file.txt']), /read from stdin/);
  await assert.rejects(run(['--max-line-bytes', '0']), UsageError);
  await assert.rejects(run(['--bogus']), UsageError);
  const help = await run(['--help']);
  assert.equal(help.code, 0);
  assert.equal(help.out.text(), `${SIGNALS_USAGE}\n`);
});
