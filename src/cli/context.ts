/** Shared CLI plumbing: where the data lives, and opening the database there. */
import { resolve } from 'node:path';
import { type Database, databaseOptionsFromEnv, openDatabase } from '../db/open.js';

/** `--data DIR` (default $PERISAI_DATA_DIR or ./data). DATABASE_URL, when set, wins for the database. */
export function dataDirOf(flag: string | undefined): string {
  return resolve(flag ?? process.env.PERISAI_DATA_DIR ?? './data');
}

export async function openCliDatabase(dataFlag: string | undefined): Promise<Database> {
  return openDatabase({ dataDir: dataDirOf(dataFlag), ...databaseOptionsFromEnv() });
}

/** Runs `fn` with an open database and always closes it. */
export async function withDatabase<T>(
  dataFlag: string | undefined,
  fn: (database: Database) => Promise<T>,
): Promise<T> {
  const database = await openCliDatabase(dataFlag);
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}
