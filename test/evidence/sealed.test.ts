/**
 * Sealed evidence packages: export then verify offline (clear and sealed), every
 * random single-byte tamper detected, csam never in clear, later tree heads.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import libsodium from 'libsodium-wrappers';
import { generateLogKey } from '../../src/evidence/log/log-key.js';
import { EvidenceLog } from '../../src/evidence/log/log-store.js';
import { exportPackage, PackageRefusedError } from '../../src/evidence/sealed/export.js';
import { verifyPackage } from '../../src/evidence/sealed/verify.js';
import { readZip } from '../../src/evidence/sealed/zip.js';
import { databaseVariants } from '../support/db.js';
import { syntheticPhoto } from '../support/generated-export.js';
import { makeVault, sampleInput, seeded } from './vault/support.js';

const pglite = databaseVariants().find((v) => v.name === 'pglite')!;
after(() => pglite.dispose());
const ACTOR = { kind: 'user' as const, id: 'liaison-1' };

describe('sealed evidence packages', () => {
  test('clear export verifies offline; 300 random single-byte tampers are all detected', () =>
    pglite.run(async (database) => {
      const fixture = await makeVault(database, 'folder');
      try {
        const key = generateLogKey();
        const log = new EvidenceLog(database.db, { key });
        const photo = await syntheticPhoto(5, 320, 240).toBuffer();
        await fixture.vault.capture(sampleInput({ media: photo }));
        await fixture.vault.capture(
          sampleInput({ media: null, source: { kind: 'telegram-export-json', chatId: '-1001', messageId: '7' } }),
        );
        const { zip, manifest } = await exportPackage({
          db: database.db,
          vault: fixture.vault,
          log,
          logKey: key,
          caseIds: null,
          recipientPublicKey: null,
          actor: ACTOR,
          purpose: 'court order 12/2026',
        });
        assert.equal(manifest.items.length, 2);
        const entries = await readZip(zip);
        assert.ok(entries.has('index.html') && entries.has('manifest.sig'));
        assert.match(
          entries.get('index.html')!.toString(),
          /data:image\/jpeg;base64,/,
          'a blurred preview of the clear photo',
        );
        const verdict = await verifyPackage(zip);
        assert.equal(
          verdict.valid,
          true,
          verdict.checks
            .filter((c) => !c.ok)
            .map((c) => c.what)
            .join('\n'),
        );
        assert.ok(verdict.checks.some((c) => c.what.includes('inclusion proof')));
        assert.ok(
          verdict.checks.some((c) => c.what.includes('custody decrypt')),
          'the export itself is in the custody chain',
        );

        const random = seeded(2026);
        for (let i = 0; i < 300; i++) {
          const copy = Buffer.from(zip);
          const at = Math.floor(random() * copy.length);
          copy[at] = copy[at]! ^ (1 + Math.floor(random() * 255));
          const v = await verifyPackage(copy);
          assert.equal(v.valid, false, `a flip at byte ${at} went unnoticed`);
        }
      } finally {
        await fixture.cleanup();
      }
    }));

  test('sealed to a recipient: items open with its key and match; csam is never exported in clear', () =>
    pglite.run(async (database) => {
      await libsodium.ready;
      const fixture = await makeVault(database, 'folder');
      try {
        const key = generateLogKey();
        const log = new EvidenceLog(database.db, { key });
        await fixture.vault.capture(sampleInput({ category: 'csam', caseId: 'HOTLINE-1' }));
        const base = {
          db: database.db,
          vault: fixture.vault,
          log,
          logKey: key,
          actor: ACTOR,
          purpose: 'hotline report',
        };
        await assert.rejects(
          exportPackage({ ...base, caseIds: ['HOTLINE-1'], recipientPublicKey: null }),
          PackageRefusedError,
        );
        const recipient = libsodium.crypto_box_keypair();
        const { zip } = await exportPackage({
          ...base,
          caseIds: ['HOTLINE-1'],
          recipientPublicKey: recipient.publicKey,
        });
        const html = (await readZip(zip)).get('index.html')!.toString();
        assert.doesNotMatch(html, /data:image/, 'no preview of child material');
        const verdict = await verifyPackage(zip, {
          recipient: { publicKey: recipient.publicKey, secretKey: recipient.privateKey },
        });
        assert.equal(
          verdict.valid,
          true,
          verdict.checks
            .filter((c) => !c.ok)
            .map((c) => c.what)
            .join('\n'),
        );
        assert.ok(verdict.checks.some((c) => c.what.includes('media opens and matches')));
        const stranger = libsodium.crypto_box_keypair();
        const wrongKey = { publicKey: stranger.publicKey, secretKey: stranger.privateKey };
        assert.equal((await verifyPackage(zip, { recipient: wrongKey })).valid, false, 'the wrong key opens nothing');

        // A later tree head: consistent with the package's, or caught when it is not.
        await fixture.vault.capture(sampleInput());
        const head = JSON.parse((await readZip(zip)).get('manifest.json')!.toString()).log.tree_head;
        const later = await log.signTreeHead();
        const proof = await log.consistencyProof(head.treeSize, later.treeSize);
        const good = { tree_head: later, consistency_proof: proof.proof };
        assert.equal((await verifyPackage(zip, { laterTreeHead: good })).valid, true);
        const forged = { ...good, tree_head: { ...later, rootHash: 'ab'.repeat(32) } };
        assert.equal((await verifyPackage(zip, { laterTreeHead: forged })).valid, false);
        assert.equal(
          (
            await verifyPackage(zip, {
              trustedLogKey: generateLogKey().publicKey.export({ type: 'spki', format: 'pem' }).toString(),
            })
          ).valid,
          false,
          'another log key is refused',
        );
      } finally {
        await fixture.cleanup();
      }
    }));
});
