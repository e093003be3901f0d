/**
 * channel_links: "this channel probably continues that one", with the score and
 * evidence that said so and an analyst's verdict. A link points from the channel
 * seen first to the later one. Checking again updates the score and evidence
 * but never the verdict: a rejected link stays rejected.
 */
import { type Kysely, type Selectable, sql } from 'kysely';
import type { Schema } from '../../db/schema.js';
import type { ChannelLinkStatus, ChannelLinksTable } from '../../db/schema-lineage.js';
import type { LineageEvidence } from './compare.js';
import type { ChannelRef } from './profile.js';

export interface ChannelLink {
  id: number;
  from: ChannelRef;
  to: ChannelRef;
  score: number;
  evidence: Record<string, unknown>;
  status: ChannelLinkStatus;
  createdAt: Date;
  updatedAt: Date;
}

export function toLink(row: Selectable<ChannelLinksTable>): ChannelLink {
  return {
    id: row.id,
    from: { source: row.from_source, chatId: row.from_chat },
    to: { source: row.to_source, chatId: row.to_chat },
    score: row.score,
    evidence: row.evidence,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Inserts or refreshes a link; `created` is true when the pair was not linked before. */
export async function recordLink(
  db: Kysely<Schema>,
  from: ChannelRef,
  to: ChannelRef,
  score: number,
  evidence: LineageEvidence,
  now: Date,
): Promise<{ link: ChannelLink; created: boolean }> {
  const { rows } = await sql<Selectable<ChannelLinksTable> & { created: boolean }>`
    insert into channel_links (from_source, from_chat, to_source, to_chat, score, evidence, created_at, updated_at)
    values (${from.source}, ${from.chatId}, ${to.source}, ${to.chatId}, ${score}, ${JSON.stringify(evidence)}::jsonb,
            ${now}, ${now})
    on conflict (from_source, from_chat, to_source, to_chat)
    do update set score = excluded.score, evidence = excluded.evidence, updated_at = excluded.updated_at
    returning *, (xmax = 0) as created`.execute(db);
  const row = rows[0]!;
  return { link: toLink(row), created: row.created };
}

/** Links from or to any of these chat ids, best first. */
export async function listLinks(
  db: Kysely<Schema>,
  chatIds: readonly string[],
  options: { status?: ChannelLinkStatus; limit?: number } = {},
): Promise<ChannelLink[]> {
  if (chatIds.length === 0) return [];
  let q = db
    .selectFrom('channel_links')
    .selectAll()
    .where((eb) => eb.or([eb('from_chat', 'in', chatIds), eb('to_chat', 'in', chatIds)]))
    .orderBy('score', 'desc')
    .orderBy('id')
    .limit(Math.min(Math.max(options.limit ?? 100, 1), 1000));
  if (options.status) q = q.where('status', '=', options.status);
  return (await q.execute()).map(toLink);
}

export async function getLink(db: Kysely<Schema>, id: number): Promise<ChannelLink | null> {
  const row = await db.selectFrom('channel_links').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toLink(row) : null;
}

/** An analyst's verdict; null when there is no such link. */
export async function setLinkStatus(
  db: Kysely<Schema>,
  id: number,
  status: ChannelLinkStatus,
  now: Date,
): Promise<ChannelLink | null> {
  const row = await db
    .updateTable('channel_links')
    .set({ status, updated_at: now })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row ? toLink(row) : null;
}
