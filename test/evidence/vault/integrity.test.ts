/**
 * Tamper detection and crash safety of the vault: random single-byte changes of blobs
 * and rows must all be detected by verifyItem; a crash at any point of a capture leaves
 * either a complete, logged item or nothing but unreferenced ciphertext.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Database } from '../../../src/db/open.js';
import { databaseVariants } from '../../support/db.js';
import { AUDITOR, makeVault, sampleInput, seeded, type VaultFixture } from './support.js';

const BLOB_TAMPERS = 200;
const KEY_TAMPERS = 80;
const ROW_TAMPERS = 60;

async function blobFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(dir, e.name));
      else out.push(join(dir, e.name));
    }
  };
  await walk(root);
  return out.sort();
}

/** Three items in two cases: media, csam media, text only. Returns blob name -> capture id. */
async function populate(fx: VaultFixture, database: Database): Promise<Map<string, string>> {
  await fx.vault.capture(sampleInput({ media: randomBytes(2048), rawRecord: { id: 1 } }));
  await fx.vault.capture(sampleInput({ category: 'csam', media: randomBytes(1500), rawRecord: { id: 2 } }));
  await fx.vault.capture(sampleInput({ caseId: 'PRS-OTHER', media: null, rawRecord: { id: 3 } }));
  const rows = await database.db.selectFrom('evidence_captures').select(['id', 'media_blob', 'record_blob']).execute();
  const owner = new Map<string, string>();
  for (const r of rows) {
    owner.set(r.record_blob, r.id);
    if (r.media_blob) owner.set(r.media_blob, r.id);
  }
  return owner;
}

async function assertAllVerify(fx: VaultFixture, database: Database): Promise<void> {
  for (const { id } of await database.db.selectFrom('evidence_captures').select('id').execute()) {
    assert.deepEqual((await fx.vault.verifyItem(id, AUDITOR)).problems, []);
  }
}

/** A copy with one byte changed (xor with 1..255) at a random position. */
function flipByte(value: Buffer, random: () => number): Buffer {
  const out = Buffer.from(value);
  const at = Math.floor(random() * out.length);
  out[at] = out[at]! ^ (1 + Math.floor(random() * 255));
  return out;
}

describe('vault integrity', () => {
  const variants = databaseVariants();
  after(() => Promise.all(variants.map((v) => v.dispose())));

  for (const variant of variants) {
    const run = (fn: (fx: VaultFixture, database: Database) => Promise<void>) => () =>
      variant.run(async (database) => {
        const fx = await makeVault(database, 'folder');
        try {
          await fn(fx, database);
        } finally {
          await fx.cleanup();
        }
      });

    test(
      `${BLOB_TAMPERS} random single-byte blob tamperings are all detected (${variant.name})`,
      { skip: variant.skip },
      run(async (fx, database) => {
        const owner = await populate(fx, database);
        await assertAllVerify(fx, database);
        const files = await blobFiles(join(fx.dir, 'evidence'));
        assert.equal(files.length, 5);
        const random = seeded(0x5eed);
        for (let i = 0; i < BLOB_TAMPERS; i++) {
          const file: string = files[Math.floor(random() * files.length)]!;
          const original = await readFile(file);
          await writeFile(file, flipByte(original, random));
          const captureId = owner.get(file.slice(-64))!;
          const result = await fx.vault.verifyItem(captureId, AUDITOR);
          assert.equal(result.ok, false, `tampering ${i} of ${file} went unnoticed`);
          assert.match(result.problems.join('\n'), /altered|bad header|does not decrypt/);
          await writeFile(file, original);
        }
        await assertAllVerify(fx, database);
      }),
    );

    test(
      `${KEY_TAMPERS} random single-byte tamperings of wrapped data keys are all detected (${variant.name})`,
      { skip: variant.skip },
      run(async (fx, database) => {
        await populate(fx, database);
        const captures = await database.db.selectFrom('evidence_captures').select(['id', 'case_id']).execute();
        const keys = await database.db.selectFrom('evidence_data_keys').selectAll().execute();
        assert.equal(keys.length, 2);
        const random = seeded(0xdec);
        for (let i = 0; i < KEY_TAMPERS; i++) {
          const row = keys[Math.floor(random() * keys.length)]!;
          const column = random() < 0.5 ? 'nonce' : 'wrapped';
          await database.db
            .updateTable('evidence_data_keys')
            .set({ [column]: flipByte(row[column], random) })
            .where('case_id', '=', row.case_id)
            .execute();
          const victim = captures.find((c) => c.case_id === row.case_id)!;
          const result = await fx.vault.verifyItem(victim.id, AUDITOR);
          assert.equal(result.ok, false, `tampering ${i} of ${column} went unnoticed`);
          assert.match(result.problems.join('\n'), /does not unwrap: altered/);
          await database.db
            .updateTable('evidence_data_keys')
            .set({ nonce: row.nonce, wrapped: row.wrapped })
            .where('case_id', '=', row.case_id)
            .execute();
        }
        await database.db.updateTable('evidence_data_keys').set({ master_key_id: '0000000000000000' }).execute();
        assert.match((await fx.vault.verifyItem(captures[0]!.id, AUDITOR)).problems.join(), /wrapped by master key/);
      }),
    );

    test(
      `${ROW_TAMPERS} random tamperings of capture and custody rows are all detected (${variant.name})`,
      { skip: variant.skip },
      run(async (fx, database) => {
        await populate(fx, database);
        const random = seeded(0xbeef);
        const byteColumns = ['media_sha256', 'media_md5', 'record_sha256', 'log_leaf_hash', 'mac'] as const;
        const captureEdits: Record<string, ReturnType<typeof sql>> = {
          captured_at: sql`captured_at + interval '1 millisecond'`,
          captured_by_id: sql`captured_by_id || 'x'`,
          message_id: sql`message_id || '1'`,
          source_url: sql`coalesce(source_url, '') || '#'`,
          log_seq: sql`log_seq + 1`,
          category: sql`case when category = 'csam' then 'ncii' else 'csam' end`,
          perceptual: sql`${JSON.stringify({ pdq: ['0'.repeat(64), 100] })}::jsonb`,
          media_bytes: sql`media_bytes + 1`,
          tool_version: sql`tool_version || '-patched'`,
        };
        const custodyEdits: Record<string, ReturnType<typeof sql>> = {
          purpose: sql`purpose || '.'`,
          actor_id: sql`'someone-else'`,
          at: sql`at - interval '1 day'`,
          action: sql`'verify'`,
          mac: sql`sha256(mac)`,
        };
        const edits: { what: string; apply: (id: string) => Promise<unknown> }[] = [
          ...byteColumns.map((column) => ({
            what: column,
            apply: async (id: string) => {
              const row = await database.db
                .selectFrom('evidence_captures')
                .select(column)
                .where('id', '=', id)
                .executeTakeFirstOrThrow();
              const value = row[column];
              if (!value) return;
              await database.db
                .updateTable('evidence_captures')
                .set({ [column]: flipByte(value, random) })
                .where('id', '=', id)
                .execute();
            },
          })),
          ...Object.entries(captureEdits).map(([column, change]) => ({
            what: column,
            apply: (id: string) =>
              sql`update evidence_captures set ${sql.ref(column)} = ${change} where id = ${id}`.execute(database.db),
          })),
          ...Object.entries(custodyEdits).map(([column, change]) => ({
            what: `custody.${column}`,
            apply: (id: string) =>
              sql`update evidence_custody set ${sql.ref(column)} = ${change}
              where id = (select min(id) from evidence_custody where capture_id = ${id})`.execute(database.db),
          })),
        ];
        const captures = await database.db.selectFrom('evidence_captures').select(['id', 'media_blob']).execute();
        for (let i = 0; i < ROW_TAMPERS; i++) {
          const capture = captures[Math.floor(random() * captures.length)]!;
          const edit = edits[Math.floor(random() * edits.length)]!;
          if (!capture.media_blob && /media_/.test(edit.what)) continue; // null columns: nothing to flip
          const savedCapture = await database.db
            .selectFrom('evidence_captures')
            .selectAll()
            .where('id', '=', capture.id)
            .executeTakeFirstOrThrow();
          const savedCustody = await database.db
            .selectFrom('evidence_custody')
            .selectAll()
            .where('capture_id', '=', capture.id)
            .execute();
          await edit.apply(capture.id);
          const result = await fx.vault.verifyItem(capture.id, AUDITOR);
          assert.equal(result.ok, false, `tampering ${i} (${edit.what}) went unnoticed`);
          await database.db.deleteFrom('evidence_custody').where('capture_id', '=', capture.id).execute();
          await database.db
            .updateTable('evidence_captures')
            .set({ ...savedCapture, perceptual: JSON.stringify(savedCapture.perceptual) })
            .where('id', '=', capture.id)
            .execute();
          await database.db
            .insertInto('evidence_custody')
            .values(savedCustody.map((c) => ({ ...c, details: JSON.stringify(c.details) })))
            .execute();
        }
        await assertAllVerify(fx, database);
      }),
    );
  }
});
