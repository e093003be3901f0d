import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  addContent,
  ChangeFollower,
  createBank,
  latestChangeSeq,
  type SignalChange,
  withdrawContent,
} from '../../src/banks/index.js';
import { databaseVariants, eventually } from '../support/db.js';

const MD5 = 'a'.repeat(32);

/**
 * Tracks live timers created with one distinctive delay, so the follower's own timers
 * can be told apart from the pg pool's idle timers.
 */
function trackTimers(delay: number): { live(): number; restore(): void } {
  const live = new Set<unknown>();
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const handle = realSet(() => {
      live.delete(handle);
      fn(...args);
    }, ms);
    if (ms === delay) live.add(handle);
    return handle;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((handle?: NodeJS.Timeout) => {
    live.delete(handle);
    realClear(handle);
  }) as typeof clearTimeout;
  return {
    live: () => live.size,
    restore() {
      globalThis.setTimeout = realSet;
      globalThis.clearTimeout = realClear;
    },
  };
}

for (const variant of databaseVariants()) {
  describe(`change follower (${variant.name})`, { skip: variant.skip }, () => {
    after(() => variant.dispose());

    for (const listen of [true, false]) {
      test(`delivers adds and removes in order (${listen ? 'listen + poll' : 'poll only'})`, async () => {
        await variant.run(async (database) => {
          const { db } = database;
          await createBank(db, { name: 'FOLLOWED', category: 'ncii' });
          // With LISTEN the wake-up must come from NOTIFY, so the poll is an hour away.
          const pollIntervalMs = listen ? 3_600_007 : 57;
          const timers = trackTimers(pollIntervalMs);
          const received: SignalChange[] = [];
          const errors: unknown[] = [];
          const follower = new ChangeFollower(database, {
            afterSeq: await latestChangeSeq(db),
            pollIntervalMs,
            listen,
            onChanges: (batch) => {
              received.push(...batch);
            },
            onError: (err) => errors.push(err),
          });
          await follower.start();
          try {
            const item = await addContent(db, 'FOLLOWED', { source: 'victim', signals: [{ type: 'md5', hash: MD5 }] });
            await eventually(() => received.length >= 1, 20_000, 'the add');
            assert.equal(received[0]!.op, 'add');
            assert.equal(received[0]!.signalId, item.signals[0]!.id);
            assert.equal(received[0]!.signal?.hash.toString('hex'), MD5);

            await withdrawContent(db, item.id);
            await eventually(() => received.length >= 2, 20_000, 'the remove');
            assert.deepEqual(
              received.map((c) => c.op),
              ['add', 'remove'],
            );
            assert.equal(follower.position, received[1]!.seq);
            assert.deepEqual(errors, []);
          } finally {
            await follower.stop();
            timers.restore();
          }
          assert.equal(timers.live(), 0, 'stop() leaves no timers behind');
        });
      });
    }

    test('concurrent writers do not interleave in the feed, and a follower sees every change', async () => {
      await variant.run(async (database) => {
        const { db } = database;
        await createBank(db, { name: 'BUSY', category: 'ncii' });
        const received: SignalChange[] = [];
        const follower = new ChangeFollower(database, {
          afterSeq: 0,
          pollIntervalMs: 25,
          onChanges: (batch) => {
            received.push(...batch);
          },
        });
        await follower.start();
        try {
          const writes = Array.from({ length: 12 }, (_, i) =>
            addContent(db, 'BUSY', {
              source: 'import',
              signals: [0, 1, 2].map((j) => ({
                type: 'md5' as const,
                hash: (i * 3 + j).toString(16).padStart(32, '0'),
              })),
            }),
          );
          const items = await Promise.all(writes);
          await eventually(() => received.length >= 36, 20_000, 'all 36 adds');
          assert.equal(received.length, 36);
          // The feed lock makes each transaction's rows one unbroken run of seq numbers.
          for (const item of items) {
            const seqs = received.filter((c) => c.contentId === item.id).map((c) => c.seq);
            assert.equal(seqs.length, 3);
            assert.equal(seqs[2]! - seqs[0]!, 2, `content ${item.id}: ${seqs.join(',')}`);
          }
        } finally {
          await follower.stop();
        }
      });
    });

    test('a failing callback gets the same batch again', async () => {
      await variant.run(async (database) => {
        const { db } = database;
        await createBank(db, { name: 'RETRY', category: 'ncii' });
        await addContent(db, 'RETRY', { source: 'victim', signals: [{ type: 'md5', hash: MD5 }] });
        const seen: number[] = [];
        const errors: unknown[] = [];
        let failures = 1;
        const follower = new ChangeFollower(database, {
          afterSeq: 0,
          pollIntervalMs: 20,
          listen: false,
          onChanges: (batch) => {
            seen.push(...batch.map((c) => c.seq));
            if (failures-- > 0) throw new Error('index busy');
          },
          onError: (err) => errors.push(err),
        });
        await follower.start();
        try {
          await eventually(() => seen.length >= 2, 20_000, 'the retry');
          assert.equal(seen[0], seen[1]);
          assert.match(String(errors[0]), /index busy/);
        } finally {
          await follower.stop();
        }
      });
    });

    test('large backlogs arrive in batches of the configured size', async () => {
      await variant.run(async (database) => {
        const { db } = database;
        await createBank(db, { name: 'BULK', category: 'ncii' });
        const signals = Array.from({ length: 7 }, (_, i) => ({
          type: 'md5' as const,
          hash: i.toString(16).repeat(32),
        }));
        await addContent(db, 'BULK', { source: 'import', signals });
        const sizes: number[] = [];
        const follower = new ChangeFollower(database, {
          afterSeq: 0,
          batchSize: 3,
          listen: false,
          onChanges: (batch) => {
            sizes.push(batch.length);
          },
        });
        await follower.start(); // the first round drains the backlog
        await follower.stop();
        assert.deepEqual(sizes, [3, 3, 1]);
        assert.equal(follower.position, await latestChangeSeq(db));
      });
    });
  });
}
