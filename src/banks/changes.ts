/**
 * The signal change feed: one `signal_changes` row per signal that became matchable
 * ('add') or stopped being matchable ('remove'), written in the same transaction as
 * the change itself. Followers read rows with seq greater than the last they saw.
 *
 * Ordering: a bigserial hands out numbers at insert time, not at commit time. If two
 * writers overlapped, seq 6 could commit before seq 5 and a follower that had read 6
 * would never see 5. So every feed-writing transaction first takes one transaction-
 * scoped advisory lock (per schema): writers serialize, and seq order is commit order.
 * Bank writes are rare next to matching, so the serialization costs nothing that matters.
 */
import { type Expression, type Kysely, type SqlBool, sql, type Transaction } from 'kysely';
import type { ChangeOp, Schema, SignalType } from '../db/schema.js';

export const SIGNAL_CHANGES_CHANNEL = 'perisai_signal_changes';

const FEED_LOCK_CLASS = 0x50534331; // "PSC1"

export interface SignalChange {
  seq: number;
  op: ChangeOp;
  signalId: number;
  contentId: number;
  bankId: number;
  at: Date;
  /** The signal as stored now; null once it has been deleted (bank deleted). */
  signal: { type: SignalType; hash: Buffer; quality: number | null } | null;
}

/** Appends change rows inside a feed-writing transaction. */
export interface FeedWriter {
  /** Every signal of these content items. */
  content(contentIds: readonly number[], op: ChangeOp): Promise<void>;
  /** Every signal of a bank whose content is matchable (content status, not bank state). */
  matchableInBank(bankId: number, op: ChangeOp): Promise<void>;
}

/**
 * SQL predicate: content `c` is matchable by its own state. The bank's `enabled` flag
 * is checked separately. A disable with a past `disabled_until` has already run out.
 */
export function contentIsMatchable(alias: string): Expression<SqlBool> {
  const c = sql.table(alias);
  return sql<SqlBool>`(${c}.status = 'active' or (${c}.status = 'disabled' and ${c}.disabled_until <= now()))`;
}

/**
 * Runs `fn` in a transaction holding the feed lock, and wakes followers on commit.
 * Given a transaction already, joins it (the caller commits).
 */
export async function withFeed<T>(
  db: Kysely<Schema>,
  fn: (trx: Kysely<Schema>, feed: FeedWriter) => Promise<T>,
): Promise<T> {
  if (db.isTransaction) return runLocked(db as Transaction<Schema>, fn);
  return db.transaction().execute((trx) => runLocked(trx, fn));
}

async function runLocked<T>(
  trx: Transaction<Schema>,
  fn: (trx: Kysely<Schema>, feed: FeedWriter) => Promise<T>,
): Promise<T> {
  await sql`select pg_advisory_xact_lock(${FEED_LOCK_CLASS}::int, hashtext(coalesce(current_schema(), '')))`.execute(
    trx,
  );
  let appended = 0;
  const feed: FeedWriter = {
    async content(contentIds, op) {
      if (contentIds.length === 0) return;
      const result = await trx
        .insertInto('signal_changes')
        .columns(['signal_id', 'content_id', 'bank_id', 'op'])
        .expression((eb) =>
          eb
            .selectFrom('signals')
            .select(['id', 'content_id', 'bank_id', sql.lit(op).as('op')])
            // One array parameter, not one parameter per id: bulk imports pass thousands.
            .where(sql<SqlBool>`content_id = any(${contentIds.map(String)}::bigint[])`)
            .orderBy('id'),
        )
        .executeTakeFirst();
      appended += Number(result.numInsertedOrUpdatedRows ?? 0n);
    },
    async matchableInBank(bankId, op) {
      const result = await trx
        .insertInto('signal_changes')
        .columns(['signal_id', 'content_id', 'bank_id', 'op'])
        .expression((eb) =>
          eb
            .selectFrom('signals as s')
            .innerJoin('bank_content as c', 'c.id', 's.content_id')
            .select(['s.id', 's.content_id', 's.bank_id', sql.lit(op).as('op')])
            .where('s.bank_id', '=', bankId)
            .where(contentIsMatchable('c'))
            .orderBy('s.id'),
        )
        .executeTakeFirst();
      appended += Number(result.numInsertedOrUpdatedRows ?? 0n);
    },
  };
  const value = await fn(trx, feed);
  // Delivered at commit, and only if the transaction commits.
  if (appended > 0) await sql`select pg_notify(${SIGNAL_CHANGES_CHANNEL}, '')`.execute(trx);
  return value;
}

/** Changes after `afterSeq`, oldest first, at most `limit`. */
export async function readChanges(db: Kysely<Schema>, afterSeq: number, limit = 1000): Promise<SignalChange[]> {
  const rows = await db
    .selectFrom('signal_changes as ch')
    .leftJoin('signals as s', 's.id', 'ch.signal_id')
    .select([
      'ch.seq',
      'ch.op',
      'ch.signal_id',
      'ch.content_id',
      'ch.bank_id',
      'ch.at',
      's.type',
      's.hash',
      's.quality',
    ])
    .where('ch.seq', '>', afterSeq)
    .orderBy('ch.seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    seq: r.seq,
    op: r.op,
    signalId: r.signal_id,
    contentId: r.content_id,
    bankId: r.bank_id,
    at: r.at,
    signal: r.type !== null && r.hash !== null ? { type: r.type, hash: r.hash, quality: r.quality } : null,
  }));
}

/** The newest seq, or 0 for an empty feed. Take it before loading the index, then follow from it. */
export async function latestChangeSeq(db: Kysely<Schema>): Promise<number> {
  const row = await db
    .selectFrom('signal_changes')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}
