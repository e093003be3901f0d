import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import { type BlobStore, FolderBlobStore } from '../../../src/evidence/vault/blob-store.js';
import { PostgresBlobStore } from '../../../src/evidence/vault/blob-store-postgres.js';
import { databaseVariants } from '../../support/db.js';

const nameOf = (s: string) => createHash('sha256').update(s).digest('hex');

async function collect(store: BlobStore): Promise<string[]> {
  const names: string[] = [];
  for await (const b of store.list()) names.push(b.name);
  return names.sort();
}

/** Behaviour both backends share. */
async function contract(store: BlobStore): Promise<void> {
  const a = nameOf('a');
  const b = nameOf('b');
  assert.equal(await store.get(a), null);
  assert.equal(await store.has(a), false);
  assert.equal(await store.touch(a), false);
  const bytes = randomBytes(5000);
  await store.put(a, bytes);
  await store.put(a, randomBytes(10)); // idempotent: the first write stays
  assert.deepEqual(Buffer.from((await store.get(a))!), bytes);
  assert.equal(await store.has(a), true);
  assert.equal(await store.touch(a), true);
  await store.put(b, Buffer.alloc(0));
  assert.deepEqual(Buffer.from((await store.get(b))!), Buffer.alloc(0));
  assert.deepEqual(await collect(store), [a, b].sort());

  const past = new Date(Date.now() - 60_000);
  assert.equal(await store.deleteIfUntouched(a, past), false, 'touched after the cutoff: kept');
  assert.equal(await store.deleteIfUntouched(a, new Date(Date.now() + 60_000)), true);
  assert.equal(await store.get(a), null);
  assert.equal(await store.deleteIfUntouched(a, new Date(Date.now() + 60_000)), false, 'already gone');

  for (const bad of ['', 'ABC', '../etc/passwd', `${a}x`, a.toUpperCase(), `${a.slice(0, 62)}/.`]) {
    await assert.rejects(store.put(bad, bytes), /invalid blob name/);
    await assert.rejects(store.get(bad), /invalid blob name/);
  }
}

describe('FolderBlobStore', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'perisai-blobs-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  test('put/get/has/touch/list/delete', () => contract(new FolderBlobStore(join(root, 'evidence'))));

  test('layout ab/cd/<name>, private modes, no temp files left', async () => {
    const store = FolderBlobStore.forDataDir(root);
    const name = nameOf('layout');
    await store.put(name, randomBytes(100));
    const path = join(root, 'evidence', name.slice(0, 2), name.slice(2, 4), name);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await stat(join(root, 'evidence', name.slice(0, 2)))).mode & 0o077, 0);
    assert.deepEqual(await readdir(join(root, 'evidence', name.slice(0, 2), name.slice(2, 4))), [name]);
  });

  test('symlinks are never followed', async () => {
    const outside = join(root, 'outside');
    await mkdir(outside);
    const store = new FolderBlobStore(join(root, 'evidence'));
    const name = nameOf('link');
    // A planted link in place of a fan-out folder.
    await mkdir(join(root, 'evidence', name.slice(0, 2)), { recursive: true });
    await symlink(outside, join(root, 'evidence', name.slice(0, 2), name.slice(2, 4)));
    await assert.rejects(store.put(name, randomBytes(10)), /not a real directory/);
    await assert.rejects(store.get(name), /not a real directory/);
    assert.deepEqual(await readdir(outside), [], 'nothing was written through the link');

    // A planted link in place of a blob.
    const other = nameOf('file-link');
    const secret = join(outside, 'secret');
    await writeFile(secret, 'not evidence');
    const dir = join(root, 'evidence', other.slice(0, 2), other.slice(2, 4));
    await mkdir(dir, { recursive: true });
    await symlink(secret, join(dir, other));
    await assert.rejects(store.get(other), /symlink/);
    await assert.rejects(store.put(other, randomBytes(10)), /not a regular file/);
  });

  test('stale temp files of an interrupted write are removed, fresh ones kept', async () => {
    const store = new FolderBlobStore(join(root, 'evidence'));
    const name = nameOf('temp');
    await store.put(name, randomBytes(10));
    const dir = join(root, 'evidence', name.slice(0, 2), name.slice(2, 4));
    await writeFile(join(dir, `${name}.tmp-aaaaaa`), 'ciphertext');
    await writeFile(join(dir, `${name}.tmp-bbbbbb`), 'ciphertext');
    const old = new Date(Date.now() - 3_600_000);
    await utimes(join(dir, `${name}.tmp-aaaaaa`), old, old);
    assert.deepEqual(await collect(store), [name], 'temp files are not blobs');
    assert.equal(await store.removeStaleTemporaries(new Date(Date.now() - 60_000)), 1);
    assert.deepEqual((await readdir(dir)).sort(), [name, `${name}.tmp-bbbbbb`]);
  });
});

describe('PostgresBlobStore', () => {
  const variants = databaseVariants();
  after(() => Promise.all(variants.map((v) => v.dispose())));
  for (const variant of variants) {
    test(`put/get/has/touch/list/delete (${variant.name})`, { skip: variant.skip }, () =>
      variant.run((database) => contract(new PostgresBlobStore(database.db))),
    );

    test(`lists past one page (${variant.name})`, { skip: variant.skip }, () =>
      variant.run(async (database) => {
        const store = new PostgresBlobStore(database.db);
        const names = Array.from({ length: 1203 }, (_, i) => nameOf(`n${i}`));
        const values = names.map((name) => ({ name, data: Buffer.from([1]) }));
        await database.db.insertInto('evidence_blobs').values(values).execute();
        assert.deepEqual(await collect(store), names.sort());
      }),
    );
  }
});
