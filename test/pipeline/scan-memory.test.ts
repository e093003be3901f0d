/**
 * A generated 200k-message export scans in bounded memory: messages stream from
 * the export into the database in batches, and nothing between stages is held in
 * arrays. The RSS growth over the scan stays far below the export's size plus
 * what holding its messages would take. This bounds memory, not time.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openDatabase } from '../../src/db/open.js';
import { runScan } from '../../src/pipeline/scan.js';
import { openSource } from '../../src/sources/open.js';
import { writeGeneratedExport } from '../support/generated-export.js';

const COUNT = 200_000;
const GROWTH_BOUND = 160 * 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), 'perisai-scanmem-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('a 200k-message export scans in bounded memory', { timeout: 900_000 }, async (t) => {
  const generated = await writeGeneratedExport(join(work, 'export'), { messages: COUNT, photos: 0 });
  const size = statSync(generated.resultJson).size;
  const database = await openDatabase({ dataDir: join(work, 'data') });
  try {
    const { source } = await openSource(generated.dir);
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    let seen = 0;
    const result = await runScan(database, {
      source,
      location: generated.dir,
      country: 'GB',
      onProgress: (p) => {
        if (p.messages - seen >= 5000) {
          seen = p.messages;
          peak = Math.max(peak, process.memoryUsage().rss);
        }
      },
    });
    peak = Math.max(peak, process.memoryUsage().rss);
    const growth = peak - baseline;
    t.diagnostic(
      `export ${(size / 1048576).toFixed(1)} MiB, ${COUNT} messages in ${result.timings.total.toFixed(1)} s, RSS growth ${(growth / 1048576).toFixed(1)} MiB`,
    );
    assert.equal(result.progress.messages, COUNT);
    const stored = await database.db
      .selectFrom('messages')
      .select(database.db.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(stored.n), COUNT);
    const personal = await database.db
      .selectFrom('findings')
      .select(database.db.fn.countAll<number>().as('n'))
      .where('severity', '=', 'personal_data')
      .executeTakeFirstOrThrow();
    assert.equal(Number(personal.n), generated.personalDataIds.size, 'every message with personal data is a finding');
    assert.ok(growth < GROWTH_BOUND, `RSS grew ${(growth / 1048576).toFixed(1)} MiB (bound ${GROWTH_BOUND / 1048576})`);
  } finally {
    await database.close();
  }
});
