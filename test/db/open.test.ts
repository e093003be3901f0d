import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { isConcurrentDrop, migrate } from '../../src/db/migrate.js';
import { MIGRATIONS } from '../../src/db/migrations/index.js';
import { openDatabase, sql } from '../../src/db/open.js';
import { databaseVariants, eventually } from '../support/db.js';

const MIGRATION_NAMES = Object.keys(MIGRATIONS);

for (const variant of databaseVariants()) {
  describe(`database (${variant.name})`, { skip: variant.skip }, () => {
    after(() => variant.dispose());

    test('opening twice migrates once and keeps the data', async () => {
      const store = await variant.newStore();
      try {
        const first = await openDatabase(store.options);
        assert.equal(first.kind, variant.name);
        await first.db.insertInto('organisations').values({ name: 'Fictional Helpline' }).execute();
        await first.close();
        await assert.rejects(first.db.selectFrom('organisations').selectAll().execute(), 'closed means closed');

        const second = await openDatabase(store.options);
        try {
          assert.deepEqual(await migrate(second.db, schemaOf(store.options)), [], 'nothing left to apply');
          const applied = await sql<{ name: string }>`select name from perisai_migrations order by name`.execute(
            second.db,
          );
          assert.deepEqual(
            applied.rows.map((r) => r.name),
            MIGRATION_NAMES,
          );
          const orgs = await second.db.selectFrom('organisations').select('name').execute();
          assert.deepEqual(orgs, [{ name: 'Fictional Helpline' }]);
        } finally {
          await second.close();
        }
      } finally {
        await store.cleanup();
      }
    });

    test('values come back as the same JS types', async () => {
      await variant.run(async ({ db }) => {
        const { rows } = await sql<{ n: unknown; b: unknown; t: unknown; j: unknown; count: unknown }>`
          select 9007199254740991::int8 as n, ${Buffer.from([0, 255])}::bytea as b, now() as t,
                 ${JSON.stringify({ a: [1] })}::jsonb as j, (select count(*) from banks) as count`.execute(db);
        const row = rows[0]!;
        assert.equal(row.n, Number.MAX_SAFE_INTEGER);
        assert.ok(Buffer.isBuffer(row.b));
        assert.deepEqual([...(row.b as Buffer)], [0, 255]);
        assert.ok(row.t instanceof Date);
        assert.deepEqual(row.j, { a: [1] });
        assert.equal(row.count, 0);
      });
    });

    test('a rolled-back transaction does not swallow concurrent writes', async () => {
      await variant.run(async ({ db }) => {
        // On PGlite's single session, a write issued while another transaction is open
        // would join that transaction and vanish with its rollback, unless serialized.
        let entered!: () => void;
        const inside = new Promise<void>((resolve) => {
          entered = resolve;
        });
        const failing = db.transaction().execute(async (trx) => {
          await trx.insertInto('organisations').values({ name: 'rolled back' }).execute();
          entered();
          await new Promise((resolve) => setTimeout(resolve, 50));
          throw new Error('abort');
        });
        await inside;
        const concurrent = db.insertInto('organisations').values({ name: 'kept' }).execute();
        await assert.rejects(failing, /abort/);
        await concurrent;
        const names = await db.selectFrom('organisations').select('name').execute();
        assert.deepEqual(names, [{ name: 'kept' }]);
      });
    });

    test('executeSql runs raw parameterised and multi-statement SQL', async () => {
      await variant.run(async (database) => {
        const { rows } = await database.executeSql('select $1::int + 1 as n', [41]);
        assert.deepEqual(rows, [{ n: 42 }]);
        await database.executeSql(
          "insert into organisations (name) values ('a'); insert into organisations (name) values ('b')",
        );
        const count = await database.db
          .selectFrom('organisations')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirst();
        assert.equal(count?.n, 2);
      });
    });

    test('listen receives a notification sent at commit', async () => {
      await variant.run(async (database) => {
        const payloads: string[] = [];
        const listener = await database.listen('perisai_test_channel', (p) => payloads.push(p));
        try {
          await database.db.transaction().execute(async (trx) => {
            await sql`select pg_notify('perisai_test_channel', 'hello')`.execute(trx);
          });
          await eventually(() => payloads.length > 0, 15_000, 'notification');
          assert.deepEqual(payloads, ['hello']);
        } finally {
          await listener.close();
        }
      });
    });

    if (variant.name === 'postgres') {
      test('two processes opening one new schema at once both succeed', async () => {
        const store = await variant.newStore();
        try {
          const [a, b] = await Promise.all([openDatabase(store.options), openDatabase(store.options)]);
          try {
            const applied = await sql<{ name: string }>`select name from perisai_migrations`.execute(a.db);
            assert.equal(applied.rows.length, MIGRATION_NAMES.length);
            await a.db.insertInto('organisations').values({ name: 'shared' }).execute();
            const seen = await b.db.selectFrom('organisations').select('name').execute();
            assert.deepEqual(seen, [{ name: 'shared' }]);
          } finally {
            await Promise.all([a.close(), b.close()]);
          }
        } finally {
          await store.cleanup();
        }
      });

      test('migrating is not thrown off by other schemas being dropped meanwhile', async () => {
        // Test files run in parallel, each dropping its schemas; Kysely's migrator
        // introspects every schema, so a drop mid-query must be retried, not fatal.
        const churn = await Promise.all(Array.from({ length: 6 }, () => variant.newStore()));
        let stop = false;
        const dropper = (async () => {
          while (!stop) {
            for (const other of churn) {
              const opened = await openDatabase(other.options);
              await opened.close();
              await other.cleanup();
            }
          }
        })();
        try {
          for (let i = 0; i < 8; i++) {
            const store = await variant.newStore();
            try {
              const database = await openDatabase(store.options);
              await database.close();
            } finally {
              await store.cleanup();
            }
          }
        } finally {
          stop = true;
          await dropper;
        }
      });
    }
  });
}

test('openDatabase rejects an unsafe schema name', async () => {
  await assert.rejects(openDatabase({ databaseUrl: 'postgres://unused', schema: 'x; drop table y' }), /invalid schema/);
});

function schemaOf(options: { schema?: string }): { schema?: string } {
  return options.schema ? { schema: options.schema } : {};
}

test('only errors of objects dropped by another client are retried when migrating', () => {
  const pg = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(code), { code, ...extra });
  const wrapped = (cause: unknown) => new Error('database migration unknown failed', { cause });
  assert.ok(isConcurrentDrop(wrapped(pg('42P01'))));
  assert.ok(isConcurrentDrop(wrapped(pg('3F000'))));
  assert.ok(isConcurrentDrop(pg('XX000', { message: 'cache lookup failed for relation 123' })));
  assert.ok(isConcurrentDrop(wrapped(pg('42703', { routine: 'pg_get_serial_sequence' }))));
  // A migration's own missing column, a syntax error, a permission error: real failures.
  assert.ok(!isConcurrentDrop(wrapped(pg('42703', { routine: 'errorMissingColumn' }))));
  assert.ok(!isConcurrentDrop(pg('42601')));
  assert.ok(!isConcurrentDrop(pg('42501')));
  assert.ok(!isConcurrentDrop(new Error('plain')));
});
