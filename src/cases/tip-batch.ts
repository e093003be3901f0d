/**
 * Group commit for tips with a link and no screenshot, most of a tip wave.
 * Such tips that arrive while the previous group is being written wait for
 * it, then go in together as one statement: on the embedded database a
 * statement costs about half a millisecond of CPU before it does anything, so
 * at hundreds of tips a second writing them one by one would be most of the
 * work. An idle server writes a lone tip after one turn of the event loop (a
 * group of one): grouping adds no noticeable delay, it only forms under load.
 *
 * The statement joins each tip to the cluster holding its channel, or opens
 * one: it draws the new cluster's id, claims the channel key with it (INSERT
 * ... ON CONFLICT DO NOTHING, which waits for an uncommitted claim of the
 * same key to commit), and only if the claim held inserts the cluster. A tip
 * whose claim lost (to another group, another process, or a tip of its own
 * group about the same new channel) is not written; its caller sends it again
 * and it joins. One statement is atomic on its own: no transaction, and a
 * lost claim leaves nothing behind. (The foreign keys to the new cluster are
 * checked at the end of the statement, when its row exists.)
 *
 * If a group's statement fails, its tips are written one by one, so one
 * tip's problem is that tip's alone.
 */
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../db/schema.js';
import { tipFactors } from './tip-join.js';
import type { TipSubmission } from './tips.js';

export interface ChannelTip {
  readonly orgId: number;
  readonly receipt: string;
  /** Has a channel and no screenshots. */
  readonly tip: TipSubmission;
  readonly now: Date;
}

export interface PlacedTip {
  readonly tipId: number;
  readonly clusterId: number;
  /** True when the tip opened its cluster. */
  readonly opened: boolean;
}

/** The largest group; more would make one statement's rows and parameters large for little gain. */
export const MAX_GROUP = 200;

/** Writes each tip into its channel's cluster, opening clusters as needed; null for a tip whose claim lost. */
export async function writeChannelTips(db: Kysely<Schema>, tips: readonly ChannelTip[]): Promise<(PlacedTip | null)[]> {
  const rows = tips.map((j, n) => {
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
  const r = await sql<{ n: number; id: number; cluster_id: number; opened: boolean }>`
    with i as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(
        n int, org_id bigint, key text, receipt text, kind text, link text, message_id bigint, description text,
        contact_name text, contact text, signals jsonb, minors boolean, personal_data boolean, at timestamptz)
    ), known as (
      select i.n, k.cluster_id from i join tip_cluster_keys k on k.org_id = i.org_id and k.key = i.key
    ), fresh as (
      select i.*, nextval(pg_get_serial_sequence('tip_clusters', 'id')) as new_id
      from i where not exists (select 1 from known where known.n = i.n)
    ), claimed as (
      insert into tip_cluster_keys (org_id, key, cluster_id)
      select org_id, key, new_id from fresh
      on conflict (org_id, key) do nothing
      returning cluster_id
    ), opened as (
      select fresh.* from fresh join claimed on claimed.cluster_id = fresh.new_id
    ), created as (
      insert into tip_clusters (id, org_id, link, tip_count, minors, personal_data,
        first_tip_at, last_tip_at, created_at, updated_at)
      select new_id, org_id, link, 1, minors, personal_data, at, at, at, at from opened
    ), grown as (
      select known.cluster_id, count(*)::int as tips, bool_or(i.minors) as minors,
        bool_or(i.personal_data) as personal_data, max(i.at) as at, min(i.link) as link
      from known join i on i.n = known.n group by known.cluster_id
    ), updated as (
      update tip_clusters c set
        status = case when c.status = 'dismissed' and g.minors and not c.minors then 'new' else c.status end,
        link = coalesce(c.link, g.link),
        tip_count = c.tip_count + g.tips,
        minors = c.minors or g.minors,
        personal_data = c.personal_data or g.personal_data,
        last_tip_at = greatest(c.last_tip_at, g.at),
        updated_at = g.at
      from grown g where c.id = g.cluster_id
    ), placed as (
      select n, cluster_id, false as opened from known
      union all
      select n, new_id, true from opened
    ), written as (
      insert into tips (cluster_id, org_id, receipt, kind, channel_key, link, message_id, description,
        contact_name, contact, signals, created_at)
      select p.cluster_id, i.org_id, i.receipt, i.kind, i.key, i.link, i.message_id, i.description,
        i.contact_name, i.contact, i.signals, i.at
      from placed p join i on i.n = p.n
      returning id, receipt, cluster_id
    )
    select i.n, w.id, w.cluster_id, p.opened
    from written w join i on i.receipt = w.receipt join placed p on p.n = i.n`.execute(db);
  const out: (PlacedTip | null)[] = tips.map(() => null);
  for (const row of r.rows) {
    out[row.n] = { tipId: Number(row.id), clusterId: Number(row.cluster_id), opened: row.opened };
  }
  return out;
}

interface Waiting {
  tip: ChannelTip;
  resolve(result: PlacedTip | null): void;
  reject(err: unknown): void;
}

/** Collects channel tips while a group is being written; one per process and database. */
export class ChannelTipBatcher {
  private waiting: Waiting[] = [];
  private writing = false;

  constructor(private readonly db: Kysely<Schema>) {}

  /** Resolves with where the tip went, or null when its claim lost (send it again: it will join). */
  write(tip: ChannelTip): Promise<PlacedTip | null> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ tip, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) {
        // PGlite runs on this thread: while it writes, no request is read. Letting the event loop
        // turn once before each group takes in the tips that arrived meanwhile; without it every
        // group would be one tip. (On PostgreSQL groups also form while the database works.)
        await new Promise((resolve) => setImmediate(resolve));
        await this.writeGroup(this.waiting.splice(0, MAX_GROUP));
      }
    } finally {
      this.writing = false;
    }
  }

  private async writeGroup(group: Waiting[]): Promise<void> {
    try {
      const results = await writeChannelTips(
        this.db,
        group.map((w) => w.tip),
      );
      for (const [i, w] of group.entries()) w.resolve(results[i] ?? null);
    } catch (err) {
      if (group.length === 1) {
        group[0]!.reject(err);
        return;
      }
      // Find the tip at fault: each on its own.
      for (const w of group) {
        await writeChannelTips(this.db, [w.tip]).then(
          (r) => w.resolve(r[0] ?? null),
          (e: unknown) => w.reject(e),
        );
      }
    }
  }
}
