/**
 * `npm run bench -- evidence-verify [--json] [--items N] [--kib K] [--sealed]`
 *
 * Offline verification of an evidence package of N items (default 1,000 items of
 * 2 KiB synthetic media, in clear; --sealed: sealed to a recipient key and verified
 * with its secret, so every item is opened too): the time `perisai evidence verify`
 * spends reading the zip, checking every file's SHA-256, the manifest and tree-head
 * signatures, every record's log entry and inclusion proof, every custody event's,
 * and every item's content against its record. Building the package is set-up,
 * timed apart. Target: < 10 s for 1,000.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import libsodium from 'libsodium-wrappers';
import { openDatabase } from '../src/db/open.js';
import { generateLogKey } from '../src/evidence/log/log-key.js';
import { EvidenceLog } from '../src/evidence/log/log-store.js';
import { exportPackage } from '../src/evidence/sealed/export.js';
import { verifyPackage } from '../src/evidence/sealed/verify.js';
import { PostgresBlobStore } from '../src/evidence/vault/blob-store-postgres.js';
import { masterKeyFromBytes } from '../src/evidence/vault/master-key.js';
import { EvidenceVault } from '../src/evidence/vault/vault.js';

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i < 0 ? fallback : Number(args[i + 1]);
}

export async function run(args: string[]): Promise<void> {
  const items = option(args, '--items', 1000);
  const kib = option(args, '--kib', 2);
  const sealed = args.includes('--sealed');
  await libsodium.ready;
  const recipient = libsodium.crypto_box_keypair();
  const dir = await mkdtemp(join(tmpdir(), 'perisai-bench-verify-'));
  const database = await openDatabase({ dataDir: dir });
  try {
    const key = generateLogKey();
    const log = new EvidenceLog(database.db, { key });
    const vault = await EvidenceVault.open({
      db: database.db,
      store: new PostgresBlobStore(database.db),
      log,
      masterKey: masterKeyFromBytes(randomBytes(32)),
    });
    const t0 = performance.now();
    for (let i = 0; i < items; i++) {
      await vault.capture({
        caseId: 'BENCH-1',
        category: 'ncii',
        media: randomBytes(kib * 1024),
        rawRecord: { id: i, type: 'message', text: `synthetic message ${i}` },
        channel: { title: 'Synthetic channel' },
        capturedBy: { kind: 'rule', id: 'bench' },
        source: { kind: 'telegram-export-json', chatId: '-1001', messageId: String(i) },
      });
    }
    const actor = { kind: 'system' as const, id: 'bench' };
    const built = await exportPackage({
      db: database.db,
      vault,
      log,
      logKey: key,
      caseIds: null,
      recipientPublicKey: sealed ? recipient.publicKey : null,
      actor,
      purpose: 'benchmark',
    });
    const setupS = (performance.now() - t0) / 1000;
    vault.close();
    const t1 = performance.now();
    const verdict = await verifyPackage(built.zip, sealed ? { recipientSecretKey: recipient.privateKey } : {});
    const verifyS = (performance.now() - t1) / 1000;
    const figures = {
      items,
      sealed,
      package_mb: Math.round((built.zip.length / 1e6) * 10) / 10,
      checks: verdict.checks.length,
      valid: verdict.valid,
      verify_s: Math.round(verifyS * 100) / 100,
      setup_s: Math.round(setupS * 10) / 10,
    };
    console.log(
      `package of ${items} items, ${sealed ? 'sealed' : 'clear'} (${figures.package_mb} MB, built in ${figures.setup_s} s)`,
    );
    console.log(
      `  verify: ${figures.verify_s} s for ${figures.checks} checks, verdict ${verdict.valid ? 'VALID' : 'INVALID'} (target < 10 s)`,
    );
    if (args.includes('--json')) console.log(JSON.stringify(figures));
  } finally {
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
}
