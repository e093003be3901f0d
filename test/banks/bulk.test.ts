/** Bulk import: the same result as item-by-item import, on both databases. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createBank, updateBank } from '../../src/banks/banks.js';
import { importContentBulk } from '../../src/banks/bulk.js';
import { readChanges } from '../../src/banks/changes.js';
import { getContent, type NewContentInput } from '../../src/banks/content.js';
import { isBankError } from '../../src/banks/errors.js';
import { iterateSignalsForIndex } from '../../src/banks/signal-index.js';
import { databaseVariants } from '../support/db.js';

function items(n: number): NewContentInput[] {
  return Array.from({ length: n }, (_, i) => ({
    source: 'import',
    ...(i % 3 === 0 ? { note: `row ${i}`, caseRef: `PS-${i}` } : {}),
    metadata: { row: i },
    signals: [
      { type: 'pdq', hash: i.toString(16).padStart(64, 'a'), quality: i % 101 },
      ...(i % 2 === 0 ? [{ type: 'md5' as const, hash: i.toString(16).padStart(32, '0') }] : []),
    ],
  }));
}

for (const variant of databaseVariants()) {
  describe(`bulk import on ${variant.name}`, { skip: variant.skip }, () => {
    after(() => variant.dispose());

    test('stores every item and signal, in order, with feed rows', () =>
      variant.run(async (database) => {
        const { db } = database;
        await createBank(db, { name: 'BULK', category: 'ncii' });
        const ids = await importContentBulk(db, 'BULK', items(2500));
        assert.equal(ids.length, 2500);
        assert.deepEqual(ids.slice(0, 3), [1, 2, 3]);
        const third = await getContent(db, ids[3]!);
        assert.equal(third?.note, 'row 3');
        assert.equal(third?.caseRef, 'PS-3');
        assert.deepEqual(third?.metadata, { row: 3 });
        assert.deepEqual(
          third?.signals.map((s) => [s.type, s.hash, s.quality]),
          [['pdq', (3).toString(16).padStart(64, 'a'), 3]],
        );
        let loaded = 0;
        for await (const page of iterateSignalsForIndex(db)) loaded += page.length;
        assert.equal(loaded, 2500 + 1250);
        const feed = await readChanges(db, 0, 10_000);
        assert.equal(feed.length, 3750);
        assert.ok(feed.every((c) => c.op === 'add'));
      }));

    test('a bad item rejects the whole batch; a disabled bank writes no feed rows', () =>
      variant.run(async (database) => {
        const { db } = database;
        await createBank(db, { name: 'BULK', category: 'ncii' });
        const batch = items(10);
        batch[7] = { source: 'import', signals: [{ type: 'pdq', hash: 'xyz' }] };
        await assert.rejects(
          importContentBulk(db, 'BULK', batch),
          (e) => isBankError(e, 'validation') && /item 7/.test(String(e)),
        );
        assert.equal(await getContent(db, 1), null);
        await updateBank(db, 'BULK', { enabled: false });
        await importContentBulk(db, 'BULK', items(5));
        assert.equal((await readChanges(db, 0)).filter((c) => c.op === 'add').length, 0);
      }));
  });
}
