import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import {
  addContent,
  createBank,
  disableContent,
  enableContent,
  findSignalsByHash,
  getContent,
  getVpdqFrames,
  importContent,
  isBankError,
  iterateBankContent,
  latestChangeSeq,
  listSignalsForIndex,
  reactivateExpiredContent,
  readChanges,
  updateContent,
  vpdqDigest,
  withdrawContent,
} from '../../src/banks/index.js';
import { sql } from '../../src/db/open.js';
import type { Schema } from '../../src/db/schema.js';
import { databaseVariants } from '../support/db.js';

const PDQ = 'ABCDEF0123456789'.repeat(4);
const MD5 = '0123456789abcdef'.repeat(2);
const SHA = '89abcdef01234567'.repeat(4);

async function indexedSignalIds(db: Kysely<Schema>): Promise<number[]> {
  return (await listSignalsForIndex(db, { limit: 10_000 })).map((s) => s.signalId);
}

async function bankWithItem(db: Kysely<Schema>) {
  await createBank(db, { name: 'NCII', category: 'ncii' });
  return addContent(db, 'NCII', {
    source: 'victim',
    caseRef: 'CASE-0001',
    note: 'registered from the victim page',
    metadata: { channel: 'fictional-channel' },
    signals: [
      { type: 'pdq', hash: PDQ, quality: 87 },
      { type: 'md5', hash: MD5 },
      { type: 'sha256', hash: SHA },
    ],
  });
}

for (const variant of databaseVariants()) {
  describe(`bank content (${variant.name})`, { skip: variant.skip }, () => {
    after(() => variant.dispose());

    test('content holds several signals, stored as bytes and read back as lowercase hex', async () => {
      await variant.run(async ({ db }) => {
        const item = await bankWithItem(db);
        assert.equal(item.bankName, 'NCII');
        assert.equal(item.status, 'active');
        assert.equal(item.caseRef, 'CASE-0001');
        assert.deepEqual(item.metadata, { channel: 'fictional-channel' });
        assert.deepEqual(
          item.signals.map((s) => [s.type, s.hash, s.quality]),
          [
            ['pdq', PDQ.toLowerCase(), 87],
            ['md5', MD5, null],
            ['sha256', SHA, null],
          ],
        );
        const raw = await db.selectFrom('signals').select(['type', 'hash']).orderBy('id').execute();
        assert.deepEqual(
          raw.map((r) => r.hash.length),
          [32, 16, 32],
        );
        assert.deepEqual(await getContent(db, item.id), item);
        assert.equal(await getContent(db, item.id + 999), null);

        const changes = await readChanges(db, 0);
        assert.deepEqual(
          changes.map((c) => [c.op, c.signalId, c.contentId, c.signal?.type]),
          item.signals.map((s) => ['add', s.id, item.id, s.type]),
        );
        assert.deepEqual(changes[0]!.signal!.hash, Buffer.from(PDQ, 'hex'));

        const found = await findSignalsByHash(db, 'md5', MD5.toUpperCase());
        assert.deepEqual(
          found.map((s) => s.signalId),
          [item.signals[1]!.id],
        );
      });
    });

    test('bad hashes and bad content are refused before anything is written', async () => {
      await variant.run(async ({ db }) => {
        await createBank(db, { name: 'NCII', category: 'ncii' });
        const bad = [
          [{ type: 'pdq', hash: 'abc' }],
          [{ type: 'pdq', hash: 'g'.repeat(64) }],
          [{ type: 'pdq', hash: PDQ, quality: 101 }],
          [{ type: 'md5', hash: SHA }],
          [{ type: 'sha256', hash: MD5 }],
          [{ type: 'sha1', hash: MD5 }],
          [{ type: 'vpdq', frames: [] }],
          [],
        ];
        for (const signals of bad) {
          await assert.rejects(
            addContent(db, 'NCII', { source: 'victim', signals } as never),
            (err) => isBankError(err, 'validation'),
            JSON.stringify(signals),
          );
        }
        await assert.rejects(
          addContent(db, 'NCII', { source: 'tipster', signals: [{ type: 'md5', hash: MD5 }] } as never),
          (err) => isBankError(err, 'validation'),
        );
        await assert.rejects(
          addContent(db, 'NO_BANK', { source: 'victim', signals: [{ type: 'md5', hash: MD5 }] }),
          (err) => isBankError(err, 'not-found'),
        );
        await assert.rejects(findSignalsByHash(db, 'pdq', 'nothex'));
        // One bad item fails the whole import.
        await assert.rejects(
          importContent(db, 'NCII', [
            { source: 'import', signals: [{ type: 'md5', hash: MD5 }] },
            { source: 'import', signals: [{ type: 'md5', hash: 'zz' }] },
          ]),
          (err) => isBankError(err, 'validation') && /content item 1/.test(err.message),
        );
        const count = await db
          .selectFrom('bank_content')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirst();
        assert.equal(count?.n, 0);
      });
    });

    test('withdrawal removes signals from the index, announces it, and leaves a tombstone', async () => {
      await variant.run(async ({ db }) => {
        const item = await bankWithItem(db);
        const other = await addContent(db, 'NCII', {
          source: 'analyst',
          signals: [{ type: 'md5', hash: 'c'.repeat(32) }],
        });
        const seq = await latestChangeSeq(db);

        const withdrawn = await withdrawContent(db, item.id);
        assert.equal(withdrawn.status, 'withdrawn');
        const changes = await readChanges(db, seq);
        assert.deepEqual(
          changes.map((c) => [c.op, c.signalId]),
          item.signals.map((s) => ['remove', s.id]),
        );
        assert.deepEqual(await indexedSignalIds(db), [other.signals[0]!.id]);
        assert.deepEqual(await findSignalsByHash(db, 'md5', MD5), []);
        assert.equal((await findSignalsByHash(db, 'md5', MD5, { matchableOnly: false })).length, 1);

        // Withdrawing again changes nothing, not even the tombstone time.
        const again = await withdrawContent(db, item.id);
        assert.deepEqual(again.updatedAt, withdrawn.updatedAt);
        assert.equal(await latestChangeSeq(db), changes.at(-1)!.seq);

        await assert.rejects(enableContent(db, item.id), (err) => isBankError(err, 'conflict'));
        const noted = await updateContent(db, item.id, { note: 'victim asked to withdraw' });
        assert.equal(noted.note, 'victim asked to withdraw');
        assert.equal(noted.status, 'withdrawn');

        const exported = [];
        for await (const c of iterateBankContent(db, 'NCII', { limit: 1 })) exported.push(c);
        assert.deepEqual(
          exported.map((c) => [c.id, c.status]),
          [
            [item.id, 'withdrawn'],
            [other.id, 'active'],
          ],
        );
        assert.equal(exported[0]!.signals.length, 3, 'tombstones keep their hashes for export');
        const tombstones = [];
        for await (const c of iterateBankContent(db, 'NCII', { statuses: ['withdrawn'] })) tombstones.push(c.id);
        assert.deepEqual(tombstones, [item.id]);
      });
    });

    test('disable until a future time removes; a past time keeps matching; enable adds back', async () => {
      await variant.run(async ({ db }) => {
        const item = await bankWithItem(db);
        const ids = item.signals.map((s) => s.id);
        let seq = await latestChangeSeq(db);

        const future = new Date(Date.now() + 3_600_000);
        const disabled = await disableContent(db, item.id, future);
        assert.equal(disabled.status, 'disabled');
        assert.deepEqual(disabled.disabledUntil, future);
        assert.deepEqual(await indexedSignalIds(db), []);
        let changes = await readChanges(db, seq);
        assert.deepEqual(
          changes.map((c) => c.op),
          ['remove', 'remove', 'remove'],
        );
        seq = changes.at(-1)!.seq;

        const past = new Date(Date.now() - 3_600_000);
        await disableContent(db, item.id, past);
        assert.deepEqual(await indexedSignalIds(db), ids, 'an expired disable matches again');
        changes = await readChanges(db, seq);
        assert.deepEqual(
          changes.map((c) => c.op),
          ['add', 'add', 'add'],
        );
        seq = changes.at(-1)!.seq;

        // Already matchable: disabling with a past date writes nothing.
        await disableContent(db, item.id, new Date(Date.now() - 1000));
        assert.equal(await latestChangeSeq(db), seq);

        await disableContent(db, item.id); // open-ended
        assert.deepEqual(await indexedSignalIds(db), []);
        await enableContent(db, item.id);
        assert.deepEqual(await indexedSignalIds(db), ids);
        changes = await readChanges(db, seq);
        assert.deepEqual(
          changes.map((c) => c.op),
          ['remove', 'remove', 'remove', 'add', 'add', 'add'],
        );

        await assert.rejects(
          updateContent(db, item.id, { disabledUntil: future }),
          (err) => isBankError(err, 'validation'),
          'disabledUntil needs a disabled status',
        );
      });
    });

    test('the expiry sweep turns run-out disables active and announces them', async () => {
      await variant.run(async ({ db }) => {
        const item = await bankWithItem(db);
        await disableContent(db, item.id, new Date(Date.now() + 3_600_000));
        // Let the hour pass by moving the deadline back in the database itself.
        await sql`update bank_content set disabled_until = now() - interval '1 second'`.execute(db);
        const seq = await latestChangeSeq(db);
        assert.equal(await reactivateExpiredContent(db), 1);
        assert.equal(await reactivateExpiredContent(db), 0);
        const after = await getContent(db, item.id);
        assert.equal(after?.status, 'active');
        assert.equal(after?.disabledUntil, null);
        assert.deepEqual(
          (await readChanges(db, seq)).map((c) => c.op),
          ['add', 'add', 'add'],
        );
      });
    });

    test('vPDQ content keeps its frames and a digest over them', async () => {
      await variant.run(async ({ db }) => {
        await createBank(db, { name: 'VIDEO', category: 'deepfake' });
        const frames = [
          { frameNumber: 1, quality: 90, hash: 'e'.repeat(64), timestampS: 1.0 },
          { frameNumber: 0, quality: 100, hash: 'd'.repeat(64), timestampS: 0.0 },
        ];
        const item = await addContent(db, 'VIDEO', {
          source: 'analyst',
          signals: [{ type: 'vpdq', frames, quality: 95 }],
        });
        const signal = item.signals[0]!;
        const stored = await getVpdqFrames(db, signal.id);
        assert.deepEqual(
          stored.map((f) => [f.frameNumber, f.quality, f.hash.toString('hex'), f.timestampS]),
          [
            [0, 100, 'd'.repeat(64), 0],
            [1, 90, 'e'.repeat(64), 1],
          ],
        );
        const digest = vpdqDigest(
          stored.map((f) => ({ frame_number: f.frameNumber, quality: f.quality, hash: f.hash })),
        );
        assert.equal(signal.hash, digest.toString('hex'));
        assert.equal((await findSignalsByHash(db, 'vpdq', signal.hash)).length, 1);
        await assert.rejects(
          addContent(db, 'VIDEO', { source: 'analyst', signals: [{ type: 'vpdq', frames: [frames[0]!, frames[0]!] }] }),
          (err) => isBankError(err, 'validation'),
        );
      });
    });
  });
}
