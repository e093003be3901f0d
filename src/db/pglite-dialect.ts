/**
 * A Kysely dialect over an embedded PGlite instance.
 *
 * PGlite is one Postgres backend, i.e. one session. Kysely's transactions are plain
 * BEGIN/COMMIT on that session, so a query from anywhere else running between them
 * would silently join the open transaction. The driver therefore hands out its single
 * connection under a mutex: queries and whole transactions run one at a time.
 *
 * Consequence for callers: inside `db.transaction().execute(trx => ...)` use `trx`
 * only. A query on the outer `db` waits for the mutex the transaction holds: deadlock.
 */
import type { PGlite, Results } from '@electric-sql/pglite';
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

/** A FIFO async mutex; `lock()` resolves with the function that releases it. */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  lock(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const acquired = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => held);
    return acquired;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.lock();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

const DML_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

class PGliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    // Without parameters use the simple protocol, as node-postgres does, so that
    // multi-statement SQL (migrations, pg-boss) behaves the same on both databases.
    const result =
      compiled.parameters.length === 0
        ? lastResult(await this.#pglite.exec(compiled.sql))
        : await this.#pglite.query<R>(compiled.sql, [...compiled.parameters]);
    const { command, rowCount } = result;
    return {
      rows: result.rows as R[],
      numAffectedRows: command !== undefined && DML_COMMANDS.has(command) ? BigInt(rowCount ?? 0) : undefined,
    };
  }

  // PGlite has no cursors over its API; results arrive whole, so "streaming" only chunks them.
  async *streamQuery<R>(compiled: CompiledQuery, chunkSize = 1000): AsyncIterableIterator<QueryResult<R>> {
    const { rows } = await this.executeQuery<R>(compiled);
    for (let i = 0; i < rows.length; i += chunkSize) yield { rows: rows.slice(i, i + chunkSize) };
  }
}

function lastResult(results: Results[]): Results {
  return results[results.length - 1] ?? { rows: [], fields: [], affectedRows: 0 };
}

class PGliteDriver implements Driver {
  readonly #pglite: PGlite;
  readonly #mutex: Mutex;
  readonly #connection: PGliteConnection;
  #release: (() => void) | undefined;
  readonly #closeOnDestroy: boolean;
  #destroyed = false;

  constructor(pglite: PGlite, mutex: Mutex, closeOnDestroy: boolean) {
    this.#pglite = pglite;
    this.#mutex = mutex;
    this.#connection = new PGliteConnection(pglite);
    this.#closeOnDestroy = closeOnDestroy;
  }

  async init(): Promise<void> {
    await this.#pglite.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.#mutex.lock();
    if (this.#destroyed) {
      release();
      throw new Error('the database has been closed');
    }
    this.#release = release;
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    let text = 'begin';
    if (settings.isolationLevel) text += ` isolation level ${settings.isolationLevel}`;
    if (settings.accessMode) text += ` ${settings.accessMode}`;
    await connection.executeQuery(CompiledQuery.raw(text));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async destroy(): Promise<void> {
    // Let the query or transaction in flight finish; anyone queued behind gets an error.
    const release = await this.#mutex.lock();
    try {
      if (this.#destroyed) return;
      this.#destroyed = true;
      if (this.#closeOnDestroy && !this.#pglite.closed) await this.#pglite.close();
    } finally {
      release();
    }
  }
}

export interface PGliteDialectConfig {
  pglite: PGlite;
  /** Shared with anything else that must not interleave with Kysely's queries. */
  mutex?: Mutex;
  /** Close the PGlite instance when Kysely is destroyed (default true). */
  closeOnDestroy?: boolean;
}

export class PGliteDialect implements Dialect {
  readonly #config: PGliteDialectConfig;

  constructor(config: PGliteDialectConfig) {
    this.#config = config;
  }

  createDriver(): Driver {
    const { pglite, mutex = new Mutex(), closeOnDestroy = true } = this.#config;
    return new PGliteDriver(pglite, mutex, closeOnDestroy);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}
