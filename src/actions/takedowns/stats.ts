/**
 * Time-to-removal per platform and per host, for one organisation.
 *
 * Counts come from the takedowns' current status. Times come from the history:
 * every 'removed' event carries the hours from the first notice of its cycle to
 * the removal, so a takedown removed, reappearing and removed again counts twice,
 * and one removed before any notice went out counts in no time. Median and 90th
 * percentile are Postgres' percentile_cont (interpolated), in hours.
 */
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../../db/schema.js';
import { OPEN_STATUSES } from './state.js';

export interface RemovalStats {
  /** The platform or host. */
  key: string;
  count: number;
  removed: number;
  refused: number;
  open: number;
  /** Removals with a time (removed after a notice). */
  timedRemovals: number;
  medianHours: number | null;
  p90Hours: number | null;
}

export interface TakedownStats {
  platforms: RemovalStats[];
  hosts: RemovalStats[];
}

type GroupColumn = 'platform' | 'host';

export async function takedownStats(db: Kysely<Schema>, organisationId: number): Promise<TakedownStats> {
  const [platforms, hosts] = [await statsBy(db, organisationId, 'platform'), await statsBy(db, organisationId, 'host')];
  return { platforms, hosts };
}

async function statsBy(db: Kysely<Schema>, organisationId: number, column: GroupColumn): Promise<RemovalStats[]> {
  const counts = await db
    .selectFrom('takedowns')
    .select([
      sql<string>`${sql.ref(column)}`.as('key'),
      sql<number>`count(*)::int`.as('count'),
      sql<number>`(count(*) filter (where status = 'removed'))::int`.as('removed'),
      sql<number>`(count(*) filter (where status = 'refused'))::int`.as('refused'),
      sql<number>`(count(*) filter (where status in (${sql.join(OPEN_STATUSES)})))::int`.as('open'),
    ])
    .where('org_id', '=', organisationId)
    .groupBy(column)
    .execute();
  const hours = sql<number>`(e.details->>'hours_to_removal')::float8`;
  const times = await db
    .selectFrom('takedown_events as e')
    .innerJoin('takedowns as t', 't.id', 'e.takedown_id')
    .select([
      sql<string>`${sql.ref(`t.${column}`)}`.as('key'),
      sql<number>`count(*)::int`.as('timed'),
      sql<number>`percentile_cont(0.5) within group (order by ${hours})`.as('median'),
      sql<number>`percentile_cont(0.9) within group (order by ${hours})`.as('p90'),
    ])
    .where('e.org_id', '=', organisationId)
    .where('e.kind', '=', 'removed')
    .where(sql<boolean>`jsonb_typeof(e.details->'hours_to_removal') = 'number'`)
    .groupBy(`t.${column}`)
    .execute();
  const byKey = new Map(times.map((t) => [t.key, t]));
  return counts
    .map((c) => {
      const t = byKey.get(c.key);
      return {
        key: c.key,
        count: c.count,
        removed: c.removed,
        refused: c.refused,
        open: c.open,
        timedRemovals: t?.timed ?? 0,
        medianHours: t ? round(Number(t.median)) : null,
        p90Hours: t ? round(Number(t.p90)) : null,
      };
    })
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

/** Hours to two decimals: enough for a statistic, stable across databases' float printing. */
function round(hours: number): number {
  return Math.round(hours * 100) / 100;
}
