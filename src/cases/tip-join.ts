/**
 * Writing clusters and tips in as few statements as possible: on the
 * embedded database every statement costs about half a millisecond of CPU
 * whatever it does, so statements, not rows, bound the tip rate.
 *
 * - A tip with screenshots is, after the lock and one read, one statement:
 *   update the cluster, claim its keys, insert the tip and its screenshots.
 * - A first tip about a channel (no screenshots) is one statement.
 * - The commonest tip of a tip wave, a link to a channel already reported,
 *   is written in groups (tip-batch.ts).
 *
 * The cluster's severity is a generated column (migration 0008); it follows
 * the counters written here.
 */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Schema } from '../db/schema.js';
import { bankTierOf, hasPersonalData } from './tip-triage.js';
import type { TipSubmission } from './tips.js';

export interface TipFactors {
  bankTier: number;
  bankMatches: number;
  minors: boolean;
  personalData: boolean;
}

export function tipFactors(tip: TipSubmission): TipFactors {
  const matches = tip.screenshots.flatMap((s) => s.bankMatches);
  return {
    bankTier: bankTierOf(matches.map((m) => m.category)),
    bankMatches: matches.length,
    minors: tip.signals.minors.length > 0,
    personalData: hasPersonalData(tip.signals),
  };
}

/**
 * The SET list of a join. SET expressions read the row as it was, so each
 * new value is spelled out from the old one. A dismissed cluster that now
 * gets a worse bank match or signs of minors goes back to 'new': the analyst
 * who dismissed it did not see that.
 */
function joinAssignments(tip: TipSubmission, now: Date): RawBuilder<unknown> {
  const t = tipFactors(tip);
  const worse = sql`(${t.bankTier}::int > bank_tier or (${t.minors}::boolean and not minors))`;
  return sql`
    status = case when status = 'dismissed' and ${worse} then 'new' else status end,
    link = coalesce(link, ${tip.channel?.link ?? null}::text),
    tip_count = tip_count + 1,
    screenshot_count = screenshot_count + ${tip.screenshots.length}::int,
    bank_tier = greatest(bank_tier, ${t.bankTier}::int),
    bank_matches = bank_matches + ${t.bankMatches}::int,
    minors = minors or ${t.minors}::boolean,
    personal_data = personal_data or ${t.personalData}::boolean,
    last_tip_at = greatest(last_tip_at, ${now}::timestamptz),
    updated_at = ${now}::timestamptz`;
}

/** The tip row's values in insert order (see tipColumns). */
export function tipValues(orgId: number, receipt: string, tip: TipSubmission, now: Date): RawBuilder<unknown>[] {
  const named = tip.kind === 'named';
  return [
    sql`${orgId}::bigint`,
    sql`${receipt}::text`,
    sql`${tip.kind}::text`,
    sql`${tip.channel?.key ?? null}::text`,
    sql`${tip.channel?.link ?? null}::text`,
    sql`${tip.channel?.messageId ?? null}::bigint`,
    sql`${tip.description}::text`,
    sql`${named ? tip.contactName : null}::text`,
    sql`${named ? tip.contact : null}::text`,
    sql`${JSON.stringify(tip.signals)}::jsonb`,
    sql`${now}::timestamptz`,
  ];
}

export const TIP_COLUMNS = sql.raw(
  'org_id, receipt, kind, channel_key, link, message_id, description, contact_name, contact, signals, created_at',
);

export const CLUSTER_COLUMNS = sql.raw(
  'org_id, link, tip_count, screenshot_count, bank_tier, bank_matches, minors, personal_data, ' +
    'first_tip_at, last_tip_at, created_at, updated_at',
);

/** A new cluster's values (see CLUSTER_COLUMNS): this one tip. */
export function clusterValues(orgId: number, tip: TipSubmission, now: Date): RawBuilder<unknown>[] {
  const t = tipFactors(tip);
  return [
    sql`${orgId}::bigint`,
    sql`${tip.channel?.link ?? null}::text`,
    sql`1`,
    sql`${tip.screenshots.length}::int`,
    sql`${t.bankTier}::int`,
    sql`${t.bankMatches}::int`,
    sql`${t.minors}::boolean`,
    sql`${t.personalData}::boolean`,
    ...[0, 1, 2, 3].map(() => sql`${now}::timestamptz`),
  ];
}

/**
 * A new cluster for a tip with a link and no screenshots, in one statement
 * and so atomic without a transaction: draw the cluster's id, claim the
 * channel key with it, and only if that claim succeeded insert the cluster
 * and the tip. If a cluster already holds the key (ON CONFLICT waits for an
 * uncommitted claim to commit), nothing is written and the answer is null:
 * join that cluster instead. (The foreign key from the key to the cluster is
 * checked at the end of the statement, when the cluster row exists.)
 */
export async function openByChannel(
  db: Kysely<Schema>,
  orgId: number,
  receipt: string,
  tip: TipSubmission,
  now: Date,
): Promise<{ tipId: number; clusterId: number } | null> {
  if (!tip.channel) return null;
  const r = await sql<{ id: number; cluster_id: number }>`
    with n as (
      select nextval(pg_get_serial_sequence('tip_clusters', 'id')) as id
    ), k as (
      insert into tip_cluster_keys (org_id, key, cluster_id)
      select ${orgId}, ${tip.channel.key}::text, n.id from n
      on conflict (org_id, key) do nothing
      returning cluster_id
    ), c as (
      insert into tip_clusters (id, ${CLUSTER_COLUMNS})
      select k.cluster_id, ${sql.join(clusterValues(orgId, tip, now))} from k
      returning id
    )
    insert into tips (cluster_id, ${TIP_COLUMNS})
    select c.id, ${sql.join(tipValues(orgId, receipt, tip, now))} from c
    returning id, cluster_id`.execute(db);
  const row = r.rows[0];
  return row ? { tipId: Number(row.id), clusterId: Number(row.cluster_id) } : null;
}

/**
 * Channel keys this process knows a cluster for (keys never move or vanish),
 * so a tip about a known channel tries the join first and one about an
 * unknown channel tries to open its cluster first: one statement either way
 * in the common case. Bounded: forgetting only costs a statement.
 */
export class KnownChannels {
  private readonly keys = new Set<string>();
  constructor(private readonly max = 100_000) {}

  has(orgId: number, key: string): boolean {
    return this.keys.has(`${orgId}/${key}`);
  }

  add(orgId: number, key: string): void {
    if (this.keys.size >= this.max) this.keys.clear();
    this.keys.add(`${orgId}/${key}`);
  }
}

/**
 * Inserts a cluster for the tip and, in the same statement, claims `firstKey`
 * for it; `claimed` is false when another cluster holds the key.
 */
export async function insertClusterClaiming(
  db: Kysely<Schema>,
  orgId: number,
  tip: TipSubmission,
  firstKey: string | null,
  now: Date,
): Promise<{ clusterId: number; claimed: boolean }> {
  const r = await sql<{ id: number; claimed: number | null }>`
    with c as (
      insert into tip_clusters (${CLUSTER_COLUMNS}) values (${sql.join(clusterValues(orgId, tip, now))}) returning id
    ), k as (
      insert into tip_cluster_keys (org_id, key, cluster_id)
      select ${orgId}, ${firstKey}::text, c.id from c where ${firstKey}::text is not null
      on conflict (org_id, key) do nothing
      returning cluster_id
    )
    select c.id, (select cluster_id from k) as claimed from c`.execute(db);
  const row = r.rows[0]!;
  return { clusterId: Number(row.id), claimed: row.claimed !== null };
}

export interface TipRows {
  orgId: number;
  clusterId: number;
  receipt: string;
  tip: TipSubmission;
  /** Keys the tip brings that no cluster held: claimed for this cluster unless taken meanwhile. */
  newKeys: readonly string[];
  /** Add the tip to the cluster's counters (false: the cluster was just made for it). */
  join: boolean;
  now: Date;
}

/** Joins the cluster, claims the new keys, inserts the tip and its screenshots (at least one): one statement. */
export async function insertTipWithScreenshots(db: Kysely<Schema>, rows: TipRows): Promise<number> {
  const { orgId, clusterId, receipt, tip, newKeys, now } = rows;
  const join = rows.join
    ? sql`u as (update tip_clusters set ${joinAssignments(tip, now)} where id = ${clusterId}),`
    : sql``;
  const shots = tip.screenshots.map((s) => ({
    pdq: s.pdq,
    quality: s.quality,
    md5: s.md5,
    sha256: s.sha256,
    bytes: s.bytes,
    bank_matches: s.bankMatches.map((m) => ({
      bank: m.bank,
      category: m.category,
      content_id: m.contentId,
      distance: m.distance,
    })),
  }));
  const r = await sql<{ tip_id: number }>`
    with ${join} k as (
      insert into tip_cluster_keys (org_id, key, cluster_id)
      select ${orgId}, key, ${clusterId}::bigint from jsonb_array_elements_text(${JSON.stringify(newKeys)}::jsonb) as key
      on conflict (org_id, key) do nothing
    ), t as (
      insert into tips (cluster_id, ${TIP_COLUMNS})
      values (${clusterId}::bigint, ${sql.join(tipValues(orgId, receipt, tip, now))})
      returning id
    )
    insert into tip_screenshots (org_id, tip_id, cluster_id, pdq, quality, md5, sha256, bytes, bank_matches, created_at)
    select ${orgId}, t.id, ${clusterId}::bigint, decode(s.pdq, 'hex'), s.quality, decode(s.md5, 'hex'),
      decode(s.sha256, 'hex'), s.bytes, s.bank_matches, ${now}::timestamptz
    from t, jsonb_to_recordset(${JSON.stringify(shots)}::jsonb)
      as s(pdq text, quality int, md5 text, sha256 text, bytes int, bank_matches jsonb)
    returning tip_id`.execute(db);
  return Number(r.rows[0]!.tip_id);
}
