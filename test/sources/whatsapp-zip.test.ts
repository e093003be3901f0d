/**
 * Hostile WhatsApp zips: zip slip names, a 1 GB ratio bomb (built from a 1 MB deflate
 * stream, never inflated), a bomb whose header lies about its size, nested archives,
 * symbolic links, corrupt data, entry-count and total-size limits, truncated files.
 * Each refusal is a SourceIssue, the chat still parses, nothing is written outside the
 * extraction folder, nothing crashes.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NormalizedMessage, SourceIssue } from '../../src/sources/types.js';
import {
  openWhatsAppExport,
  type WhatsAppExport,
  WhatsAppExportError,
  type WhatsAppExportOptions,
} from '../../src/sources/whatsapp/index.js';
import { buildZip, deflatedZeros, type ZipEntrySpec } from '../support/zip.js';

const GB = 1 << 30;

function chat(...attachments: string[]): string {
  const lines = ['[01/03/2024, 10:00:00] Sam: hello'];
  attachments.forEach((name, i) => {
    lines.push(`\u200e[01/03/2024, 10:0${i + 1}:00] Sam: \u200e<attached: ${name}>`);
  });
  return lines.join('\n');
}

async function collect(src: WhatsAppExport) {
  const issues: SourceIssue[] = [];
  const messages: NormalizedMessage[] = [];
  for await (const m of src.messages((i) => issues.push(i))) messages.push(m);
  return { messages, issues };
}

/** Every file under `dir`, relative to it. */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() || e.isSymbolicLink()) out.push(relative(dir, join(e.parentPath, e.name)));
  }
  return out.sort();
}

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'perisai-wa-zip-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes the zip under root/<name>/in, extracts into root/<name>/out. */
async function scanZip(name: string, entries: ZipEntrySpec[], options: WhatsAppExportOptions = {}) {
  const base = join(root, name);
  await mkdir(join(base, 'in'), { recursive: true });
  const path = join(base, 'in', 'export.zip');
  await writeFile(path, buildZip(entries));
  const src = await openWhatsAppExport(path, { extractDir: join(base, 'out'), ...options });
  const result = await collect(src);
  return { ...result, src, base };
}

describe('WhatsApp zip: hostile archives', () => {
  it('zip slip names are refused, the rest is extracted, nothing lands outside the folder', async () => {
    const { messages, issues, src, base } = await scanZip('slip', [
      { name: '_chat.txt', data: chat('evil.jpg', 'ok.jpg', 'abs.jpg', 'win.jpg') },
      { name: '../evil.jpg', data: 'escaped' },
      { name: 'x/../../evil.jpg', data: 'escaped' },
      { name: '/tmp/abs.jpg', data: 'absolute' },
      { name: Buffer.from('..\\..\\win.jpg'), data: 'backslashes' },
      { name: 'C:/win.jpg', data: 'drive' },
      { name: 'ok.jpg', data: 'fine' },
    ]);
    assert.equal(messages.length, 5);
    const refused = issues.filter((i) => i.kind === 'malformed' && /zip slip/.test(i.message));
    assert.equal(refused.length, 5);
    // A message naming a refused entry gets the refusal as its reason.
    assert.match(messages[1]!.media[0]!.missing ?? '', /in export\.zip but refused: .*zip slip/);
    assert.ok(messages[2]!.media[0]!.path?.startsWith(src.extractedTo()!));
    assert.deepEqual(await tree(base), [
      'in/export.zip',
      `out/${relative(join(base, 'out'), src.extractedTo()!)}/ok.jpg`,
    ]);
    assert.deepEqual(await tree(join(root, 'slip', '..')).then((t) => t.filter((p) => /evil|abs|win/.test(p))), []);
  });

  it('a 1 GB entry of zeros (ratio bomb) is refused from its headers without inflating it', async () => {
    const started = Date.now();
    const { messages, issues, base } = await scanZip('bomb', [
      { name: '_chat.txt', data: chat('IMG-20240301-WA0001.jpg') },
      { name: 'IMG-20240301-WA0001.jpg', raw: deflatedZeros(GB) },
    ]);
    const bomb = issues.find((i) => i.kind === 'limit');
    assert.match(bomb?.message ?? '', /compression ratio \d+:1 for 1073741824 bytes/);
    assert.match(messages[1]!.media[0]!.missing ?? '', /refused: compression ratio/);
    assert.deepEqual(await tree(base), ['in/export.zip']);
    assert.ok(Date.now() - started < 20_000);
  });

  it('an entry whose header understates its size is cut off at the declared size', async () => {
    const bomb = deflatedZeros(GB);
    const entries: ZipEntrySpec[] = [
      { name: '_chat.txt', data: chat('IMG-20240301-WA0002.jpg') },
      { name: 'IMG-20240301-WA0002.jpg', raw: { ...bomb, size: 1000 } },
    ];
    const fetched = await scanZip('liar-fetch', entries, { extractDir: undefined });
    const ref = fetched.messages[1]!.media[0]!;
    assert.equal(ref.size, 1000);
    await assert.rejects(ref.fetch!(), /more data than its declared 1000 bytes/);

    const extracted = await scanZip('liar-extract', entries);
    assert.match(
      extracted.messages[1]!.media[0]!.missing ?? '',
      /could not be extracted: .*more data than its declared/,
    );
    assert.ok(extracted.issues.some((i) => i.kind === 'malformed' && /could not be extracted/.test(i.message)));
    // The partial file is removed.
    assert.deepEqual(await tree(extracted.base), ['in/export.zip']);
  });

  it('a zip inside the export is noted and not opened, but stays available as a document', async () => {
    const inner = buildZip([{ name: 'inner.jpg', data: 'inner' }]);
    const { messages, issues } = await scanZip(
      'nested',
      [
        { name: '_chat.txt', data: '01/03/2024, 10:00 - Sam: DOC-20240301-WA0003.zip (file attached)' },
        { name: 'DOC-20240301-WA0003.zip', data: inner },
      ],
      { extractDir: undefined },
    );
    assert.ok(issues.some((i) => i.kind === 'unsupported' && /archive inside the export; not opened/.test(i.message)));
    const ref = messages[0]!.media[0]!;
    assert.equal(ref.type, 'document');
    assert.equal(ref.mime, 'application/zip');
    assert.deepEqual(Buffer.from(await ref.fetch!()), inner);
  });

  it('symbolic links, corrupt data and unknown compression are refused per entry', async () => {
    const corrupt = { compressed: Buffer.from('not deflate data at all'), crc: 0, size: 50, method: 8 as const };
    const { messages, issues } = await scanZip(
      'odd-entries',
      [
        { name: '_chat.txt', data: chat('link.jpg', 'bad.jpg', 'crc.jpg') },
        { name: 'link.jpg', data: '/etc/passwd', unixMode: 0o120777 },
        { name: 'bad.jpg', raw: corrupt },
        { name: 'crc.jpg', raw: { compressed: Buffer.from('stored'), crc: 1234, size: 6, method: 0 } },
      ],
      { extractDir: undefined },
    );
    assert.ok(issues.some((i) => i.kind === 'unsupported' && /symbolic link/.test(i.message)));
    assert.match(messages[1]!.media[0]!.missing ?? '', /symbolic link entry: refused/);
    await assert.rejects(messages[2]!.media[0]!.fetch!());
    await assert.rejects(messages[3]!.media[0]!.fetch!(), /CRC mismatch/);
  });

  it('entry-count and total-size limits refuse what is past them and keep the rest', async () => {
    const many: ZipEntrySpec[] = [{ name: '_chat.txt', data: chat('a.jpg') }];
    for (const n of ['a', 'b', 'c', 'd', 'e']) many.push({ name: `${n}.jpg`, data: n.repeat(100) });
    const counted = await scanZip('count', many, { zipLimits: { maxEntries: 3 }, extractDir: undefined });
    assert.ok(counted.issues.some((i) => i.kind === 'limit' && /6 entries, over the limit of 3/.test(i.message)));
    assert.equal(counted.messages.length, 2);
    assert.deepEqual(Buffer.from(await counted.messages[1]!.media[0]!.fetch!()).toString(), 'a'.repeat(100));

    const sized = await scanZip('total', many, { zipLimits: { maxTotalBytes: 400 }, extractDir: undefined });
    const over = sized.issues.filter((i) => i.kind === 'limit' && /total uncompressed size/.test(i.message));
    assert.ok(over.length >= 2);
  });

  it('a truncated zip is a clear error, not a crash', async () => {
    const whole = buildZip([
      { name: '_chat.txt', data: chat() },
      { name: 'IMG-20240301-WA0001.jpg', data: 'x'.repeat(1000) },
    ]);
    for (const cut of [whole.length - 10, Math.floor(whole.length / 2), 10]) {
      const path = join(root, `truncated-${cut}.zip`);
      await writeFile(path, whole.subarray(0, cut));
      const src = await openWhatsAppExport(path);
      await assert.rejects(collect(src), (err: Error) => {
        assert.ok(err instanceof WhatsAppExportError, String(err));
        assert.match(err.message, /not a readable zip|unreadable/);
        return true;
      });
    }
  });

  it('a zip without a chat text is refused with a clear error', async () => {
    const path = join(root, 'no-chat.zip');
    await writeFile(path, buildZip([{ name: 'IMG-20240301-WA0001.jpg', data: 'x' }]));
    await assert.rejects(collect(await openWhatsAppExport(path)), /no chat text/);
  });
});
