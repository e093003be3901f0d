/**
 * Which cases a channel belongs to, and the 'lineage' alert put on their
 * timelines when a probable successor (or predecessor) of it turns up.
 *
 * A channel belongs to a case when the case links it (a 'link' event with
 * target_kind 'channel', the chat id in any of its spellings) or when a tip
 * cluster about it was linked to the case (tips table, migration 0008; asked
 * only when that table exists, so this works before and after it lands).
 */
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../../db/schema.js';
import type { CaseActorKind } from '../../db/schema-cases.js';
import type { LineageEvidence } from './compare.js';
import { channelAliases, channelKey } from './keys.js';
import type { ChannelLink } from './links.js';
import type { ChannelProfile, ChannelRef } from './profile.js';

export interface CaseRef {
  id: number;
  reference: string;
  organisationId: number;
}

export interface AlertActor {
  kind: CaseActorKind;
  id: string | null;
}

/** Whether a table exists in the current schema (tables of other areas may land later). */
export async function tableExists(db: Kysely<Schema>, name: string): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`select to_regclass(${name}) is not null as found`.execute(db);
  return rows[0]?.found === true;
}

/** The cases a channel belongs to; only `organisationId`'s when given. */
export async function casesOfChannel(
  db: Kysely<Schema>,
  ref: ChannelRef,
  organisationId: number | null,
): Promise<CaseRef[]> {
  const org = organisationId === null ? sql`true` : sql`c.org_id = ${organisationId}`;
  const { rows } = await sql<{ id: number; reference: string; org_id: number }>`
    select distinct c.id, c.reference, c.org_id
    from case_events e join cases c on c.id = e.case_id
    where e.kind = 'link' and e.target_kind = 'channel'
      and e.target_id in (${sql.join(channelAliases(ref.source, ref.chatId))}) and ${org}`.execute(db);
  const found = new Map(rows.map((r) => [r.id, { id: r.id, reference: r.reference, organisationId: r.org_id }]));
  if ((await tableExists(db, 'tips')) && (await tableExists(db, 'tip_clusters'))) {
    const { rows: tipped } = await sql<{ id: number; reference: string; org_id: number }>`
      select distinct c.id, c.reference, c.org_id
      from tips t join tip_clusters k on k.id = t.cluster_id join cases c on c.id = k.case_id
      where t.channel_key = ${channelKey(ref.source, ref.chatId)} and k.org_id = c.org_id and ${org}`.execute(db);
    for (const r of tipped) found.set(r.id, { id: r.id, reference: r.reference, organisationId: r.org_id });
  }
  return [...found.values()].sort((a, b) => a.id - b.id);
}

/** Whether the case already has the alert for this link. */
export async function alreadyAlerted(db: Kysely<Schema>, caseId: number, linkId: number): Promise<boolean> {
  const { rows } = await sql<{ id: number }>`
    select id from case_events
    where case_id = ${caseId} and kind = 'lineage' and details->>'link_id' = ${String(linkId)}
    limit 1`.execute(db);
  return rows.length > 0;
}

function describe(p: ChannelProfile): string {
  return p.title ? `“${p.title}” (${p.key})` : p.key;
}

function alertBody(
  relation: 'successor' | 'predecessor',
  other: ChannelProfile,
  evidence: LineageEvidence,
  score: number,
) {
  const reasons = [
    evidence.media.shared > 0 ? `${evidence.media.shared} shared media hashes` : null,
    evidence.forwards.shared_count > 0 ? `${evidence.forwards.shared_count} shared forward sources` : null,
    evidence.admins.shared_count > 0 ? `${evidence.admins.shared_count} shared admins` : null,
    evidence.title.score >= 0.5 ? 'a similar title' : null,
  ].filter((r) => r !== null);
  return `Probable ${relation} channel: ${describe(other)}, score ${score.toFixed(2)} (${reasons.join(', ')}).`;
}

/**
 * Puts a 'lineage' event on a case's timeline (append-only), written directly
 * so this module does not wait on the cases repository; same row shape as
 * addCaseEvent in src/cases/cases.ts.
 */
export async function appendLineageAlert(
  db: Kysely<Schema>,
  caseId: number,
  alert: {
    link: ChannelLink;
    relation: 'successor' | 'predecessor';
    other: ChannelProfile;
    evidence: LineageEvidence;
  },
  actor: AlertActor,
  now: Date,
): Promise<void> {
  const { link, relation, other, evidence } = alert;
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('case_events')
      .values({
        case_id: caseId,
        kind: 'lineage',
        target_kind: 'channel',
        target_id: other.chatId,
        body: alertBody(relation, other, evidence, link.score),
        details: JSON.stringify({
          link_id: link.id,
          relation,
          score: link.score,
          channel: { source: other.source, chat_id: other.chatId, key: other.key, title: other.title },
          shared: {
            media: evidence.media.shared,
            forwards: evidence.forwards.shared,
            admins: evidence.admins.shared,
          },
        }),
        actor_kind: actor.kind,
        actor_id: actor.id,
        created_at: now,
      })
      .execute();
    await trx.updateTable('cases').set({ updated_at: now }).where('id', '=', caseId).execute();
  });
}
