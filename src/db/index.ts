/** Storage: open the database (PGlite or PostgreSQL), migrations, table types. */
export * from './migrate.js';
export * from './open.js';
export { Mutex, PGliteDialect, type PGliteDialectConfig } from './pglite-dialect.js';
export * from './schema.js';
