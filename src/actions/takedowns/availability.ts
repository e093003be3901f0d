/**
 * Is the content still there? Sources that can tell (MTProto reading a public
 * channel, the Bot API in a group the bot is in) implement AvailabilityChecker;
 * `recheckAvailability` asks it about open and removed takedowns and records
 * removals (with time-to-removal) and reappearances. 'unknown' changes nothing:
 * a source that cannot see the content says so rather than guessing.
 */
import type { Kysely } from 'kysely';
import type { Schema } from '../../db/schema.js';
import { type Takedown, toTakedown } from './model.js';
import { changeStatus } from './sending.js';

export type Availability = 'available' | 'gone' | 'unknown';

export interface AvailabilityChecker {
  check(takedown: Takedown): Promise<Availability>;
}

export interface RecheckOptions {
  /** Check each takedown at most this often (default 6 hours). */
  minIntervalHours?: number;
  /** At most this many per run (default 100). */
  limit?: number;
}

export interface RecheckResult {
  checked: number;
  removed: number[];
  reappeared: number[];
  /** Takedown id → what went wrong; one failing check never stops the others. */
  errors: Record<number, string>;
}

/** Asks the checker about takedowns not checked for a while, across organisations (a system job). */
export async function recheckAvailability(
  db: Kysely<Schema>,
  checker: AvailabilityChecker,
  now: Date,
  options: RecheckOptions = {},
): Promise<RecheckResult> {
  const since = new Date(now.getTime() - (options.minIntervalHours ?? 6) * 3_600_000);
  const rows = await db
    .selectFrom('takedowns')
    .selectAll()
    .where('status', 'in', ['pending', 'sent', 'acknowledged', 'refused', 'reappeared', 'removed'])
    .where((eb) => eb.or([eb('last_checked_at', 'is', null), eb('last_checked_at', '<=', since)]))
    .orderBy('last_checked_at', (o) => o.nullsFirst())
    .orderBy('id')
    .limit(options.limit ?? 100)
    .execute();
  const result: RecheckResult = { checked: 0, removed: [], reappeared: [], errors: {} };
  for (const takedown of rows.map(toTakedown)) {
    try {
      await recheckOne(db, checker, takedown, now, result);
    } catch (err) {
      result.errors[takedown.id] = err instanceof Error ? err.message : String(err);
    }
  }
  return result;
}

async function recheckOne(
  db: Kysely<Schema>,
  checker: AvailabilityChecker,
  takedown: Takedown,
  now: Date,
  result: RecheckResult,
): Promise<void> {
  const seen = await checker.check(takedown);
  result.checked++;
  await db.updateTable('takedowns').set({ last_checked_at: now }).where('id', '=', takedown.id).execute();
  const fresh = { ...takedown, lastCheckedAt: now };
  const by = { source: 'availability-check' };
  if (seen === 'gone' && takedown.status !== 'removed') {
    await changeStatus(db, fresh, 'removed', { actor: { kind: 'system', id: null }, now, details: by });
    result.removed.push(takedown.id);
  } else if (seen === 'available' && takedown.status === 'removed') {
    await changeStatus(db, fresh, 'reappeared', { actor: { kind: 'system', id: null }, now, details: by });
    result.reappeared.push(takedown.id);
  }
}
