/**
 * Reads for the in-memory matching index: every matchable signal, in id order, in
 * large keyset pages. Loading 10M signals is a few hundred page queries; each uses
 * the signals primary key to seek past the previous page (no OFFSET rescans), and
 * rows come back already shaped as IndexSignal with the hash as raw bytes.
 *
 * To build an index and keep it current without gaps:
 *   1. seq = latestChangeSeq(db)          (before loading)
 *   2. load every page of iterateSignalsForIndex(db)
 *   3. follow the feed from seq (ChangeFollower), applying add/remove idempotently
 *      by signal id: changes made during the load are replayed, never lost.
 */
import { type Kysely, type SqlBool, sql } from 'kysely';
import type { Schema, SignalType } from '../db/schema.js';
import { contentIsMatchable } from './changes.js';
import { parseHashHex } from './hashes.js';

export interface IndexSignal {
  signalId: number;
  bankId: number;
  contentId: number;
  type: SignalType;
  hash: Buffer;
  quality: number | null;
}

export interface IndexPageOptions {
  /** Return signals with id greater than this (the last signalId of the previous page). */
  afterSignalId?: number;
  limit: number;
  /** Only these signal types (default all). */
  types?: readonly SignalType[];
}

export const DEFAULT_INDEX_PAGE = 50_000;

/** One page of matchable signals in id order. An empty or short page means the end. */
export async function listSignalsForIndex(db: Kysely<Schema>, options: IndexPageOptions): Promise<IndexSignal[]> {
  let query = db
    .selectFrom('signals as s')
    .innerJoin('bank_content as c', 'c.id', 's.content_id')
    .innerJoin('banks as b', 'b.id', 's.bank_id')
    .select(['s.id as signalId', 's.bank_id as bankId', 's.content_id as contentId', 's.type', 's.hash', 's.quality'])
    .where('s.id', '>', options.afterSignalId ?? 0)
    .where('b.enabled', '=', true)
    .where(contentIsMatchable('c'))
    .orderBy('s.id')
    .limit(Math.max(1, Math.floor(options.limit)));
  if (options.types && options.types.length > 0) query = query.where('s.type', 'in', options.types);
  return query.execute();
}

/** Every matchable signal, page by page. */
export async function* iterateSignalsForIndex(
  db: Kysely<Schema>,
  options: { pageSize?: number; types?: readonly SignalType[] } = {},
): AsyncGenerator<IndexSignal[]> {
  const limit = options.pageSize ?? DEFAULT_INDEX_PAGE;
  let afterSignalId = 0;
  for (;;) {
    const page = await listSignalsForIndex(db, {
      afterSignalId,
      limit,
      ...(options.types ? { types: options.types } : {}),
    });
    if (page.length === 0) return;
    yield page;
    if (page.length < limit) return;
    afterSignalId = page[page.length - 1]!.signalId;
  }
}

/**
 * Exact lookup by hash through the (type, hash) index, e.g. MD5/SHA-256 file matches.
 * Throws a ZodError for malformed hex.
 */
export async function findSignalsByHash(
  db: Kysely<Schema>,
  type: SignalType,
  hashHex: string,
  options: { matchableOnly?: boolean } = {},
): Promise<IndexSignal[]> {
  const hash = parseHashHex(type, hashHex);
  let query = db
    .selectFrom('signals as s')
    .innerJoin('bank_content as c', 'c.id', 's.content_id')
    .innerJoin('banks as b', 'b.id', 's.bank_id')
    .select(['s.id as signalId', 's.bank_id as bankId', 's.content_id as contentId', 's.type', 's.hash', 's.quality'])
    .where('s.type', '=', type)
    .where('s.hash', '=', hash)
    .orderBy('s.id');
  if (options.matchableOnly ?? true) query = query.where('b.enabled', '=', true).where(contentIsMatchable('c'));
  return query.execute();
}

export interface VpdqFrame {
  frameNumber: number;
  quality: number;
  hash: Buffer;
  timestampS: number;
}

export async function getVpdqFrames(db: Kysely<Schema>, signalId: number): Promise<VpdqFrame[]> {
  return db
    .selectFrom('vpdq_frames')
    .select(['frame_number as frameNumber', 'quality', 'hash', 'timestamp_s as timestampS'])
    .where('signal_id', '=', signalId)
    .orderBy('frame_number')
    .execute();
}

/** Count of matchable signals per type, for status pages and sizing the index. */
export async function countMatchableSignals(db: Kysely<Schema>): Promise<Record<SignalType, number>> {
  const rows = await db
    .selectFrom('signals as s')
    .innerJoin('bank_content as c', 'c.id', 's.content_id')
    .innerJoin('banks as b', 'b.id', 's.bank_id')
    .select(['s.type', sql<number>`count(*)`.as('n')])
    .where('b.enabled', '=', true)
    .where(contentIsMatchable('c'))
    .groupBy('s.type')
    .execute();
  const counts: Record<SignalType, number> = { pdq: 0, md5: 0, sha256: 0, vpdq: 0 };
  for (const r of rows) counts[r.type] = Number(r.n);
  return counts;
}

/** Frames of many vPDQ signals at once (one array parameter), grouped by signal, in frame order. */
export async function getVpdqFramesBySignal(
  db: Kysely<Schema>,
  signalIds: readonly number[],
): Promise<Map<number, VpdqFrame[]>> {
  const out = new Map<number, VpdqFrame[]>();
  if (signalIds.length === 0) return out;
  const rows = await db
    .selectFrom('vpdq_frames')
    .select(['signal_id as signalId', 'frame_number as frameNumber', 'quality', 'hash', 'timestamp_s as timestampS'])
    .where(sql<SqlBool>`signal_id = any(${signalIds.map(String)}::bigint[])`)
    .orderBy('signal_id')
    .orderBy('frame_number')
    .execute();
  for (const { signalId, ...frame } of rows) {
    const list = out.get(signalId) ?? [];
    out.set(signalId, list);
    list.push(frame);
  }
  return out;
}
