import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import sodium from 'libsodium-wrappers';
import type { Database } from '../../../src/db/open.js';
import { evidenceLeafHash } from '../../../src/evidence/log/leaf.js';
import { sha256 } from '../../../src/evidence/log/node-sha256.js';
import { CaptureNotFoundError, CsamClearAccessError, InvalidCaptureError } from '../../../src/evidence/vault/errors.js';
import { masterKeyFromBytes } from '../../../src/evidence/vault/master-key.js';
import { captureDigest } from '../../../src/evidence/vault/record.js';
import { VERSION } from '../../../src/version.js';
import { databaseVariants } from '../../support/db.js';
import { ANALYST, AUDITOR, makeVault, STORE_KINDS, sampleInput, type VaultFixture } from './support.js';

/** Every stored byte of the vault: blob files or the blob table, and every row. */
async function storedBytes(fx: VaultFixture, database: Database): Promise<Buffer> {
  const parts: Buffer[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(join(dir, e.name));
      else parts.push(await readFile(join(dir, e.name)));
    }
  };
  await walk(fx.dir);
  for (const table of ['evidence_blobs', 'evidence_captures', 'evidence_custody', 'evidence_data_keys'] as const) {
    const rows = await database.db.selectFrom(table).selectAll().execute();
    for (const row of rows)
      for (const v of Object.values(row)) parts.push(Buffer.from(String(v)), Buffer.isBuffer(v) ? v : Buffer.alloc(0));
  }
  return Buffer.concat(parts);
}

describe('evidence vault', () => {
  const variants = databaseVariants();
  after(() => Promise.all(variants.map((v) => v.dispose())));

  for (const variant of variants) {
    for (const storeKind of STORE_KINDS) {
      const name = `${variant.name}, ${storeKind} blobs`;
      // The PostgreSQL blob store has its own contract test; here it runs where storage matters.
      const everyStore = { skip: variant.skip };
      const folderOnly = storeKind === 'folder';
      const withVault = (fn: (fx: VaultFixture, database: Database) => Promise<void>) => () =>
        variant.run(async (database) => {
          const fx = await makeVault(database, storeKind);
          try {
            await fn(fx, database);
          } finally {
            await fx.cleanup();
          }
        });

      test(
        `capture and open round trip, with a full capture record (${name})`,
        everyStore,
        withVault(async (fx, database) => {
          const input = sampleInput();
          const record = await fx.vault.capture(input);
          assert.equal(record.sha256, createHash('sha256').update(input.media!).digest('hex'));
          assert.equal(record.md5, createHash('md5').update(input.media!).digest('hex'));
          assert.equal(record.bytes, input.media!.length);
          assert.match(record.capturedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
          assert.equal(record.toolVersion, VERSION);
          assert.deepEqual(record.capturedBy, input.capturedBy);
          assert.deepEqual(record.source, input.source);
          assert.deepEqual(record.hashes, input.hashes);
          assert.deepEqual(await fx.vault.getRecord(record.id), record);

          const entries = await fx.log.entries();
          assert.equal(entries.length, 1);
          assert.equal(entries[0]!.seq, record.logSeq);
          assert.deepEqual(Object.keys(entries[0]!.payload).sort(), ['captureId', 'caseId', 'digest']);
          assert.equal(entries[0]!.leafHash, record.logLeafHash);
          assert.equal(entries[0]!.payload.digest, captureDigest(record));
          assert.equal(
            Buffer.from(evidenceLeafHash(sha256, 'evidence.capture', entries[0]!.payload)).toString('hex'),
            record.logLeafHash,
          );

          const opened = await fx.vault.open(record.id, ANALYST);
          assert.deepEqual(Buffer.from(opened.media!), Buffer.from(input.media!));
          assert.deepEqual(opened.evidence.channel, input.channel);
          assert.deepEqual(opened.evidence.rawRecord, {
            ...(input.rawRecord as object),
            big: { $bigint: String(2n ** 63n) },
          });
          assert.equal(opened.evidence.context.length, 2);
          assert.deepEqual((opened.evidence.context[1] as { text: string }).text, 'call her +44 7700 900123');

          const stored = await storedBytes(fx, database);
          assert.ok(!stored.includes(Buffer.from(input.media!).subarray(0, 40)), 'media is never stored in clear');
          assert.ok(!stored.includes(Buffer.from('+44 7700 900123')), 'context is never stored in clear');
        }),
      );

      if (folderOnly)
        test(
          `an item without media; the same media twice in a case is one blob (${name})`,
          everyStore,
          withVault(async (fx) => {
            const text = await fx.vault.capture(
              sampleInput({ media: null, hashes: {}, rawRecord: { id: 7, text: 'hi' } }),
            );
            assert.equal(text.sha256, null);
            const opened = await fx.vault.open(text.id, { ...ANALYST, action: 'decrypt' });
            assert.equal(opened.media, null);

            const media = randomBytes(4096);
            const a = await fx.vault.capture(sampleInput({ media }));
            const b = await fx.vault.capture(sampleInput({ media, capturedBy: { kind: 'rule', id: 'match-ncii' } }));
            const c = await fx.vault.capture(sampleInput({ media, caseId: 'PRS-2024-0002' }));
            assert.notEqual(a.id, b.id);
            assert.equal(a.sha256, c.sha256);
            const blobs: string[] = [];
            for await (const blob of fx.store.list()) blobs.push(blob.name);
            // The text item: its record blob. a and b: the same media and the same document
            // (raw record, context, channel), so they share both blobs. c: another case, another key: its own two.
            assert.equal(new Set(blobs).size, blobs.length);
            assert.equal(blobs.length, 1 + 2 + 2);
            for (const r of [a, b, c])
              assert.deepEqual(Buffer.from((await fx.vault.open(r.id, ANALYST)).media!), media);
          }),
        );

      if (folderOnly)
        test(
          `chain of custody records every access with actor and purpose (${name})`,
          everyStore,
          withVault(async (fx) => {
            const record = await fx.vault.capture(sampleInput());
            await fx.vault.open(record.id, ANALYST);
            await fx.vault.open(record.id, {
              actor: { kind: 'rule', id: 'ocr' },
              purpose: 'text extraction',
              action: 'decrypt',
            });
            const recipient = sodium.crypto_box_keypair();
            await fx.vault.exportSealed(record.id, {
              ...ANALYST,
              purpose: 'police request 2024-17',
              recipientPublicKey: recipient.publicKey,
            });
            const verified = await fx.vault.verifyItem(record.id, AUDITOR);
            assert.deepEqual(verified, { captureId: record.id, ok: true, problems: [] });

            const chain = await fx.vault.custodyChain(record.id);
            assert.deepEqual(
              chain.map((e) => [e.action, e.outcome, e.actor.kind, e.actor.id, e.purpose]),
              [
                ['capture', 'ok', 'user', 'analyst-3', 'capture'],
                ['view', 'ok', 'user', 'analyst-3', 'review of report 17'],
                ['decrypt', 'ok', 'rule', 'ocr', 'text extraction'],
                ['export', 'ok', 'user', 'analyst-3', 'police request 2024-17'],
                ['verify', 'ok', 'system', 'verifier', 'scheduled verification'],
              ],
            );
            assert.equal(chain[0]!.logSeq, record.logSeq);
            const seqs = chain.map((e) => e.logSeq);
            assert.deepEqual(
              seqs,
              [...seqs].sort((x, y) => x - y),
            );
            assert.equal(new Set(seqs.slice(1)).size, 4, 'each later access has its own log entry');
            const kinds = (await fx.log.entries()).map((e) => e.kind);
            assert.deepEqual(kinds, ['evidence.capture', ...Array(4).fill('evidence.custody')]);

            await assert.rejects(fx.vault.open('no-such-id', ANALYST), CaptureNotFoundError);
            await assert.rejects(fx.vault.open(record.id, { ...ANALYST, purpose: '' }), InvalidCaptureError);
          }),
        );

      test(
        `large items, one after another and at once, each stored intact (${name})`,
        everyStore,
        withVault(async (fx) => {
          // Sealed buffers over 64 KiB are reused between captures (buffer-pool.ts).
          const items = Array.from({ length: 7 }, (_, i) => randomBytes(150_000 + i * 40_000));
          const records = [];
          for (const media of items.slice(0, 3)) records.push(await fx.vault.capture(sampleInput({ media })));
          records.push(...(await Promise.all(items.slice(3).map((media) => fx.vault.capture(sampleInput({ media }))))));
          for (const [i, r] of records.entries()) {
            assert.deepEqual(Buffer.from((await fx.vault.open(r.id, ANALYST)).media!), items[i]);
          }
        }),
      );

      test(
        `csam: never opened in clear, refusal recorded; sealed export works (${name})`,
        everyStore,
        withVault(async (fx, database) => {
          const media = Buffer.from(`synthetic stand-in ${randomBytes(16).toString('hex')}`.repeat(50));
          const record = await fx.vault.capture(
            sampleInput({ category: 'csam', media, capturedBy: { kind: 'rule', id: 'bank-csam' } }),
          );
          await assert.rejects(fx.vault.open(record.id, ANALYST), CsamClearAccessError);
          await assert.rejects(fx.vault.open(record.id, { ...ANALYST, action: 'decrypt' }), /never opened in clear/);
          const metadataOnly = await fx.vault.open(record.id, { ...ANALYST, includeMedia: false });
          assert.equal(metadataOnly.media, null);
          assert.equal(metadataOnly.evidence.channel.title, 'Fictional Channel');

          const hotline = sodium.crypto_box_keypair();
          const exported = await fx.vault.exportSealed(record.id, {
            actor: { kind: 'user', id: 'case-manager-1' },
            purpose: 'hotline report',
            recipientPublicKey: hotline.publicKey,
          });
          assert.ok(!Buffer.from(exported.sealedMedia!).includes(media.subarray(0, 40)));
          const opened = sodium.crypto_box_seal_open(exported.sealedMedia!, hotline.publicKey, hotline.privateKey);
          assert.deepEqual(Buffer.from(opened), media);
          assert.equal((await fx.vault.verifyItem(record.id, AUDITOR)).ok, true);

          const chain = await fx.vault.custodyChain(record.id);
          assert.deepEqual(
            chain.map((e) => [e.action, e.outcome]),
            [
              ['capture', 'ok'],
              ['view', 'refused'],
              ['decrypt', 'refused'],
              ['view', 'ok'],
              ['export', 'ok'],
              ['verify', 'ok'],
            ],
          );
          assert.equal(chain[4]!.details.recipient, exported.recipient);
          const stored = await storedBytes(fx, database);
          assert.ok(!stored.includes(media.subarray(0, 40)), 'csam is never written in clear');
        }),
      );

      if (folderOnly)
        test(
          `master key rotation re-wraps data keys and leaves blobs untouched (${name})`,
          everyStore,
          withVault(async (fx, database) => {
            const records = [];
            for (const caseId of ['PRS-A', 'PRS-B', 'PRS-C'])
              records.push(await fx.vault.capture(sampleInput({ caseId })));
            const blobsBefore = await storedBlobs(fx);
            const keysBefore = await database.db
              .selectFrom('evidence_data_keys')
              .selectAll()
              .orderBy('case_id')
              .execute();

            const next = masterKeyFromBytes(randomBytes(32));
            assert.deepEqual(await fx.vault.rotateMasterKey(next), { rewrapped: 3, alreadyCurrent: 0 });
            const keysAfter = await database.db
              .selectFrom('evidence_data_keys')
              .selectAll()
              .orderBy('case_id')
              .execute();
            for (const [i, row] of keysAfter.entries()) {
              assert.equal(row.master_key_id, next.id);
              assert.notDeepEqual(row.wrapped, keysBefore[i]!.wrapped);
            }
            assert.deepEqual(await storedBlobs(fx), blobsBefore, 'no blob was rewritten');

            // A fresh vault with the new key reads everything; one with the old key reads nothing.
            const fresh = await makeVault(database, 'folder', { masterKey: next, store: fx.store });
            const stale = await makeVault(database, 'folder', { masterKey: fx.master, store: fx.store });
            try {
              for (const r of records) {
                assert.equal((await fresh.vault.verifyItem(r.id, AUDITOR)).ok, true);
                await assert.rejects(stale.vault.open(r.id, ANALYST), /wrapped by master key/);
              }
              assert.deepEqual(await fresh.vault.rotateMasterKey(next), { rewrapped: 0, alreadyCurrent: 3 });
            } finally {
              await fresh.cleanup();
              await stale.cleanup();
            }
          }),
        );
    }
  }
});

async function storedBlobs(fx: VaultFixture): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for await (const blob of fx.store.list()) out.set(blob.name, Buffer.from((await fx.store.get(blob.name))!));
  return out;
}
