import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  countMatchableSignals,
  createBank,
  importContent,
  iterateSignalsForIndex,
  listSignalsForIndex,
  type NewContentInput,
  updateBank,
  withdrawContent,
} from '../../src/banks/index.js';
import { databaseVariants } from '../support/db.js';

/** A distinct, fictional 256-bit PDQ hash per number. */
function pdq(n: number): string {
  return n.toString(16).padStart(8, '0').repeat(8);
}

function items(from: number, count: number): NewContentInput[] {
  return Array.from({ length: count }, (_, i) => ({
    source: 'import' as const,
    signals: [{ type: 'pdq' as const, hash: pdq(from + i), quality: 100 }],
  }));
}

for (const variant of databaseVariants()) {
  describe(`signal index loading (${variant.name})`, { skip: variant.skip }, () => {
    after(() => variant.dispose());

    test('keyset pages cover every matchable signal once, in id order, across page boundaries', async () => {
      await variant.run(async ({ db }) => {
        await createBank(db, { name: 'A', category: 'ncii' });
        await createBank(db, { name: 'B', category: 'deepfake' });
        await createBank(db, { name: 'OFF', category: 'other' });
        const a = await importContent(db, 'A', items(0, 25));
        const b = await importContent(db, 'B', [
          ...items(100, 10),
          { source: 'analyst', signals: [{ type: 'md5', hash: 'f'.repeat(32) }] },
        ]);
        await importContent(db, 'OFF', items(200, 5));
        await updateBank(db, 'OFF', { enabled: false });
        // Gaps in the middle of pages: withdrawn content is skipped, not counted.
        for (const item of [a[3]!, a[7]!, a[8]!, b[2]!]) await withdrawContent(db, item.id);

        const expected = [...a, ...b]
          .filter((c) => ![a[3], a[7], a[8], b[2]].includes(c))
          .flatMap((c) => c.signals.map((s) => s.id))
          .sort((x, y) => x - y);

        for (const pageSize of [1, 4, 7, expected.length, 1000]) {
          const seen: number[] = [];
          let pages = 0;
          for await (const page of iterateSignalsForIndex(db, { pageSize })) {
            assert.ok(page.length <= pageSize);
            pages++;
            seen.push(...page.map((s) => s.signalId));
          }
          assert.deepEqual(seen, expected, `page size ${pageSize}`);
          assert.ok(pages >= Math.ceil(expected.length / pageSize), `page size ${pageSize}`);
        }

        const first = await listSignalsForIndex(db, { limit: 3 });
        const next = await listSignalsForIndex(db, { afterSignalId: first.at(-1)!.signalId, limit: 3 });
        assert.deepEqual(
          [...first, ...next].map((s) => s.signalId),
          expected.slice(0, 6),
        );
        const row = first[0]!;
        assert.equal(row.bankId, a[0]!.bankId);
        assert.equal(row.contentId, a[0]!.id);
        assert.equal(row.type, 'pdq');
        assert.ok(Buffer.isBuffer(row.hash));
        assert.equal(row.hash.toString('hex'), pdq(0));
        assert.equal(row.quality, 100);

        const md5Only = await listSignalsForIndex(db, { limit: 100, types: ['md5'] });
        assert.deepEqual(
          md5Only.map((s) => s.signalId),
          [b[10]!.signals[0]!.id],
        );
        assert.deepEqual(await countMatchableSignals(db), { pdq: expected.length - 1, md5: 1, sha256: 0, vpdq: 0 });
      });
    });
  });
}
