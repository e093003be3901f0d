/**
 * A generated 200k-message export (about 100 MB) parses in bounded memory: the RSS growth
 * during the parse stays far below what holding the file (or its parsed tree) would take.
 * This bounds memory, not time.
 */
import assert from 'node:assert/strict';
import { createWriteStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { TelegramJsonSource } from '../../src/sources/telegram-export/index.js';
import { tempDir } from './telegram-export-support.js';

const COUNT = 200_000;
const RSS_BOUND = 150 * 1024 * 1024;
const tmp = tempDir('perisai-tgmem-');
after(() => tmp.cleanup());

function record(i: number): string {
  const unix = 1_650_000_000 + i * 7;
  const text = `message ${i} from the generated export, with some words to give it a realistic size`;
  const fields = [
    `   "id": ${i}`,
    '   "type": "message"',
    `   "date": "${new Date(unix * 1000).toISOString().slice(0, 19)}"`,
    `   "date_unixtime": "${unix}"`,
    `   "from": "Member ${i % 97}"`,
    `   "from_id": "user${4_400_000 + (i % 97)}"`,
  ];
  if (i % 10 === 0) {
    fields.push(
      '   "photo": "(File not included. Change data exporting settings to download.)"',
      '   "width": 1280',
      '   "height": 960',
    );
  }
  if (i % 3 === 0) {
    fields.push(`   "text": ["${text} ", {"type": "bold", "text": "bold ${i}"}]`);
    fields.push(`   "text_entities": [{"type": "plain", "text": "${text} "}, {"type": "bold", "text": "bold ${i}"}]`);
  } else {
    fields.push(`   "text": "${text}"`, `   "text_entities": [{"type": "plain", "text": "${text}"}]`);
  }
  return `  {\n${fields.join(',\n')}\n  }`;
}

/** Streams the export to disk in batches, respecting back-pressure. */
async function writeExport(path: string): Promise<void> {
  const out = createWriteStream(path);
  const write = (s: string) =>
    out.write(s) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve()));
  await write('{\n "name": "Generated Group",\n "type": "private_supergroup",\n "id": 1700000001,\n "messages": [\n');
  for (let start = 1; start <= COUNT; start += 1000) {
    const batch: string[] = [];
    for (let i = start; i < start + 1000 && i <= COUNT; i++) batch.push(record(i));
    await write(`${batch.join(',\n')}${start + 1000 > COUNT ? '\n' : ',\n'}`);
  }
  await write(' ]\n}\n');
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

test('200k messages stream through in bounded memory', { timeout: 600_000 }, async (t) => {
  const file = join(tmp.dir, 'result.json');
  await writeExport(file);
  const size = statSync(file).size;
  await new Promise((r) => setTimeout(r, 50));
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  let count = 0;
  let lastId = '';
  let media = 0;
  for await (const m of new TelegramJsonSource(file).messages()) {
    count++;
    lastId = m.messageId;
    media += m.media.length;
    if (count % 2000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  const growth = peak - baseline;
  t.diagnostic(`file ${(size / 1048576).toFixed(1)} MiB, RSS growth ${(growth / 1048576).toFixed(1)} MiB`);
  assert.equal(count, COUNT);
  assert.equal(lastId, String(COUNT));
  assert.equal(media, COUNT / 10);
  assert.ok(size > 80 * 1024 * 1024, `the export is large enough to matter (${size} bytes)`);
  assert.ok(growth < RSS_BOUND, `RSS grew by ${(growth / 1048576).toFixed(1)} MiB`);
});
