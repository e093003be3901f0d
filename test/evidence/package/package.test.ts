/**
 * Sealed evidence packages end to end over a real vault and log: clear and sealed
 * round trips, random single-byte tampering, child material never in clear, packages
 * forged by someone holding the log key, later tree heads and RFC 3161 tokens.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import libsodium from 'libsodium-wrappers';
import { generateLogKey } from '../../../src/evidence/log/log-key.js';
import { EvidenceLog } from '../../../src/evidence/log/log-store.js';
import { tsaTimestamper } from '../../../src/evidence/log/timestamp.js';
import { signTreeHead } from '../../../src/evidence/log/tree-head.js';
import { type ExportPackageOptions, exportPackage, PackageRefusedError } from '../../../src/evidence/sealed/export.js';
import { verifyPackage } from '../../../src/evidence/sealed/verify.js';
import { readZip } from '../../../src/evidence/sealed/zip.js';
import { databaseVariants } from '../../support/db.js';
import { systemTool } from '../../support/env.js';
import { syntheticPhoto } from '../../support/generated-export.js';
import { startLocalTsa } from '../log/local-tsa.js';
import { makeVault, sampleInput, seeded } from '../vault/support.js';
import { failures, forge, manifestOf } from './support.js';

const pglite = databaseVariants().find((v) => v.name === 'pglite')!;
after(() => pglite.dispose());
const openssl = systemTool('openssl', 'openssl');

/** Flips `count` random bytes, one at a time; no copy may verify. */
async function assertTampersCaught(zip: Buffer, count: number, seed: number, options = {}) {
  const random = seeded(seed);
  for (let i = 0; i < count; i++) {
    const copy = Buffer.from(zip);
    const at = Math.floor(random() * copy.length);
    copy[at] = copy[at]! ^ (1 + Math.floor(random() * 255));
    const verdict = await verifyPackage(copy, options);
    assert.equal(verdict.valid, false, `a change at byte ${at} (seed ${seed}, case ${i}) went unnoticed`);
  }
}

test('evidence packages', (t) =>
  pglite.run(async (database) => {
    await libsodium.ready;
    const fixture = await makeVault(database, 'folder');
    const key = generateLogKey();
    const log = new EvidenceLog(database.db, { key });
    const base: Omit<ExportPackageOptions, 'caseIds' | 'recipientPublicKey'> = {
      db: database.db,
      vault: fixture.vault,
      log,
      logKey: key,
      actor: { kind: 'user', id: 'liaison-1' },
      purpose: 'court order 12/2026',
    };
    const photo = await syntheticPhoto(5, 320, 240).toBuffer();
    const childMedia = randomBytes(3000); // stands in for child material: only its bytes matter here
    await fixture.vault.capture(sampleInput({ caseId: 'CASE-A', media: photo }));
    await fixture.vault.capture(
      sampleInput({
        caseId: 'CASE-A',
        media: null,
        source: { kind: 'telegram-export-json', chatId: '-1', messageId: '7' },
      }),
    );
    await fixture.vault.capture(sampleInput({ caseId: 'HOTLINE-1', category: 'csam', media: childMedia }));
    const recipient = libsodium.crypto_box_keypair();
    let clear: Buffer = Buffer.alloc(0);
    let sealed: Buffer = Buffer.alloc(0);
    try {
      await t.test('a clear package verifies offline, content included; 300 random tampers are caught', async () => {
        ({ zip: clear } = await exportPackage({ ...base, caseIds: ['CASE-A'], recipientPublicKey: null }));
        const verdict = await verifyPackage(clear);
        assert.equal(verdict.valid, true, failures(verdict));
        const whats = verdict.checks.map((c) => c.what).join('\n');
        assert.match(whats, /media matches its SHA-256, MD5 and size/);
        assert.match(whats, /evidence document matches its SHA-256/);
        assert.match(whats, /custody decrypt \(ok\)/, 'the export itself is in the custody chain');
        assert.match(verdict.warnings.join('\n'), /log key was taken from the package itself/);
        const files = await readZip(clear);
        const item = manifestOf(files).items.find((i) => i.files.media)!;
        assert.ok(files.get(item.files.media!)!.equals(photo), 'the original bytes');
        const evidence = JSON.parse(files.get(item.files.evidence)!.toString());
        assert.equal(evidence.rawRecord.id, 1042);
        assert.deepEqual(evidence.rawRecord.big, { $bigint: '9223372036854775808' }, 'as the vault kept it');
        const html = files.get('index.html')!.toString();
        assert.match(html, /data:image\/jpeg;base64,/, 'a blurred preview of the clear photo');
        assert.match(html, /not evidence/);
        await assertTampersCaught(clear, 300, 2026);
      });

      await t.test('child material: refused in clear, sealed never holds it in clear, opens with the key', async () => {
        for (const caseIds of [['HOTLINE-1'], null]) {
          await assert.rejects(
            exportPackage({ ...base, caseIds, recipientPublicKey: null }),
            (e: Error) => e instanceof PackageRefusedError && /never in clear/.test(e.message),
          );
        }
        ({ zip: sealed } = await exportPackage({ ...base, caseIds: null, recipientPublicKey: recipient.publicKey }));
        assert.equal(sealed.indexOf(childMedia.subarray(0, 32)), -1, 'no clear byte run of the child material');
        assert.equal(sealed.indexOf(photo.subarray(100, 132)), -1, 'sealed means every item is sealed');
        const files = await readZip(sealed);
        assert.doesNotMatch(files.get('index.html')!.toString(), /data:image/, 'no previews from a sealed package');
        const unopened = await verifyPackage(sealed);
        assert.equal(unopened.valid, true, failures(unopened));
        assert.match(unopened.warnings.join('\n'), /sealed items were not opened/);
        const opened = await verifyPackage(sealed, { recipientSecretKey: recipient.privateKey });
        assert.equal(opened.valid, true, failures(opened));
        const csam = manifestOf(files).items.find((i) => i.record.category === 'csam')!;
        assert.ok(
          opened.checks.some(
            (c) =>
              c.ok &&
              c.what ===
                `item ${csam.record.id}: media opens with the recipient key and matches its SHA-256, MD5 and size`,
          ),
        );
        const stranger = libsodium.crypto_box_keypair();
        const wrong = await verifyPackage(sealed, { recipientSecretKey: stranger.privateKey });
        assert.equal(wrong.valid, false, 'the wrong key opens nothing');
        assert.match(failures(wrong), /the recipient key is the one sealed to/);
        await assertTampersCaught(sealed, 100, 7, { recipientSecretKey: recipient.privateKey });
      });

      await t.test('a package forged by the log key holder is caught by the log and the records', async () => {
        const cases: [string, Parameters<typeof forge>[2], RegExp][] = [
          [
            'a record hash',
            (m) => {
              (m.items[0]!.record as { sha256: string | null }).sha256 = 'ab'.repeat(32);
            },
            /record digest matches its log entry/,
          ],
          [
            'the media',
            (m, f) => void f.set(m.items.find((i) => i.files.media)!.files.media!, Buffer.from(photo).reverse()),
            /media matches/,
          ],
          [
            'the evidence document',
            (m, f) => void f.set(m.items[0]!.files.evidence, Buffer.from('{"rawRecord":{}}')),
            /evidence document matches/,
          ],
          [
            'the capture event',
            (m) => {
              (m.items[0]!.custody[0]!.event as { actor: unknown }).actor = { kind: 'user', id: 'x' };
            },
            /custody capture \(ok\)/,
          ],
          [
            'an access event',
            (m) => {
              (m.items[0]!.custody[1]!.event as { purpose: string }).purpose = 'nothing to see';
            },
            /custody decrypt \(ok\)/,
          ],
          ['an inclusion proof', (m) => void m.items[0]!.inclusion.proof.pop(), /inclusion proof/],
        ];
        for (const [what, edit, failing] of cases) {
          const verdict = await verifyPackage(await forge(clear, key, edit));
          assert.equal(verdict.valid, false, `a forged ${what} went unnoticed`);
          assert.match(failures(verdict), failing, what);
        }
        const unsealed = await forge(sealed, key, (m) => {
          m.recipient = { sealed: false };
          for (const i of m.items) i.files.encrypted = false;
        });
        assert.match(failures(await verifyPackage(unsealed)), /child material is sealed, never in clear/);
      });

      await t.test('later tree heads: consistent, forged, or inconsistent though signed', async () => {
        await fixture.vault.capture(sampleInput({ caseId: 'CASE-B' }));
        const head = manifestOf(await readZip(clear)).log.tree_head;
        const later = await log.signTreeHead();
        const proof = (await log.consistencyProof(head.treeSize, later.treeSize)).proof;
        const good = { tree_head: later, consistency_proof: proof };
        const pem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
        const trusted = await verifyPackage(clear, { laterTreeHead: good, trustedLogKey: pem });
        assert.equal(trusted.valid, true, failures(trusted));
        assert.equal(trusted.warnings.length, 0, 'a trusted key needs no caveat');
        const forged = { ...good, tree_head: { ...later, rootHash: 'ab'.repeat(32) } };
        assert.equal((await verifyPackage(clear, { laterTreeHead: forged })).valid, false);
        const fork = signTreeHead(key, { treeSize: later.treeSize, rootHash: 'cd'.repeat(32), timestamp: Date.now() });
        const inconsistent = await verifyPackage(clear, {
          laterTreeHead: { tree_head: fork, consistency_proof: proof },
        });
        assert.deepEqual(
          inconsistent.checks.filter((c) => !c.ok).map((c) => c.what),
          [`later tree head is consistent with the package's (${head.treeSize} -> ${later.treeSize})`],
          'signed by the log key, yet not an extension of the package tree',
        );
        const older = signTreeHead(key, { treeSize: head.treeSize - 1, rootHash: head.rootHash, timestamp: 1 });
        assert.equal(
          (await verifyPackage(clear, { laterTreeHead: { tree_head: older, consistency_proof: [] } })).valid,
          false,
        );
        const other = generateLogKey().publicKey.export({ type: 'spki', format: 'pem' }).toString();
        assert.equal((await verifyPackage(clear, { trustedLogKey: other })).valid, false, 'another log key is refused');
      });

      await t.test('an RFC 3161 token on the tree head is checked', { skip: openssl.skip }, async () => {
        const tsa = await startLocalTsa(openssl.path);
        try {
          const stamped = new EvidenceLog(database.db, { key, timestamper: tsaTimestamper(tsa.url) });
          const { zip, manifest } = await exportPackage({
            ...base,
            log: stamped,
            caseIds: ['CASE-B'],
            recipientPublicKey: null,
          });
          assert.ok(manifest.log.tree_head.timestampToken, 'the head was timestamped');
          const verdict = await verifyPackage(zip);
          assert.equal(verdict.valid, true, failures(verdict));
          assert.ok(verdict.checks.some((c) => c.ok && c.what.startsWith('RFC 3161 timestamp of the tree head')));
          const swapped = await forge(zip, key, (m) => {
            m.log.tree_head.timestampToken = Buffer.from('not a token').toString('base64');
          });
          assert.match(failures(await verifyPackage(swapped)), /RFC 3161 timestamp/);
        } finally {
          await tsa.close();
        }
      });
    } finally {
      await fixture.cleanup();
    }
  }));
