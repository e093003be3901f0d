/**
 * Runs the migrations in migrations/index.ts up to the latest.
 *
 * Several worker processes may start against one PostgreSQL at the same moment.
 * Kysely's Migrator locks only around applying migrations, not around creating its
 * own bookkeeping tables, so the whole run (schema creation included) happens on one
 * session holding a Postgres advisory lock keyed by the target schema. Two openers
 * of the same schema serialize; the second finds nothing left to do.
 */
import { type Kysely, Migrator, sql } from 'kysely';
import { migrationProvider } from './migrations/index.js';

/** First key of the two-key advisory lock; the second is a hash of the schema name. */
const MIGRATION_LOCK_CLASS = 0x50524d31; // "PRM1"

export const MIGRATION_TABLE = 'perisai_migrations';

export interface MigrateOptions {
  /** Create this schema first if it is missing (it must also be first on search_path). */
  schema?: string;
}

/** Migrates to the latest version; returns the names of the migrations it applied. */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before any table type exists
export async function migrate(db: Kysely<any>, options: MigrateOptions = {}): Promise<string[]> {
  return db.connection().execute(async (session) => {
    const schema = options.schema ?? null;
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_CLASS}::int, hashtext(coalesce(${schema}::text, current_schema(), '')))`.execute(
      session,
    );
    try {
      if (options.schema) await sql`create schema if not exists ${sql.id(options.schema)}`.execute(session);
      const target = options.schema ?? (await currentSchema(session));
      // Kysely's migrator introspects the tables of every schema; a table or schema that
      // another client drops at that moment is not our failure: look again.
      for (let attempt = 1; ; attempt++) {
        try {
          return await migrateLocked(session, target);
        } catch (err) {
          if (attempt >= 10 || !isConcurrentDrop(err)) throw err;
        }
      }
    } finally {
      // current_schema() may have changed once the schema exists; drop every lock we hold.
      await sql`select pg_advisory_unlock_all()`.execute(session);
    }
  });
}

// biome-ignore lint/suspicious/noExplicitAny: see migrate
async function migrateLocked(session: Kysely<any>, schema: string): Promise<string[]> {
  const migrator = new Migrator({
    db: session,
    provider: migrationProvider,
    // Named explicitly: without it Kysely looks for its tables in every schema and
    // would take another schema's bookkeeping (another tenant, another test) for ours.
    migrationTableSchema: schema,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: `${MIGRATION_TABLE}_lock`,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${describe(error)}`, { cause: error });
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

// biome-ignore lint/suspicious/noExplicitAny: see migrate
async function currentSchema(session: Kysely<any>): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(session);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('no schema on search_path exists to hold the tables; create one or pass `schema`');
  return schema;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * 42P01 undefined table, 3F000 undefined schema, XX000 "cache lookup failed" for a
 * dropped relation, 42703 from the introspection on a column being dropped.
 */
export function isConcurrentDrop(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    const { code, message, routine } = e as { code?: unknown; message?: unknown; routine?: unknown };
    if (code === '42P01' || code === '3F000') return true;
    // The introspection's pg_get_serial_sequence() on a column another client is dropping.
    if (code === '42703' && routine === 'pg_get_serial_sequence') return true;
    if (code === 'XX000' && typeof message === 'string' && message.includes('cache lookup failed')) return true;
  }
  return false;
}
