import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { type Database, openDatabase, sql } from '../../../src/db/open.js';
import { fromHex, toHex } from '../../../src/evidence/log/bytes.js';
import { contextTag, integer, nullValue, octetString, oid, sequence, TAG, tlv } from '../../../src/evidence/log/der.js';
import { evidenceLeafHash } from '../../../src/evidence/log/leaf.js';
import { generateLogKey } from '../../../src/evidence/log/log-key.js';
import { appendLeaf, EvidenceLog, type StoredTreeHead } from '../../../src/evidence/log/log-store.js';
import { verifyConsistency, verifyInclusion } from '../../../src/evidence/log/merkle.js';
import { sha256 } from '../../../src/evidence/log/node-sha256.js';
import { readTimestampToken } from '../../../src/evidence/log/timestamp.js';
import { encodeTreeHead, verifyTreeHead } from '../../../src/evidence/log/tree-head.js';
import { databaseVariants } from '../../support/db.js';

/** A structurally valid, unsigned TimeStampToken for `hash` (the stand-in TSA's answer). */
function fakeToken(hash: Uint8Array): Uint8Array {
  const imprint = sequence(sequence(oid('2.16.840.1.101.3.4.2.1'), nullValue()), octetString(hash));
  const genTime = tlv(TAG.GENERALIZED_TIME, new TextEncoder().encode('20250102030405Z'));
  const tstInfo = sequence(integer(1), oid('1.2.3.4.1'), imprint, integer(7), genTime);
  const encap = sequence(oid('1.2.840.113549.1.9.16.1.4'), tlv(contextTag(0), octetString(tstInfo)));
  const signedData = sequence(integer(3), tlv(TAG.SET, new Uint8Array()), encap, tlv(TAG.SET, new Uint8Array()));
  return sequence(oid('1.2.840.113549.1.7.2'), tlv(contextTag(0), signedData));
}

/** Polls an async condition; fails after 15 s. No timing is asserted. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const capture = (i: number) => ({ captureId: i, sha256: toHex(sha256(Buffer.from(`synthetic media ${i}`))) });

/** Checks a stored head and every entry's inclusion in it with the pure verifiers only. */
async function verifyEverything(log: EvidenceLog, head: StoredTreeHead): Promise<void> {
  assert.ok(verifyTreeHead(head, log.publicKey().raw), 'head signature');
  for (let seq = 0; seq < head.treeSize; seq++) {
    const leaf = (await log.leaf(seq))!;
    const leafHash = evidenceLeafHash(sha256, leaf.kind, leaf.payload);
    const p = await log.inclusionProof(seq, head.treeSize);
    const proof = p.proof.map((h) => fromHex(h));
    assert.ok(verifyInclusion(sha256, leafHash, seq, head.treeSize, proof, fromHex(head.rootHash)), `entry ${seq}`);
  }
}

for (const variant of databaseVariants()) {
  describe(`evidence log store (${variant.name})`, { skip: variant.skip }, () => {
    after(() => variant.dispose());

    test('appends gapless entries, signs heads, proves inclusion and consistency', async () => {
      await variant.run(async ({ db }) => {
        let clock = Date.UTC(2025, 0, 1);
        const log = new EvidenceLog(db, { key: generateLogKey(), now: () => (clock += 1000) });
        assert.equal(await log.size(), 0);
        for (let i = 0; i < 5; i++) {
          const appended = await log.append('capture.record', capture(i));
          assert.equal(appended.seq, i);
          assert.equal(appended.leafHash, toHex(evidenceLeafHash(sha256, 'capture.record', capture(i))));
        }
        const first = await log.signTreeHead();
        assert.equal(first.treeSize, 5);
        assert.equal(first.timestamp, Date.UTC(2025, 0, 1) + 1000);
        assert.equal(first.timestampToken, null);
        assert.deepEqual(await log.signTreeHead(), first, 'nothing new: the same head');

        await log.append('custody.transfer', { captureId: 3, from: 'analyst:1', to: 'case_manager:2' });
        await log.append('capture.record', capture(5));
        const second = await log.signTreeHead();
        assert.equal(second.treeSize, 7);
        assert.deepEqual(await log.treeHeadAt(5), first);
        assert.deepEqual(await log.latestTreeHead(), second);
        await verifyEverything(log, second);
        await verifyEverything(log, first);

        const consistency = await log.consistencyProof(5, 7);
        const proof = consistency.proof.map((h) => fromHex(h));
        const roots = [fromHex(first.rootHash), fromHex(second.rootHash)] as const;
        assert.ok(verifyConsistency(sha256, 5, 7, roots[0], roots[1], proof));
        assert.ok(!verifyConsistency(sha256, 5, 7, roots[1], roots[0], proof));

        const leaf = (await log.leaf(5))!;
        assert.equal(leaf.kind, 'custody.transfer');
        assert.deepEqual(leaf.payload, { captureId: 3, from: 'analyst:1', to: 'case_manager:2' });
        assert.equal(await log.leaf(99), null);
        await assert.rejects(log.inclusionProof(0, 8), RangeError);
        await assert.rejects(log.consistencyProof(6, 5), RangeError);
      });
    });

    test('an entry joins the caller’s transaction: a rollback leaves no gap', async () => {
      await variant.run(async ({ db }) => {
        await appendLeaf(db, 'capture.record', capture(0));
        await assert.rejects(
          db.transaction().execute(async (trx) => {
            const { seq } = await appendLeaf(trx, 'capture.record', capture(1));
            assert.equal(seq, 1);
            throw new Error('vault write failed');
          }),
          /vault write failed/,
        );
        assert.equal((await appendLeaf(db, 'capture.record', capture(2))).seq, 1);
      });
    });

    test('bad payloads are refused before anything is written', async () => {
      await variant.run(async ({ db }) => {
        await assert.rejects(appendLeaf(db, 'Capture', {}), /must be like "capture.record"/);
        await assert.rejects(appendLeaf(db, 'capture.record', { at: new Date() }), /a Date is not plain JSON/);
        await assert.rejects(appendLeaf(db, 'capture.record', { note: 'a\u0000b' }), /cannot hold NUL/);
        await assert.rejects(appendLeaf(db, 'capture.record', [] as unknown as Record<string, unknown>), /JSON object/);
        await assert.rejects(appendLeaf(db, 'capture.record', { blob: 'x'.repeat(70_000) }), /over 65536/);
        // A backslash before "u0000" is just text.
        assert.equal((await appendLeaf(db, 'capture.record', { note: '\\u0000' })).seq, 0);
      });
    });

    test('the database refuses changes, and an altered entry is reported, never signed', async () => {
      await variant.run(async ({ db }) => {
        const log = new EvidenceLog(db, { key: generateLogKey() });
        await log.append('capture.record', capture(0));
        await log.append('capture.record', capture(1));
        const head = await log.signTreeHead();
        await assert.rejects(sql`update evidence_log_leaves set kind = 'x'`.execute(db), /append-only/);
        await assert.rejects(sql`delete from evidence_log_leaves`.execute(db), /append-only/);
        await assert.rejects(sql`update evidence_tree_heads set tree_size = 9`.execute(db), /append-only/);
        await assert.rejects(sql`delete from evidence_tree_heads`.execute(db), /append-only/);

        // Someone with the power to lift the guard rewrites entry 1 ...
        await db.transaction().execute(async (trx) => {
          await sql`alter table evidence_log_leaves disable trigger evidence_log_leaves_append_only`.execute(trx);
          await sql`update evidence_log_leaves set payload = '{"captureId":1,"sha256":"00"}' where seq = 1`.execute(
            trx,
          );
          await sql`alter table evidence_log_leaves enable trigger evidence_log_leaves_append_only`.execute(trx);
        });
        await log.append('capture.record', capture(2));
        // ... a fresh process re-derives the leaf hashes and refuses.
        const fresh = new EvidenceLog(db, { key: generateLogKey() });
        await assert.rejects(fresh.signTreeHead(), /entry 1 does not match its leaf hash/);
        assert.deepEqual(await fresh.latestTreeHead(), head);

        // Rewriting the leaf hash too is caught by the signed head.
        await db.transaction().execute(async (trx) => {
          await sql`alter table evidence_log_leaves disable trigger evidence_log_leaves_append_only`.execute(trx);
          const forged = evidenceLeafHash(sha256, 'capture.record', { captureId: 1, sha256: '00' });
          await sql`update evidence_log_leaves set leaf_hash = ${Buffer.from(forged)} where seq = 1`.execute(trx);
          await sql`alter table evidence_log_leaves enable trigger evidence_log_leaves_append_only`.execute(trx);
        });
        const another = new EvidenceLog(db, { key: generateLogKey() });
        await assert.rejects(another.signTreeHead(), /no longer match the tree head signed for them/);
      });
    });

    test('heads are timestamped once; a failing or wrong TSA leaves the head and reports', async () => {
      await variant.run(async ({ db }) => {
        const errors: Error[] = [];
        let mode: 'ok' | 'down' | 'wrong' = 'down';
        const log = new EvidenceLog(db, {
          key: generateLogKey(),
          onError: (err) => errors.push(err),
          timestamper: async (bytes) => {
            if (mode === 'down') throw new Error('TSA unreachable');
            return fakeToken(sha256(mode === 'ok' ? bytes : Buffer.from('something else')));
          },
        });
        await log.append('capture.record', capture(0));
        const untimed = await log.signTreeHead();
        assert.equal(untimed.timestampToken, null);
        assert.match(errors[0]?.message ?? '', /tree head 1 not timestamped: TSA unreachable/);
        mode = 'wrong';
        await assert.rejects(log.timestampTreeHead(1), /the token is for hash/);
        mode = 'ok';
        const timed = await log.timestampTreeHead(1);
        assert.ok(timed.timestampToken);
        const info = readTimestampToken(Buffer.from(timed.timestampToken, 'base64'));
        assert.deepEqual(info.hash, sha256(encodeTreeHead(untimed)));
        assert.deepEqual(await log.timestampTreeHead(1), timed, 'kept, not replaced');
        await assert.rejects(sql`update evidence_tree_heads set timestamp_token = '\\x00'`.execute(db), /append-only/);
      });
    });

    test('the periodic signer signs when the log grows, and stops', async () => {
      await variant.run(async ({ db }) => {
        const errors: Error[] = [];
        const log = new EvidenceLog(db, { key: generateLogKey(), onError: (e) => errors.push(e) });
        const signer = log.startTreeHeadSigner({ intervalMs: 20 });
        try {
          await log.append('capture.record', capture(0));
          await log.append('capture.record', capture(1));
          await until(async () => (await log.latestTreeHead())?.treeSize === 2, 'a head over both entries');
        } finally {
          await signer.stop();
        }
        await log.append('capture.record', capture(2));
        const heads = await db.selectFrom('evidence_tree_heads').select('tree_size').execute();
        assert.ok(
          heads.every((h) => h.tree_size <= 2),
          'nothing signed after stop',
        );
        assert.deepEqual(errors, []);
      });
    });

    test('concurrent appenders on two handles get a gapless sequence and one valid tree', async () => {
      // PGlite is one process's embedded database, so there both "handles" are the one
      // database; PostgreSQL gets two independent pools on the same schema.
      const withHandles = async (fn: (handles: Database[]) => Promise<void>) => {
        if (variant.name === 'pglite') return variant.run((database) => fn([database, database]));
        const store = await variant.newStore();
        const handles: Database[] = [];
        try {
          handles.push(await openDatabase(store.options), await openDatabase(store.options));
          await fn(handles);
        } finally {
          for (const handle of handles) await handle.close();
          await store.cleanup();
        }
      };
      await withHandles(async (handles) => {
        const perHandle = 25;
        const appended = await Promise.all(
          handles.flatMap((handle, h) =>
            Array.from({ length: perHandle }, (_, i) => appendLeaf(handle.db, 'capture.record', capture(h * 100 + i))),
          ),
        );
        const seqs = appended.map((a) => a.seq).sort((a, b) => a - b);
        assert.deepEqual(
          seqs,
          Array.from({ length: 2 * perHandle }, (_, i) => i),
        );
        // Processes sharing a log share its key (the same key file).
        const key = generateLogKey();
        const logs = handles.map((handle) => new EvidenceLog(handle.db, { key }));
        // Two signers at once agree on one head.
        const [head, same] = await Promise.all(logs.map((log) => log.signTreeHead()));
        assert.deepEqual(same, head);
        assert.equal(head!.treeSize, 2 * perHandle);
        if (!head) return;
        assert.equal((await logs[1]!.inclusionProof(0, head.treeSize)).rootHash, head.rootHash);
        await verifyEverything(logs[1]!, head);
      });
    });
  });
}
