/**
 * Bank content: one reported item (an image, a video) holding one or more signals.
 *
 * Matchable means: bank enabled, and status 'active' or 'disabled' with a
 * `disabled_until` already past. Every write that flips that appends change rows
 * ('add'/'remove') for the item's signals in the same transaction (see changes.ts).
 *
 * 'withdrawn' is final: a withdrawal (often the victim's own) must not be undone by a
 * later edit. Withdrawn items stay in the table as tombstones for export.
 */
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { CONTENT_SOURCES, type ContentRow, type ContentStatus, type Schema, type SignalType } from '../db/schema.js';
import { requireBankForWrite } from './banks.js';
import { type FeedWriter, withFeed } from './changes.js';
import { BankError, notFound, validationError } from './errors.js';
import { type StoredSignalValues, signalInput, toStoredSignal } from './hashes.js';

export interface ContentSignal {
  id: number;
  type: SignalType;
  /** Lowercase hex (for vPDQ: the digest over its frames). */
  hash: string;
  quality: number | null;
  createdAt: Date;
}

export interface BankContent {
  id: number;
  bankId: number;
  bankName: string;
  note: string | null;
  metadata: Record<string, unknown>;
  source: (typeof CONTENT_SOURCES)[number];
  caseRef: string | null;
  status: ContentStatus;
  disabledUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
  signals: ContentSignal[];
}

const MAX_METADATA_BYTES = 64 * 1024;

const metadata = z
  .record(z.string(), z.unknown())
  .refine((m) => Buffer.byteLength(JSON.stringify(m)) <= MAX_METADATA_BYTES, 'metadata must be at most 64 KiB of JSON');
const note = z.string().max(10_000).nullable();

export const newContentInput = z.strictObject({
  note: note.optional(),
  metadata: metadata.optional(),
  source: z.enum(CONTENT_SOURCES),
  caseRef: z.string().trim().min(1).max(200).nullable().optional(),
  signals: z.array(signalInput).min(1).max(100),
});
export type NewContentInput = z.input<typeof newContentInput>;

export const contentPatchInput = z.strictObject({
  note: note.optional(),
  metadata: metadata.optional(),
  status: z.enum(['active', 'disabled', 'withdrawn']).optional(),
  /** With status 'disabled': until when (null or absent: until re-enabled). */
  disabledUntil: z.date().nullable().optional(),
});
export type ContentPatchInput = z.input<typeof contentPatchInput>;

/** Adds one item with its signals to a bank. */
export async function addContent(db: Kysely<Schema>, bankName: string, input: NewContentInput): Promise<BankContent> {
  const [item] = await importContent(db, bankName, [input]);
  return item!;
}

/** Adds many items to a bank in one transaction: all or none. */
export async function importContent(
  db: Kysely<Schema>,
  bankName: string,
  inputs: readonly NewContentInput[],
): Promise<BankContent[]> {
  const parsed = inputs.map((input, i) => {
    const result = newContentInput.safeParse(input);
    if (!result.success) throw validationError(inputs.length > 1 ? `content item ${i}` : 'content', result.error);
    return result.data;
  });
  const ids = await withFeed(db, async (trx, feed) => {
    const bank = await requireBankForWrite(trx, bankName);
    const added: number[] = [];
    for (const item of parsed) {
      const row = await trx
        .insertInto('bank_content')
        .values({
          bank_id: bank.id,
          note: item.note ?? null,
          metadata: JSON.stringify(item.metadata ?? {}),
          source: item.source,
          case_ref: item.caseRef ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await insertSignals(trx, bank.id, row.id, item.signals.map(toStoredSignal));
      added.push(row.id);
    }
    if (bank.enabled) await feed.content(added, 'add');
    return added;
  });
  return loadContent(db, ids);
}

async function insertSignals(
  trx: Kysely<Schema>,
  bankId: number,
  contentId: number,
  signals: StoredSignalValues[],
): Promise<void> {
  const plain = signals.filter((s) => s.frames.length === 0);
  if (plain.length > 0) {
    const rows = plain.map((s) => ({
      content_id: contentId,
      bank_id: bankId,
      type: s.type,
      hash: s.hash,
      quality: s.quality,
    }));
    await trx.insertInto('signals').values(rows).execute();
  }
  for (const video of signals.filter((s) => s.frames.length > 0)) {
    const { id } = await trx
      .insertInto('signals')
      .values({ content_id: contentId, bank_id: bankId, type: video.type, hash: video.hash, quality: video.quality })
      .returning('id')
      .executeTakeFirstOrThrow();
    // Postgres allows 65535 parameters per statement; 5 per frame.
    for (let i = 0; i < video.frames.length; i += 10_000) {
      const chunk = video.frames.slice(i, i + 10_000).map((f) => ({ signal_id: id, ...f }));
      await trx.insertInto('vpdq_frames').values(chunk).execute();
    }
  }
}

export async function getContent(db: Kysely<Schema>, id: number): Promise<BankContent | null> {
  const [item] = await loadContent(db, [id]);
  return item ?? null;
}

/** Edits note/metadata and moves status; see the module comment for what is allowed. */
export async function updateContent(db: Kysely<Schema>, id: number, patch: ContentPatchInput): Promise<BankContent> {
  const parsed = contentPatchInput.safeParse(patch);
  if (!parsed.success) throw validationError('content update', parsed.error);
  const p = parsed.data;
  await withFeed(db, async (trx, feed) => {
    const before = await lockContent(trx, id);
    const status = p.status ?? before.status;
    if (before.status === 'withdrawn' && status !== 'withdrawn') {
      throw new BankError('conflict', `content ${id} was withdrawn; a withdrawal cannot be undone`);
    }
    if (p.disabledUntil !== undefined && status !== 'disabled') {
      throw new BankError('validation', 'disabledUntil applies only to disabled content');
    }
    // Withdrawing twice must not move updated_at: exports use it as the tombstone time.
    if (isNoop(p, before)) return;
    const disabledUntil = status !== 'disabled' ? null : nextDisabledUntil(p, before);
    await trx
      .updateTable('bank_content')
      .set({
        note: p.note,
        metadata: p.metadata === undefined ? undefined : JSON.stringify(p.metadata),
        status,
        disabled_until: disabledUntil,
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', id)
      .execute();
    await recordTransition(feed, before, { status, disabled_until: disabledUntil });
  });
  return (await getContent(db, id))!;
}

function nextDisabledUntil(p: z.output<typeof contentPatchInput>, before: ContentRow): Date | null {
  if (p.disabledUntil !== undefined) return p.disabledUntil;
  // A fresh disable without a date is open-ended; an edit of other fields keeps the date.
  return p.status ? null : before.disabled_until;
}

function isNoop(p: z.output<typeof contentPatchInput>, before: ContentRow): boolean {
  return p.note === undefined && p.metadata === undefined && p.status === 'withdrawn' && before.status === 'withdrawn';
}

/** Withdraws an item for good; its signals leave the index. Idempotent. */
export function withdrawContent(db: Kysely<Schema>, id: number): Promise<BankContent> {
  return updateContent(db, id, { status: 'withdrawn' });
}

/** Stops matching an item until `until` (null: until re-enabled). A past `until` disables nothing. */
export function disableContent(db: Kysely<Schema>, id: number, until: Date | null = null): Promise<BankContent> {
  return updateContent(db, id, { status: 'disabled', disabledUntil: until });
}

export function enableContent(db: Kysely<Schema>, id: number): Promise<BankContent> {
  return updateContent(db, id, { status: 'active' });
}

/**
 * Turns temporary disables that have run out back into 'active' and announces their
 * signals on the feed. Run it periodically (a job, once a minute): without it the
 * index loader already counts such items as matchable, but followers learn of them
 * only from this sweep. Safe to run from several workers at once. Returns the count.
 */
export async function reactivateExpiredContent(db: Kysely<Schema>): Promise<number> {
  return withFeed(db, async (trx, feed) => {
    const rows = await trx
      .updateTable('bank_content')
      .set({ status: 'active', disabled_until: null, updated_at: sql<Date>`now()` })
      .where('status', '=', 'disabled')
      .where('disabled_until', '<=', sql<Date>`now()`)
      .returning(['id', 'bank_id'])
      .execute();
    if (rows.length === 0) return 0;
    const enabledBanks = await trx
      .selectFrom('banks')
      .select('id')
      .where('id', 'in', [...new Set(rows.map((r) => r.bank_id))])
      .where('enabled', '=', true)
      .execute();
    const enabled = new Set(enabledBanks.map((b) => b.id));
    // They were already matchable by time, but no 'add' was written when time ran out.
    await feed.content(
      rows.filter((r) => enabled.has(r.bank_id)).map((r) => r.id),
      'add',
    );
    return rows.length;
  });
}

type ContentState = Pick<ContentRow, 'status' | 'disabled_until'>;

async function lockContent(
  trx: Kysely<Schema>,
  id: number,
): Promise<ContentRow & { bank_enabled: boolean; db_now: Date }> {
  const row = await trx
    .selectFrom('bank_content as c')
    .innerJoin('banks as b', 'b.id', 'c.bank_id')
    .selectAll('c')
    .select(['b.enabled as bank_enabled', sql<Date>`now()`.as('db_now')])
    .where('c.id', '=', id)
    .forUpdate('c')
    .executeTakeFirst();
  if (!row) throw notFound(`content ${id}`);
  return row;
}

async function recordTransition(
  feed: FeedWriter,
  before: ContentRow & { bank_enabled: boolean; db_now: Date },
  after: ContentState,
): Promise<void> {
  if (!before.bank_enabled) return;
  const was = isMatchable(before, before.db_now);
  const is = isMatchable(after, before.db_now);
  if (was !== is) await feed.content([before.id], is ? 'add' : 'remove');
}

/** Mirrors contentIsMatchable() in changes.ts, evaluated at the database's `now`. */
export function isMatchable(state: ContentState, now: Date): boolean {
  if (state.status === 'active') return true;
  return state.status === 'disabled' && state.disabled_until !== null && state.disabled_until <= now;
}

// ---- reading ----

/** Items with their signals, in the order of `ids` (missing ids are skipped). */
export async function loadContent(db: Kysely<Schema>, ids: readonly number[]): Promise<BankContent[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('bank_content as c')
    .innerJoin('banks as b', 'b.id', 'c.bank_id')
    .selectAll('c')
    .select('b.name as bank_name')
    .where('c.id', 'in', ids)
    .execute();
  const signals = await loadSignals(db, ids);
  const byId = new Map(rows.map((r) => [r.id, toContent(r, signals.get(r.id) ?? [])]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

async function loadSignals(db: Kysely<Schema>, contentIds: readonly number[]): Promise<Map<number, ContentSignal[]>> {
  const rows = await db
    .selectFrom('signals')
    .select(['id', 'content_id', 'type', 'hash', 'quality', 'created_at'])
    .where('content_id', 'in', contentIds)
    .orderBy('id')
    .execute();
  const out = new Map<number, ContentSignal[]>();
  for (const r of rows) {
    const list = out.get(r.content_id) ?? [];
    list.push({ id: r.id, type: r.type, hash: r.hash.toString('hex'), quality: r.quality, createdAt: r.created_at });
    out.set(r.content_id, list);
  }
  return out;
}

function toContent(row: ContentRow & { bank_name: string }, signals: ContentSignal[]): BankContent {
  return {
    id: row.id,
    bankId: row.bank_id,
    bankName: row.bank_name,
    note: row.note,
    metadata: row.metadata,
    source: row.source,
    caseRef: row.case_ref,
    status: row.status,
    disabledUntil: row.disabled_until,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    signals,
  };
}
