/**
 * Group commit for the commonest tip of a tip wave: a link to a channel that
 * already has a cluster, no screenshot. Such tips that arrive while the
 * previous group is being written wait for it, then go in together as one
 * statement: on the embedded database a statement costs about half a
 * millisecond of CPU before it does anything, so at a thousand tips a minute
 * writing them one by one would be most of the work.
 *
 * An idle server writes a lone tip at once (a group of one): grouping adds
 * no delay, it only forms under load. If a group's statement fails, its tips
 * are written one by one, so one tip's problem is that tip's alone.
 */
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../db/schema.js';
import { tipFactors } from './tip-join.js';
import type { TipSubmission } from './tips.js';

export interface ChannelJoin {
  readonly orgId: number;
  readonly receipt: string;
  /** Has a channel and no screenshots. */
  readonly tip: TipSubmission;
  readonly now: Date;
}

export interface JoinedTip {
  readonly tipId: number;
  readonly clusterId: number;
}

/** The largest group; more would make one statement's rows and parameters large for little gain. */
export const MAX_GROUP = 200;

/**
 * Joins each tip to the cluster holding its channel and inserts it, all in
 * one statement; a tip whose channel has no cluster yet gets null (nothing
 * is written for it). Tips of one cluster add up: one UPDATE per cluster.
 */
export async function joinManyByChannel(
  db: Kysely<Schema>,
  joins: readonly ChannelJoin[],
): Promise<(JoinedTip | null)[]> {
  const rows = joins.map((j, n) => {
    const t = tipFactors(j.tip);
    const named = j.tip.kind === 'named';
    return {
      n,
      org_id: j.orgId,
      key: j.tip.channel!.key,
      receipt: j.receipt,
      kind: j.tip.kind,
      link: j.tip.channel!.link,
      message_id: j.tip.channel!.messageId,
      description: j.tip.description,
      contact_name: named ? j.tip.contactName : null,
      contact: named ? j.tip.contact : null,
      signals: j.tip.signals,
      minors: t.minors,
      personal_data: t.personalData,
      at: j.now.toISOString(),
    };
  });
  // A dismissed cluster that now shows signs of minors is back to 'new' (tip-join.ts explains why).
  const r = await sql<{ n: number; id: number; cluster_id: number }>`
    with i as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(
        n int, org_id bigint, key text, receipt text, kind text, link text, message_id bigint, description text,
        contact_name text, contact text, signals jsonb, minors boolean, personal_data boolean, at timestamptz)
    ), m as (
      select i.*, k.cluster_id from i join tip_cluster_keys k on k.org_id = i.org_id and k.key = i.key
    ), a as (
      select cluster_id, count(*)::int as tips, bool_or(minors) as minors, bool_or(personal_data) as personal_data,
        max(at) as at, min(link) as link
      from m group by cluster_id
    ), u as (
      update tip_clusters c set
        status = case when c.status = 'dismissed' and a.minors and not c.minors then 'new' else c.status end,
        link = coalesce(c.link, a.link),
        tip_count = c.tip_count + a.tips,
        minors = c.minors or a.minors,
        personal_data = c.personal_data or a.personal_data,
        last_tip_at = greatest(c.last_tip_at, a.at),
        updated_at = a.at
      from a where c.id = a.cluster_id
    ), t as (
      insert into tips (cluster_id, org_id, receipt, kind, channel_key, link, message_id, description,
        contact_name, contact, signals, created_at)
      select cluster_id, org_id, receipt, kind, key, link, message_id, description, contact_name, contact, signals, at
      from m
      returning id, receipt, cluster_id
    )
    select m.n, t.id, t.cluster_id from t join m on m.receipt = t.receipt`.execute(db);
  const out: (JoinedTip | null)[] = joins.map(() => null);
  for (const row of r.rows) out[row.n] = { tipId: Number(row.id), clusterId: Number(row.cluster_id) };
  return out;
}

interface Waiting {
  join: ChannelJoin;
  resolve(result: JoinedTip | null): void;
  reject(err: unknown): void;
}

/** Collects channel joins while a group is being written; one per process and database. */
export class ChannelJoinBatcher {
  private waiting: Waiting[] = [];
  private writing = false;

  constructor(private readonly db: Kysely<Schema>) {}

  /** Resolves with the tip's ids, or null when its channel has no cluster yet. */
  join(join: ChannelJoin): Promise<JoinedTip | null> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ join, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) {
        const group = this.waiting.splice(0, MAX_GROUP);
        await this.write(group);
      }
    } finally {
      this.writing = false;
    }
  }

  private async write(group: Waiting[]): Promise<void> {
    try {
      const results = await joinManyByChannel(
        this.db,
        group.map((w) => w.join),
      );
      for (const [i, w] of group.entries()) w.resolve(results[i] ?? null);
    } catch (err) {
      if (group.length === 1) {
        group[0]!.reject(err);
        return;
      }
      // Find the tip at fault: each on its own.
      for (const w of group) {
        await joinManyByChannel(this.db, [w.join]).then(
          (r) => w.resolve(r[0] ?? null),
          (e: unknown) => w.reject(e),
        );
      }
    }
  }
}
