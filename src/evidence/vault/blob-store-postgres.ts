/**
 * Sealed blobs in the database (evidence_blobs), for deployments where several machines
 * share one PostgreSQL and no shared folder. Works the same on PGlite. A put commits
 * before it returns, so it is as durable as the database.
 */
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../../db/schema.js';
import { assertBlobName, type BlobInfo, type BlobStore } from './blob-store.js';

const LIST_PAGE = 1000;

export class PostgresBlobStore implements BlobStore {
  constructor(private readonly db: Kysely<Schema>) {}

  async put(name: string, bytes: Uint8Array): Promise<void> {
    assertBlobName(name);
    // The first write wins and is never replaced; a repeat only refreshes its time.
    await this.db
      .insertInto('evidence_blobs')
      .values({ name, data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) })
      .onConflict((oc) => oc.column('name').doUpdateSet({ touched_at: sql`now()` }))
      .execute();
  }

  async get(name: string): Promise<Uint8Array | null> {
    assertBlobName(name);
    const row = await this.db.selectFrom('evidence_blobs').select('data').where('name', '=', name).executeTakeFirst();
    return row?.data ?? null;
  }

  async has(name: string): Promise<boolean> {
    assertBlobName(name);
    const row = await this.db.selectFrom('evidence_blobs').select('name').where('name', '=', name).executeTakeFirst();
    return row !== undefined;
  }

  async touch(name: string): Promise<boolean> {
    assertBlobName(name);
    const result = await this.db
      .updateTable('evidence_blobs')
      .set({ touched_at: sql`now()` })
      .where('name', '=', name)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async *list(): AsyncIterable<BlobInfo> {
    let after = '';
    for (;;) {
      const page = await this.db
        .selectFrom('evidence_blobs')
        .select(['name', 'touched_at'])
        .where('name', '>', after)
        .orderBy('name')
        .limit(LIST_PAGE)
        .execute();
      for (const row of page) yield { name: row.name, touchedAt: row.touched_at };
      if (page.length < LIST_PAGE) return;
      after = page[page.length - 1]!.name;
    }
  }

  /** One statement: a concurrent put's touch either lands first (the row survives) or finds no row and inserts. */
  async deleteIfUntouched(name: string, notTouchedSince: Date): Promise<boolean> {
    assertBlobName(name);
    const result = await this.db
      .deleteFrom('evidence_blobs')
      .where('name', '=', name)
      .where('touched_at', '<', notTouchedSince)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
