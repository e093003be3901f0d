import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createApiKey, isBankError, listApiKeys, revokeApiKey, verifyApiKey } from '../../src/banks/index.js';
import { sql } from '../../src/db/open.js';
import { databaseVariants } from '../support/db.js';

for (const variant of databaseVariants()) {
  describe(`API keys (${variant.name})`, { skip: variant.skip }, () => {
    after(() => variant.dispose());

    test('create, verify, list and revoke', async () => {
      await variant.run(async ({ db }) => {
        const { key, record } = await createApiKey(db, { name: 'hotline importer', scope: 'write' });
        assert.match(key, /^psk_[A-Za-z0-9_-]{43}$/);
        assert.equal(record.prefix, key.slice(0, 12));
        assert.equal(record.scope, 'write');
        assert.equal(record.orgId, null);
        assert.equal(record.lastUsedAt, null);
        assert.equal(JSON.stringify(record).includes(key.slice(12)), false, 'the record never holds the secret');

        const stored = await db.selectFrom('api_keys').select('key_hash').executeTakeFirstOrThrow();
        assert.equal(stored.key_hash.length, 32);
        assert.equal(
          stored.key_hash.toString('hex').includes(Buffer.from(key.slice(4), 'base64url').toString('hex')),
          false,
        );

        const verified = await verifyApiKey(db, key);
        assert.equal(verified?.id, record.id);
        assert.ok(verified?.lastUsedAt instanceof Date);

        const listed = await listApiKeys(db);
        assert.deepEqual(
          listed.map((k) => k.id),
          [record.id],
        );
        assert.equal('key_hash' in listed[0]!, false);

        assert.equal(await revokeApiKey(db, record.id), true);
        assert.equal(await revokeApiKey(db, record.id), false);
        assert.equal(await verifyApiKey(db, key), null);
        assert.deepEqual(await listApiKeys(db), []);
        assert.equal((await listApiKeys(db, { includeRevoked: true }))[0]?.revokedAt instanceof Date, true);
      });
    });

    test('wrong, malformed and foreign keys fail', async () => {
      await variant.run(async ({ db }) => {
        const { key } = await createApiKey(db, { name: 'reader', scope: 'read' });
        const lastChar = key.at(-1) === 'A' ? 'Q' : 'A';
        const tampered = key.slice(0, -1) + lastChar;
        for (const bad of [
          '',
          'psk_',
          key.slice(0, -1),
          `${key}x`,
          tampered,
          key.replace('psk_', 'pk_x'),
          `psk_${'A'.repeat(43)}`,
        ]) {
          assert.equal(await verifyApiKey(db, bad), null, bad);
        }
        assert.ok(await verifyApiKey(db, key));
      });
    });

    test('keys belong to organisations; last use is recorded at most once a minute', async () => {
      await variant.run(async ({ db }) => {
        const org = await db
          .insertInto('organisations')
          .values({ name: 'Fictional Platform' })
          .returning('id')
          .executeTakeFirstOrThrow();
        const { key, record } = await createApiKey(db, { name: 'platform', scope: 'read', orgId: org.id });
        await createApiKey(db, { name: 'global', scope: 'write' });
        assert.deepEqual(
          (await listApiKeys(db, { orgId: org.id })).map((k) => k.name),
          ['platform'],
        );
        assert.deepEqual(
          (await listApiKeys(db, { orgId: null })).map((k) => k.name),
          ['global'],
        );

        const first = (await verifyApiKey(db, key))!.lastUsedAt!;
        const second = (await verifyApiKey(db, key))!.lastUsedAt!;
        assert.deepEqual(second, first, 'a second use within the minute writes nothing');
        await sql`update api_keys set last_used_at = now() - interval '2 minutes' where id = ${record.id}`.execute(db);
        const third = (await verifyApiKey(db, key))!.lastUsedAt!;
        assert.ok(third > first);

        await assert.rejects(createApiKey(db, { name: '', scope: 'read' }), (err) => isBankError(err, 'validation'));
        await assert.rejects(createApiKey(db, { name: 'x', scope: 'admin' } as never), (err) =>
          isBankError(err, 'validation'),
        );
      });
    });
  });
}
