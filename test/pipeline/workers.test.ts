/**
 * Several workers (separate connections, as separate processes would have) share
 * one PostgreSQL media queue: every item is settled exactly once, content is
 * hashed once per SHA-256, and a lease left by a dead worker is taken over.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase } from '../../src/db/open.js';
import { MessageStore } from '../../src/pipeline/ingest.js';
import { MediaWorker } from '../../src/pipeline/media-worker.js';
import { openSource } from '../../src/sources/open.js';
import type { NormalizedMessage } from '../../src/sources/types.js';
import { databaseVariants } from '../support/db.js';
import { type GeneratedExport, writeGeneratedExport } from '../support/generated-export.js';

const postgres = databaseVariants().find((v) => v.name === 'postgres')!;
let work: string;
let generated: GeneratedExport;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'perisai-workers-'));
  generated = await writeGeneratedExport(join(work, 'export'), { messages: 120, photos: 24, repeatedPhotos: 4 });
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('media workers sharing PostgreSQL', { skip: postgres.skip }, () => {
  test('three workers settle every item once; a dead worker’s lease is taken over', async () => {
    const store = await postgres.newStore();
    const databases = await Promise.all([0, 1, 2].map(() => openDatabase(store.options)));
    try {
      const messages: NormalizedMessage[] = [];
      for await (const m of (await openSource(generated.dir)).source.messages()) messages.push(m);
      await new MessageStore(databases[0]!).ingest(messages);
      // A worker that died holding two items an hour ago.
      await databases[0]!.db
        .updateTable('media_items')
        .set({ state: 'claimed', claimed_at: new Date(Date.now() - 3_600_000), attempts: 1 })
        .where('id', 'in', [1, 2])
        .execute();

      const settledBy: number[][] = [[], [], []];
      await Promise.all(
        databases.map((database, w) =>
          new MediaWorker(database, {
            matcher: null,
            batchSize: 4,
            onSettled: (item) => settledBy[w]!.push(item.id),
          }).drain(),
        ),
      );
      const all = settledBy.flat().sort((a, b) => a - b);
      assert.equal(all.length, 24, 'each item settled once');
      assert.equal(new Set(all).size, 24);
      assert.ok(settledBy.filter((ids) => ids.length > 0).length >= 2, 'the work was shared');
      const states = await databases[1]!.db.selectFrom('media_items').select('state').distinct().execute();
      assert.deepEqual(states, [{ state: 'done' }]);
      const hashes = await databases[2]!.db
        .selectFrom('media_hashes')
        .select(databases[2]!.db.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(hashes.n), 20, '24 photos, 4 of them repeats of one: 20 distinct contents');
    } finally {
      await Promise.all(databases.map((d) => d.close()));
      await store.cleanup();
    }
  });
});
