/**
 * What a victim may see of their registration, and what an analyst sees of it
 * in the case.
 *
 * The victim sees counts only: hashes active and withdrawn, how often and when
 * last their hashes matched, takedowns sent and removed. Never media, channel
 * names, messages or anything about who posted: a status page is easy to be
 * made to show to someone else. The analyst sees the same counts, the path and
 * the consent given; never the PIN or recovery code (only their digests exist).
 */
import { type Kysely, sql } from 'kysely';
import type { ContentStatus, Schema, SignalType } from '../db/schema.js';
import type { VictimPath } from '../db/schema-victims.js';
import { isLocked } from './victim-credentials.js';
import type { VictimSession } from './victims.js';

export interface TakedownCounts {
  /** Notices that went out. */
  sent: number;
  /** Of those, the ones whose content is now gone. */
  removed: number;
}

/** Counts the takedowns of a case; the takedowns module provides the real one. */
export type TakedownCounter = (db: Kysely<Schema>, caseId: number) => Promise<TakedownCounts>;

/**
 * Reads a `takedowns` table (case_id, status, first_sent_at) when there is one,
 * and reports none while the takedowns module is not installed.
 */
export const takedownCountsFromTable: TakedownCounter = async (db, caseId) => {
  const table = await sql<{ name: string | null }>`select to_regclass('takedowns')::text as name`.execute(db);
  if (!table.rows[0]?.name) return { sent: 0, removed: 0 };
  const counts = await sql<TakedownCounts>`
    select count(*) filter (where status <> 'pending' or first_sent_at is not null)::int as sent,
           count(*) filter (where status = 'removed')::int as removed
    from takedowns where case_id = ${caseId}`.execute(db);
  return counts.rows[0] ?? { sent: 0, removed: 0 };
};

export interface HashCounts {
  /** Matching now. */
  active: number;
  /** Held back by the hotline for now (disabled content). */
  paused: number;
  withdrawn: number;
}

export interface VictimHash {
  /** Content id: what POST /victims/withdraw takes. */
  id: number;
  type: SignalType;
  status: ContentStatus;
  /** The hash's first 12 hex digits: enough to tell one's own submissions apart. */
  hashPrefix: string;
  registeredAt: Date;
}

export interface VictimStatus {
  caseNumber: string;
  path: VictimPath;
  hashes: HashCounts & { items: VictimHash[] };
  matches: { count: number; lastSeenAt: Date | null };
  takedowns: TakedownCounts;
}

export async function victimStatus(
  db: Kysely<Schema>,
  session: VictimSession,
  takedowns: TakedownCounter = takedownCountsFromTable,
): Promise<VictimStatus> {
  const items = await victimHashes(db, session);
  return {
    caseNumber: session.caseNumber,
    path: session.path,
    hashes: { ...countStatuses(items), items },
    matches: await matchCounts(
      db,
      items.map((i) => i.id),
    ),
    takedowns: await takedowns(db, session.caseId),
  };
}

async function victimHashes(
  db: Kysely<Schema>,
  session: Pick<VictimSession, 'bankId' | 'caseNumber'>,
): Promise<VictimHash[]> {
  const rows = await db
    .selectFrom('bank_content as c')
    .innerJoin('signals as s', 's.content_id', 'c.id')
    .select(['c.id', 'c.status', 'c.created_at', 's.type', 's.hash'])
    .where('c.bank_id', '=', session.bankId)
    .where('c.case_ref', '=', session.caseNumber)
    .where('c.source', '=', 'victim')
    .orderBy('c.id')
    .orderBy('s.id')
    .execute();
  const seen = new Set<number>();
  return rows.flatMap((r) => {
    if (seen.has(r.id)) return [];
    seen.add(r.id);
    return [
      {
        id: r.id,
        type: r.type,
        status: r.status,
        hashPrefix: r.hash.toString('hex').slice(0, 12),
        registeredAt: r.created_at,
      },
    ];
  });
}

function countStatuses(items: readonly { status: ContentStatus }[]): HashCounts {
  const counts: HashCounts = { active: 0, paused: 0, withdrawn: 0 };
  for (const i of items) counts[i.status === 'disabled' ? 'paused' : i.status]++;
  return counts;
}

/**
 * Media items whose stored matches name one of these content ids, and when the
 * last of them was found. Matches found before a withdrawal still count: they
 * happened.
 */
export async function matchCounts(
  db: Kysely<Schema>,
  contentIds: readonly number[],
): Promise<{ count: number; lastSeenAt: Date | null }> {
  if (contentIds.length === 0) return { count: 0, lastSeenAt: null };
  const result = await sql<{ count: number; last_seen_at: Date | null }>`
    select count(*)::int as count, max(m.created_at) as last_seen_at
    from media_items mi
    join messages m on m.id = mi.message_row
    where mi.matches is not null
      and exists (
        select 1 from jsonb_array_elements(mi.matches) e
        where (e ->> 'contentId')::bigint = any(${contentIds.map(String)}::bigint[])
      )`.execute(db);
  const row = result.rows[0];
  return { count: row?.count ?? 0, lastSeenAt: row?.last_seen_at ?? null };
}

/** What an analyst sees of a case's registration. */
export interface RegistrationSummary {
  id: number;
  path: VictimPath;
  consent: Record<string, unknown>;
  hashes: HashCounts & { byType: Record<string, number> };
  matches: { count: number; lastSeenAt: Date | null };
  /** Refusing PINs after too many wrong ones. */
  locked: boolean;
  credentialsRenewedAt: Date | null;
  createdAt: Date;
}

/** The registration behind a case, or null when the case has none. */
export async function registrationSummary(
  db: Kysely<Schema>,
  caseId: number,
  now: Date,
): Promise<RegistrationSummary | null> {
  const row = await db
    .selectFrom('victim_registrations as r')
    .innerJoin('cases as c', 'c.id', 'r.case_id')
    .select(['r.id', 'r.bank_id', 'c.reference', 'r.path', 'r.consent', 'r.locked_until'])
    .select(['r.credentials_renewed_at', 'r.created_at'])
    .where('r.case_id', '=', caseId)
    .executeTakeFirst();
  if (!row) return null;
  const items = await victimHashes(db, { bankId: row.bank_id, caseNumber: row.reference });
  const byType: Record<string, number> = {};
  for (const i of items) byType[i.type] = (byType[i.type] ?? 0) + 1;
  return {
    id: row.id,
    path: row.path,
    consent: row.consent,
    hashes: { ...countStatuses(items), byType },
    matches: await matchCounts(
      db,
      items.map((i) => i.id),
    ),
    locked: isLocked(row.locked_until, now),
    credentialsRenewedAt: row.credentials_renewed_at,
    createdAt: row.created_at,
  };
}
