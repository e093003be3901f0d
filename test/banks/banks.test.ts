import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  addContent,
  createBank,
  deleteBank,
  getBank,
  getContent,
  isBankError,
  latestChangeSeq,
  listBanks,
  readChanges,
  updateBank,
} from '../../src/banks/index.js';
import { databaseVariants } from '../support/db.js';

const PDQ_A = 'f'.repeat(64);
const PDQ_B = `${'0'.repeat(63)}1`;

for (const variant of databaseVariants()) {
  describe(`banks (${variant.name})`, { skip: variant.skip }, () => {
    after(() => variant.dispose());

    test('create, get, list, update and delete a bank', async () => {
      await variant.run(async ({ db }) => {
        const created = await createBank(db, { name: 'NCII_VICTIM_HASHES', category: 'ncii' });
        assert.equal(created.name, 'NCII_VICTIM_HASHES');
        assert.equal(created.kind, 'block');
        assert.equal(created.pdqThreshold, 31);
        assert.equal(created.minQuality, 50);
        assert.equal(created.enabled, true);
        assert.equal(created.orgId, null);
        assert.ok(created.createdAt instanceof Date);

        await createBank(db, { name: 'allow.list-1', category: 'other', kind: 'allow', pdqThreshold: 10 });
        assert.deepEqual(
          (await listBanks(db)).map((b) => b.name),
          ['NCII_VICTIM_HASHES', 'allow.list-1'],
        );
        assert.deepEqual(await getBank(db, 'NCII_VICTIM_HASHES'), created);
        assert.equal(await getBank(db, 'NO_SUCH_BANK'), null);

        const updated = await updateBank(db, 'NCII_VICTIM_HASHES', {
          pdqThreshold: 20,
          minQuality: 70,
          category: 'deepfake',
        });
        assert.equal(updated.pdqThreshold, 20);
        assert.equal(updated.minQuality, 70);
        assert.equal(updated.category, 'deepfake');
        assert.ok(updated.updatedAt >= created.updatedAt);

        assert.equal(await deleteBank(db, 'allow.list-1'), true);
        assert.equal(await deleteBank(db, 'allow.list-1'), false);
        assert.deepEqual(
          (await listBanks(db)).map((b) => b.name),
          ['NCII_VICTIM_HASHES'],
        );
      });
    });

    test('bank input is validated', async () => {
      await variant.run(async ({ db }) => {
        const bad = [
          { name: 'has space', category: 'ncii' },
          { name: '-leading-dash', category: 'ncii' },
          { name: 'x'.repeat(101), category: 'ncii' },
          { name: '', category: 'ncii' },
          { name: 'OK', category: 'porn' },
          { name: 'OK', category: 'ncii', pdqThreshold: 32 },
          { name: 'OK', category: 'ncii', pdqThreshold: -1 },
          { name: 'OK', category: 'ncii', minQuality: 101 },
          { name: 'OK', category: 'ncii', kind: 'maybe' },
          { name: 'OK', category: 'ncii', unknownField: 1 },
        ];
        for (const input of bad) {
          await assert.rejects(
            createBank(db, input as never),
            (err) => isBankError(err, 'validation'),
            JSON.stringify(input),
          );
        }
        await createBank(db, { name: 'x'.repeat(100), category: 'ncii' });
        await createBank(db, { name: 'CSAM_1', category: 'csam' });
        await assert.rejects(createBank(db, { name: 'CSAM_1', category: 'csam' }), (err) =>
          isBankError(err, 'conflict'),
        );
        await assert.rejects(updateBank(db, 'CSAM_1', { pdqThreshold: 99 }), (err) => isBankError(err, 'validation'));
        await assert.rejects(updateBank(db, 'MISSING', { enabled: false }), (err) => isBankError(err, 'not-found'));
      });
    });

    test('disabling a bank removes its signals from the feed; enabling adds them back', async () => {
      await variant.run(async ({ db }) => {
        await createBank(db, { name: 'BANK', category: 'ncii' });
        const item = await addContent(db, 'BANK', {
          source: 'victim',
          signals: [
            { type: 'pdq', hash: PDQ_A, quality: 90 },
            { type: 'pdq', hash: PDQ_B, quality: 80 },
          ],
        });
        const seq = await latestChangeSeq(db);
        await updateBank(db, 'BANK', { enabled: false });
        let changes = await readChanges(db, seq);
        assert.deepEqual(
          changes.map((c) => [c.op, c.signalId]),
          item.signals.map((s) => ['remove', s.id]),
        );
        // Content added while the bank is off is not announced.
        const quiet = await addContent(db, 'BANK', {
          source: 'analyst',
          signals: [{ type: 'md5', hash: 'a'.repeat(32) }],
        });
        assert.equal((await readChanges(db, changes.at(-1)!.seq)).length, 0);

        await updateBank(db, 'BANK', { enabled: true });
        changes = await readChanges(db, changes.at(-1)!.seq);
        assert.deepEqual(changes.map((c) => c.op).sort(), ['add', 'add', 'add']);
        assert.ok(changes.some((c) => c.contentId === quiet.id));

        // An update that does not flip `enabled` writes no change rows.
        const before = await latestChangeSeq(db);
        await updateBank(db, 'BANK', { enabled: true, pdqThreshold: 5 });
        assert.equal(await latestChangeSeq(db), before);
      });
    });

    test('deleting a bank deletes its content and announces removals', async () => {
      await variant.run(async ({ db }) => {
        await createBank(db, { name: 'DOOMED', category: 'doxx' });
        const item = await addContent(db, 'DOOMED', {
          source: 'import',
          signals: [{ type: 'sha256', hash: 'b'.repeat(64) }],
        });
        const seq = await latestChangeSeq(db);
        assert.equal(await deleteBank(db, 'DOOMED'), true);
        const changes = await readChanges(db, seq);
        assert.equal(changes.length, 1);
        assert.equal(changes[0]!.op, 'remove');
        assert.equal(changes[0]!.signalId, item.signals[0]!.id);
        assert.equal(changes[0]!.signal, null, 'the signal row is gone');
        assert.equal(await getContent(db, item.id), null);
      });
    });

    test('a bank can belong to an organisation', async () => {
      await variant.run(async ({ db }) => {
        const org = await db
          .insertInto('organisations')
          .values({ name: 'Fictional Support Org' })
          .returning('id')
          .executeTakeFirstOrThrow();
        const bank = await createBank(db, { name: 'ORG_BANK', category: 'ncii', orgId: org.id });
        assert.equal(bank.orgId, org.id);
        await assert.rejects(createBank(db, { name: 'ORPHAN', category: 'ncii', orgId: org.id + 1000 }));
      });
    });
  });
}
