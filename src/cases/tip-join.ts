/**
 * Writing clusters and tips in as few statements as possible: on the
 * embedded database every statement costs about half a millisecond of CPU
 * whatever it does, so statements, not rows, bound the tip rate.
 *
 * - A tip with screenshots is, after the lock and one read, one statement:
 *   update the cluster, claim its keys, insert the tip and its screenshots.
 * - Tips with a link and no screenshots, most of a tip wave, are written in
 *   groups, one statement per group (tip-batch.ts).
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
