/**
 * Reminders: a notice is e-mailed again every 24 hours (configurable, globally
 * or per takedown) until the content is removed or the host refuses. Time is
 * always passed in (`now`), so tests drive it with a fake clock.
 *
 * Several workers may share one database: each due takedown is claimed first
 * (its next_notice_at pushed past `now` in one conditional update), so only one
 * worker sends a given reminder. A delivery failure is retried after
 * `retryMinutes`; a takedown the evidence gate blocks waits a full interval.
 */
import type { Kysely } from 'kysely';
import type { Schema } from '../../db/schema.js';
import { isTakedownError } from './errors.js';
import { SYSTEM_ACTOR, type Takedown, toTakedown } from './model.js';
import { sendTakedown, type TakedownDeps } from './sending.js';
import { nextNoticeAt, RENOTICE_STATUSES } from './state.js';

/** A claimed reminder not finished in this time (a crashed worker) becomes due again. */
const CLAIM_MS = 10 * 60_000;

/** E-mailed takedowns whose reminder is due at `now`, oldest first. Notices sent by hand are for people to follow up. */
export async function dueRenotices(db: Kysely<Schema>, now: Date, limit = 100): Promise<Takedown[]> {
  const rows = await db
    .selectFrom('takedowns')
    .selectAll()
    .where('status', 'in', [...RENOTICE_STATUSES])
    .where('channel', '=', 'email')
    .where('next_notice_at', '<=', now)
    .orderBy('next_notice_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toTakedown);
}

export interface RenoticeResult {
  sent: number[];
  /** Takedown id → why not (delivery failed, evidence not preserved, changed meanwhile). */
  failed: Record<number, string>;
}

/** Sends every reminder due at `now`; one failure never stops the others. */
export async function runRenotices(deps: TakedownDeps, now: Date, limit = 100): Promise<RenoticeResult> {
  const result: RenoticeResult = { sent: [], failed: {} };
  for (const due of await dueRenotices(deps.db, now, limit)) {
    const claimed = await claim(deps.db, due, now);
    if (!claimed) continue; // another worker has it
    try {
      await sendTakedown(deps, claimed, { actor: SYSTEM_ACTOR, now, automatic: true });
      result.sent.push(due.id);
    } catch (err) {
      result.failed[due.id] = err instanceof Error ? err.message : String(err);
      await postpone(deps, claimed, now, err);
    }
  }
  return result;
}

async function claim(db: Kysely<Schema>, due: Takedown, now: Date): Promise<Takedown | null> {
  const row = await db
    .updateTable('takedowns')
    .set({ next_notice_at: new Date(now.getTime() + CLAIM_MS) })
    .where('id', '=', due.id)
    .where('status', '=', due.status)
    .where('sent_count', '=', due.sentCount)
    .where('next_notice_at', '<=', now)
    .returningAll()
    .executeTakeFirst();
  return row ? toTakedown(row) : null;
}

/** After a failed reminder: retry soon if delivery failed, else after a full interval. */
async function postpone(deps: TakedownDeps, takedown: Takedown, now: Date, err: unknown): Promise<void> {
  const hours = takedown.renoticeIntervalHours ?? deps.settings.renoticeHours;
  const at = isTakedownError(err, 'delivery')
    ? new Date(now.getTime() + deps.settings.retryMinutes * 60_000)
    : nextNoticeAt(now, hours);
  await deps.db
    .updateTable('takedowns')
    .set({ next_notice_at: at })
    .where('id', '=', takedown.id)
    .where('status', '=', takedown.status)
    .where('sent_count', '=', takedown.sentCount)
    .execute();
}

export interface SchedulerOptions {
  clock: () => Date;
  /** How often to look for due reminders (default every 5 minutes). */
  everyMs?: number;
  /** Also re-check availability each round. */
  recheck?: (now: Date) => Promise<unknown>;
  onError?: (err: unknown) => void;
}

/** Runs reminders (and availability checks) periodically in this process; returns stop(). */
export function startTakedownScheduler(deps: TakedownDeps, options: SchedulerOptions): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const round = async () => {
    const now = options.clock();
    await runRenotices(deps, now);
    if (options.recheck) await options.recheck(now);
  };
  const timer = setInterval(
    () => {
      if (running) return; // the previous round is still going
      running = round()
        .catch((err) => options.onError?.(err))
        .finally(() => {
          running = null;
        });
    },
    options.everyMs ?? 5 * 60_000,
  );
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
