/**
 * A crash during capture leaves either a complete, logged item or nothing: failures are
 * injected between the capture steps; afterwards there is no row, no custody and no
 * log entry, only unreferenced ciphertext that sweepOrphans removes after its grace period.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type Database, openDatabase } from '../../../src/db/open.js';
import { FolderBlobStore } from '../../../src/evidence/vault/blob-store.js';
import { masterKeyFromBytes } from '../../../src/evidence/vault/master-key.js';
import type { CaptureStep } from '../../../src/evidence/vault/vault.js';
import { EvidenceVault } from '../../../src/evidence/vault/vault.js';
import { databaseVariants, type TestStore } from '../../support/db.js';
import { PROJECT_ROOT } from '../../support/env.js';
import { AUDITOR, LogUnderTest, makeVault, STORE_KINDS, sampleInput, type VaultFixture } from './support.js';

const STEPS: CaptureStep[] = ['blobs-written', 'log-appended', 'row-inserted'];
const TWO_HOURS_LATER = () => new Date(Date.now() + 2 * 3600_000);

async function counts(fx: VaultFixture, database: Database) {
  const count = async (table: 'evidence_captures' | 'evidence_custody') =>
    Number(
      (
        await database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  let blobs = 0;
  for await (const _ of fx.store.list()) blobs++;
  return {
    captures: await count('evidence_captures'),
    custody: await count('evidence_custody'),
    log: (await fx.log.entries()).length,
    blobs,
  };
}

describe('vault crash safety', () => {
  const variants = databaseVariants();
  after(() => Promise.all(variants.map((v) => v.dispose())));

  for (const variant of variants) {
    for (const storeKind of STORE_KINDS) {
      test(
        `a failure at any capture step leaves nothing but sweepable ciphertext (${variant.name}, ${storeKind} blobs)`,
        { skip: variant.skip },
        () =>
          variant.run(async (database) => {
            let crashAt: CaptureStep | null = null;
            const fx = await makeVault(database, storeKind, {
              faults: (step) => {
                if (step === crashAt) throw new Error(`injected crash at ${step}`);
              },
            });
            const later = await makeVault(database, storeKind, {
              store: fx.store,
              masterKey: fx.master,
              clock: TWO_HOURS_LATER,
            });
            try {
              for (const step of STEPS) {
                crashAt = step;
                const media = randomBytes(3000);
                await assert.rejects(
                  fx.vault.capture(sampleInput({ media, rawRecord: { step } })),
                  new RegExp(`injected crash at ${step}`),
                );
                assert.deepEqual(
                  await counts(fx, database),
                  { captures: 0, custody: 0, log: 0, blobs: 2 },
                  `after a crash at ${step}`,
                );
                assert.deepEqual(
                  await fx.vault.sweepOrphans(),
                  { removed: 0, kept: 2, temporaries: 0 },
                  'within the grace period: kept',
                );
                assert.deepEqual(await later.vault.sweepOrphans(), { removed: 2, kept: 0, temporaries: 0 });
                assert.equal((await counts(fx, database)).blobs, 0);
              }

              // A retry after a crash reuses the orphaned blob; the committed item survives sweeping.
              crashAt = 'row-inserted';
              const media = randomBytes(3000);
              await assert.rejects(fx.vault.capture(sampleInput({ media })));
              crashAt = null;
              const record = await fx.vault.capture(sampleInput({ media }));
              assert.deepEqual(await counts(fx, database), { captures: 1, custody: 1, log: 1, blobs: 2 });
              assert.deepEqual(await later.vault.sweepOrphans(), { removed: 0, kept: 2, temporaries: 0 });
              assert.equal((await fx.vault.verifyItem(record.id, AUDITOR)).ok, true);
            } finally {
              await later.cleanup();
              await fx.cleanup();
            }
          }),
      );
    }

    test(
      `parallel first captures of a case from two vaults share one data key (${variant.name})`,
      { skip: variant.skip },
      () =>
        variant.run(async (database) => {
          const a = await makeVault(database, 'folder');
          const b = await makeVault(database, 'folder', { store: a.store, masterKey: a.master, log: a.log });
          try {
            const records = await Promise.all(
              Array.from({ length: 8 }, (_, i) =>
                (i % 2 ? a : b).vault.capture(sampleInput({ caseId: 'PRS-RACE', media: randomBytes(500) })),
              ),
            );
            const keys = await database.db.selectFrom('evidence_data_keys').selectAll().execute();
            assert.equal(keys.length, 1);
            for (const r of records) assert.equal((await a.vault.verifyItem(r.id, AUDITOR)).ok, true);
            assert.equal(new Set(records.map((r) => r.logSeq)).size, 8);
          } finally {
            await a.cleanup();
            await b.cleanup();
          }
        }),
    );

    test(`a process killed mid-capture leaves only complete, logged items (${variant.name})`, {
      skip: variant.skip,
    }, async () => {
      const store = await variant.newStore();
      const blobDir = await mkdtemp(join(tmpdir(), 'perisai-vault-kill-'));
      const key = randomBytes(32);
      try {
        // The schema exists (migrated) before the child starts.
        await (await openDatabase(store.options)).close();
        const printed = await runAndKill(store, blobDir, key.toString('hex'), 5);
        await checkAfterKill(store, blobDir, key, printed);
      } finally {
        await rm(blobDir, { recursive: true, force: true });
        await store.cleanup();
      }
    });
  }
});

const CAPTURE_ID = /^[0-9a-f-]{36}$/;

/** Starts the capture loop in a child and SIGKILLs it once `atLeast` captures are done. */
function runAndKill(store: TestStore, blobDir: string, keyHex: string, atLeast: number): Promise<string[]> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/evidence/vault/crash-child.ts', JSON.stringify(store.options), blobDir, keyHex],
    { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  const ids = () => out.split('\n').filter((l) => CAPTURE_ID.test(l));
  child.stderr.on('data', (chunk) => {
    err += chunk;
  });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (ids().length >= atLeast) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(ids());
      else reject(new Error(`capture child exited early (${code}): ${err}`));
    });
  });
}

async function checkAfterKill(store: TestStore, blobDir: string, key: Buffer, printed: string[]): Promise<void> {
  const database = await openDatabase(store.options);
  try {
    const log = new LogUnderTest(database.db);
    const vault = await EvidenceVault.open({
      db: database.db,
      store: new FolderBlobStore(blobDir),
      log,
      masterKey: masterKeyFromBytes(key),
    });
    const captures = await database.db.selectFrom('evidence_captures').select('id').execute();
    const ids = new Set(captures.map((c) => c.id));
    for (const id of printed) assert.ok(ids.has(id), `committed capture ${id} survived`);
    assert.ok(ids.size <= printed.length + 1, 'at most the capture in flight committed unprinted');
    const logged = (await log.entries()).filter((e) => e.kind === 'evidence.capture').map((e) => e.payload.captureId);
    assert.deepEqual(new Set(logged), ids, 'every log entry has its capture row and every row its entry');
    for (const id of ids) assert.deepEqual((await vault.verifyItem(id, AUDITOR)).problems, [], `capture ${id}`);
    vault.close();
  } finally {
    await database.close();
  }
}
