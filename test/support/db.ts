/**
 * The databases repository tests run against: PGlite always, PostgreSQL when
 * PERISAI_TEST_DATABASE_URL is set. Without the URL the PostgreSQL variant skips
 * locally and fails under CI=true.
 *
 * Isolation: on PostgreSQL every store is its own random schema, dropped afterwards,
 * so test files can run in parallel against one database. On PGlite a test file
 * shares one instance (startup costs seconds) and each test starts from truncated
 * tables. New PGlite stores are copies of one initdb'ed template kept in the temp
 * folder, already migrated, because initdb and migrating are by far the slowest part of opening PGlite.
 */
import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { MIGRATIONS } from '../../src/db/migrations/index.js';
import { type Database, type DatabaseKind, type OpenDatabaseOptions, openDatabase, sql } from '../../src/db/open.js';
import { TABLES } from '../../src/db/schema.js';
import { IN_CI, PROJECT_ROOT } from './env.js';

export const TEST_DATABASE_URL = process.env.PERISAI_TEST_DATABASE_URL;

/** Options for openDatabase that point at a brand-new store, and how to remove it. */
export interface TestStore {
  options: OpenDatabaseOptions;
  cleanup(): Promise<void>;
}

export interface DatabaseVariant {
  readonly name: DatabaseKind;
  /** For node:test's `skip` option on the variant's describe(). */
  readonly skip: string | false;
  /** Runs `fn` with a database whose tables are empty. */
  run<T>(fn: (database: Database) => Promise<T>): Promise<T>;
  /** A store of its own (own folder or schema), for tests that open and close themselves. */
  newStore(): Promise<TestStore>;
  /** Releases what the variant holds; call from after(). */
  dispose(): Promise<void>;
}

export function databaseVariants(): DatabaseVariant[] {
  return [pgliteVariant(), postgresVariant()];
}

// ---- PGlite ----

function pgliteVariant(): DatabaseVariant {
  let shared: Promise<{ database: Database; store: TestStore }> | undefined;
  const open = async () => {
    const store = await newPGliteStore();
    return { database: await openDatabase(store.options), store };
  };
  return {
    name: 'pglite',
    skip: false,
    async run(fn) {
      shared ??= open();
      const { database } = await shared;
      await truncateAll(database);
      return fn(database);
    },
    newStore: newPGliteStore,
    async dispose() {
      if (!shared) return;
      const { database, store } = await shared;
      shared = undefined;
      await database.close();
      await store.cleanup();
    },
  };
}

async function truncateAll(database: Database): Promise<void> {
  const tables = sql.join(TABLES.map((t) => sql.table(t)));
  await sql`truncate table ${tables} restart identity cascade`.execute(database.db);
}

async function newPGliteStore(): Promise<TestStore> {
  const template = await pgliteTemplate();
  const dataDir = await mkdtemp(join(tmpdir(), 'perisai-test-'));
  await cp(template, join(dataDir, 'pg'), { recursive: true });
  return { options: { dataDir }, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
}

let templatePath: Promise<string> | undefined;

/**
 * An initdb'ed and migrated PGlite data folder, built once per PGlite version and
 * migration list: opening a copy then finds nothing to migrate, which saves every
 * test file the seconds that initdb and ten migrations take.
 */
function pgliteTemplate(): Promise<string> {
  templatePath ??= (async () => {
    const pkg = JSON.parse(
      await readFile(join(PROJECT_ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8'),
    ) as { version: string };
    const migrations = createHash('sha256').update(Object.keys(MIGRATIONS).join('\n')).digest('hex').slice(0, 12);
    const dir = join(tmpdir(), `perisai-pglite-template-${pkg.version}-${migrations}`);
    if (await exists(dir)) return dir;
    // Build beside it and rename: concurrent test processes never see a half-built folder.
    const building = join(tmpdir(), `perisai-pglite-building-${process.pid}-${randomBytes(4).toString('hex')}`);
    const database = await openDatabase({ dataDir: building });
    await database.close();
    try {
      await rename(join(building, 'pg'), dir);
    } catch {
      // another process won the race
    }
    await rm(building, { recursive: true, force: true });
    return dir;
  })();
  return templatePath;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

// ---- PostgreSQL ----

function postgresVariant(): DatabaseVariant {
  const url = TEST_DATABASE_URL;
  const missing =
    'PostgreSQL not configured: set PERISAI_TEST_DATABASE_URL (e.g. postgres://perisai:perisai@127.0.0.1:5432/perisai_test)';
  const requireUrl = (): string => {
    if (url) return url;
    throw new Error(`${missing} (CI=true: the PostgreSQL variant must not be skipped)`);
  };
  const newStore = async (): Promise<TestStore> => {
    const databaseUrl = requireUrl();
    const schema = `perisai_t_${process.pid}_${randomBytes(4).toString('hex')}`;
    return { options: { databaseUrl, schema }, cleanup: () => dropSchema(databaseUrl, schema) };
  };
  return {
    name: 'postgres',
    skip: url || IN_CI ? false : missing,
    async run(fn) {
      const store = await newStore();
      try {
        const database = await openDatabase(store.options);
        try {
          return await fn(database);
        } finally {
          await database.close();
        }
      } finally {
        await store.cleanup();
      }
    },
    newStore,
    async dispose() {},
  };
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${pg.escapeIdentifier(schema)} cascade`);
  } finally {
    await client.end();
  }
}

/** Resolves when `check` returns true; polls, and fails after `timeoutMs`. No timing is asserted. */
export async function eventually(check: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
