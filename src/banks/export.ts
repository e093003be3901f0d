/**
 * Reading a bank's content page by page: for the admin console, and for export to
 * other systems. Exports include withdrawn items as tombstones (status 'withdrawn',
 * `updatedAt` = when it was withdrawn) so that a receiver can delete its copies.
 */
import type { Kysely } from 'kysely';
import type { ContentStatus, Schema } from '../db/schema.js';
import { type BankContent, loadContent } from './content.js';
import { notFound } from './errors.js';

export interface ContentPageOptions {
  /** Content ids greater than this (the last id of the previous page). */
  afterContentId?: number;
  limit?: number;
  /** Only these statuses (default all, tombstones included). */
  statuses?: readonly ContentStatus[];
  /** Only items changed after this time, for incremental exports. */
  updatedAfter?: Date;
}

/** One page of a bank's content in id order, with signals. Throws if the bank is missing. */
export async function listBankContent(
  db: Kysely<Schema>,
  bankName: string,
  options: ContentPageOptions = {},
): Promise<BankContent[]> {
  const bank = await db.selectFrom('banks').select('id').where('name', '=', bankName).executeTakeFirst();
  if (!bank) throw notFound(`bank ${bankName}`);
  let query = db
    .selectFrom('bank_content')
    .select('id')
    .where('bank_id', '=', bank.id)
    .where('id', '>', options.afterContentId ?? 0)
    .orderBy('id')
    .limit(Math.max(1, Math.floor(options.limit ?? 500)));
  if (options.statuses && options.statuses.length > 0) query = query.where('status', 'in', options.statuses);
  if (options.updatedAfter) query = query.where('updated_at', '>', options.updatedAfter);
  const ids = await query.execute();
  return loadContent(
    db,
    ids.map((r) => r.id),
  );
}

/**
 * Every item of a bank, tombstones included unless `statuses` says otherwise.
 * Not a snapshot: items written while iterating may or may not appear. For an
 * incremental export, remember the largest `updatedAt` seen and pass it next time.
 */
export async function* iterateBankContent(
  db: Kysely<Schema>,
  bankName: string,
  options: Omit<ContentPageOptions, 'afterContentId'> = {},
): AsyncGenerator<BankContent> {
  const limit = options.limit ?? 500;
  let afterContentId = 0;
  for (;;) {
    const page = await listBankContent(db, bankName, { ...options, afterContentId, limit });
    yield* page;
    if (page.length < limit) return;
    afterContentId = page[page.length - 1]!.id;
  }
}
