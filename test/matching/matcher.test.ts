/** The matching service against real databases: bank rules, freshness, followers, floods. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createBank, updateBank } from '../../src/banks/banks.js';
import { addContent, withdrawContent } from '../../src/banks/content.js';
import { FloodDetector } from '../../src/matching/flood.js';
import { LiveIndex } from '../../src/matching/live-index.js';
import { Matcher } from '../../src/matching/matcher.js';
import { databaseVariants, eventually } from '../support/db.js';

/** A hash at a given Hamming distance from `hex` (flips the lowest bits). */
function flip(hex: string, bits: number): string {
  const b = Buffer.from(hex, 'hex');
  for (let i = 0; i < bits; i++) b[31 - Math.floor(i / 8)]! ^= 1 << (i % 8);
  return b.toString('hex');
}

const VICTIM = 'a3b1c2d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00';
const MEME = '0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f';
const MD5 = '0123456789abcdef0123456789abcdef';

for (const variant of databaseVariants()) {
  describe(`matcher on ${variant.name}`, { skip: variant.skip }, () => {
    after(() => variant.dispose());

    test('thresholds, quality floors, digests, allow-bank suppression', () =>
      variant.run(async (database) => {
        const db = database.db;
        await createBank(db, { name: 'NCII_VICTIMS', category: 'ncii', pdqThreshold: 31, minQuality: 50 });
        await createBank(db, { name: 'STRICT', category: 'deepfake', pdqThreshold: 10, minQuality: 0 });
        await createBank(db, { name: 'BENIGN', category: 'other', kind: 'allow', pdqThreshold: 16 });
        const victim = await addContent(db, 'NCII_VICTIMS', {
          source: 'victim',
          caseRef: 'PS-0001',
          metadata: { submitted_via: 'test' },
          signals: [
            { type: 'pdq', hash: VICTIM, quality: 90 },
            { type: 'md5', hash: MD5 },
          ],
        });
        await addContent(db, 'STRICT', { source: 'analyst', signals: [{ type: 'pdq', hash: VICTIM, quality: 90 }] });
        await addContent(db, 'NCII_VICTIMS', {
          source: 'analyst',
          signals: [{ type: 'pdq', hash: flip(VICTIM, 40), quality: 30 }],
        });
        const index = new LiveIndex({ pollIntervalMs: 100 });
        await index.start(database);
        try {
          const matcher = new Matcher(database, index, new FloodDetector());
          let r = await matcher.lookup({ pdq: flip(VICTIM, 20), quality: 80 });
          assert.deepEqual(
            r.matches.map((m) => [m.bank, m.distance]),
            [['NCII_VICTIMS', 20]],
            '20 bits: only the 31-bit bank',
          );
          assert.equal(r.matches[0]!.contentId, victim.id);
          assert.equal(r.matches[0]!.caseRef, 'PS-0001');
          assert.deepEqual(r.matches[0]!.metadata, { submitted_via: 'test' });
          assert.equal(r.indexComplete, true);

          r = await matcher.lookup({ pdq: flip(VICTIM, 5) });
          assert.deepEqual(r.matches.map((m) => m.bank).sort(), ['NCII_VICTIMS', 'STRICT']);

          r = await matcher.lookup({ pdq: flip(VICTIM, 5), quality: 40 });
          assert.deepEqual(
            r.matches.map((m) => m.bank),
            ['STRICT'],
            'query under the 50 floor of NCII_VICTIMS',
          );

          r = await matcher.lookup({ pdq: flip(VICTIM, 40) });
          assert.equal(
            r.matches.length,
            0,
            'stored signal at quality 30 is under the floor; 40 bits is out of range anyway',
          );

          r = await matcher.lookup({ md5: MD5.toUpperCase() });
          assert.deepEqual(
            r.matches.map((m) => [m.bank, m.signalType, m.distance]),
            [['NCII_VICTIMS', 'md5', 0]],
          );

          await addContent(db, 'BENIGN', {
            source: 'analyst',
            note: 'known meme',
            signals: [{ type: 'pdq', hash: VICTIM }],
          });
          await index.refresh();
          r = await matcher.lookup({ pdq: VICTIM });
          assert.equal(r.allowed, true);
          const block = r.matches.filter((m) => m.bankKind === 'block');
          assert.ok(block.length === 2 && block.every((m) => m.suppressed), 'allow-bank hit suppresses block matches');

          await updateBank(db, 'STRICT', { enabled: false });
          await matcher.refreshBanks();
          r = await matcher.lookup({ pdq: flip(VICTIM, 5) });
          assert.ok(!r.matches.some((m) => m.bank === 'STRICT'), 'disabled bank does not match');
        } finally {
          await index.stop();
        }
      }));

    test('withdrawal is unmatchable at once here, and other processes follow the feed', () =>
      variant.run(async (database) => {
        const db = database.db;
        await createBank(db, { name: 'NCII', category: 'ncii' });
        const item = await addContent(db, 'NCII', {
          source: 'victim',
          signals: [{ type: 'pdq', hash: VICTIM, quality: 100 }],
        });
        const here = new LiveIndex({ pollIntervalMs: 100 });
        const other = new LiveIndex({ pollIntervalMs: 100 });
        await here.start(database);
        await other.start(database);
        try {
          const mHere = new Matcher(database, here, new FloodDetector());
          const mOther = new Matcher(database, other, new FloodDetector());
          assert.equal((await mOther.lookup({ pdq: VICTIM })).matches.length, 1);
          await withdrawContent(db, item.id);
          await here.refresh();
          assert.equal(
            (await mHere.lookup({ pdq: VICTIM })).matches.length,
            0,
            'same process: gone before the call returns',
          );
          await eventually(
            () => !other.pdq.has(item.signals[0]!.id),
            10_000,
            'the other index to drop the withdrawn signal',
          );
          assert.equal((await mOther.lookup({ pdq: VICTIM })).matches.length, 0);
          const added = await addContent(db, 'NCII', {
            source: 'analyst',
            signals: [{ type: 'sha256', hash: 'ab'.repeat(32) }],
          });
          await eventually(() => other.sha256.get('ab'.repeat(32)).includes(added.signals[0]!.id), 10_000, 'the add');
        } finally {
          await here.stop();
          await other.stop();
        }
      }));

    test('a flooding signal is held; releasing it lets matches through', () =>
      variant.run(async (database) => {
        const db = database.db;
        await createBank(db, { name: 'NCII', category: 'ncii' });
        await addContent(db, 'NCII', { source: 'analyst', signals: [{ type: 'pdq', hash: MEME, quality: 100 }] });
        const index = new LiveIndex();
        await index.start(database);
        try {
          let now = 0;
          const flood = new FloodDetector({ windowMs: 1000, factor: 5, minMatches: 20 }, () => now);
          const matcher = new Matcher(database, index, flood);
          // A quiet history: 2 matches per window for 10 windows.
          for (let w = 0; w < 10; w++) {
            now = w * 1000;
            for (let i = 0; i < 2; i++) assert.equal((await matcher.lookup({ pdq: MEME })).matches[0]!.held, false);
          }
          now = 10_000;
          let held = false;
          for (let i = 0; i < 25; i++) held = (await matcher.lookup({ pdq: MEME })).matches[0]!.held;
          assert.equal(held, true, 'a burst far over the usual rate is held');
          assert.equal(flood.heldSignals().length, 1);
          flood.release(flood.heldSignals()[0]!.signalId);
          assert.equal((await matcher.lookup({ pdq: MEME })).matches[0]!.held, false);
        } finally {
          await index.stop();
        }
      }));
  });
}
