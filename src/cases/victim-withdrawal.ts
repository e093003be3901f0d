/**
 * A victim withdraws some or all of their hashes. The withdrawal is one
 * transaction: every chosen item becomes a tombstone (status 'withdrawn', which
 * is final), and 'remove' rows for all their signals go into the change feed
 * together, so every index following the feed drops them at once, and exports
 * carry them as tombstones for receivers to delete their copies.
 *
 * Done as one statement rather than a withdrawContent() per item: a victim may
 * withdraw 50 hashes, and the target is under a second.
 *
 * On the child-protection path nothing is withdrawn: the request is put on the
 * case for the hotline's child-protection team (see victims.ts for why).
 */
import { type Kysely, sql } from 'kysely';
import { withFeed } from '../banks/changes.js';
import { isMatchable } from '../banks/content.js';
import type { Schema } from '../db/schema.js';
import { addCaseEvent, inTransaction, VICTIM_CASE_ACTOR } from './cases.js';
import { CaseError } from './errors.js';
import type { VictimDeps, VictimSession } from './victims.js';

export type WithdrawalOutcome =
  | { outcome: 'withdrawn'; withdrawn: number[]; alreadyWithdrawn: number[] }
  /** Child-protection path: recorded for the hotline's team, nothing withdrawn. */
  | { outcome: 'referred'; requested: number[] };

/** The content ids of a registration's hashes, with their status, in id order. */
export async function registrationContent(db: Kysely<Schema>, session: Pick<VictimSession, 'bankId' | 'caseNumber'>) {
  return db
    .selectFrom('bank_content')
    .select(['id', 'status'])
    .where('bank_id', '=', session.bankId)
    .where('case_ref', '=', session.caseNumber)
    .where('source', '=', 'victim')
    .orderBy('id')
    .execute();
}

/**
 * Withdraws some or all (`contentIds` absent) of the registration's hashes. Call
 * the index's refresh afterwards so this process drops them before answering.
 */
export async function withdrawVictimHashes(
  deps: VictimDeps,
  session: VictimSession,
  contentIds?: readonly number[],
): Promise<WithdrawalOutcome> {
  const own = await registrationContent(deps.db, session);
  const ownIds = new Set(own.map((c) => c.id));
  const chosen = contentIds ? [...new Set(contentIds)] : [...ownIds];
  const foreign = chosen.find((id) => !ownIds.has(id));
  if (foreign !== undefined) throw new CaseError('not-found', `hash ${foreign} is not part of this registration`);
  const now = deps.clock();
  const target = { targetKind: 'registration', targetId: String(session.registrationId) };
  if (session.path === 'child_protection') {
    await addCaseEvent(
      deps.db,
      session.caseId,
      {
        kind: 'alert',
        ...target,
        body: `asked to withdraw ${chosen.length} hashes: for the child-protection team to decide`,
        details: { content_ids: chosen },
      },
      VICTIM_CASE_ACTOR,
      now,
    );
    return { outcome: 'referred', requested: chosen };
  }
  const withdrawn = await inTransaction(deps.db, async (trx) => {
    const ids = await tombstone(trx, chosen);
    if (ids.length > 0) {
      await addCaseEvent(
        trx,
        session.caseId,
        {
          kind: 'victim',
          ...target,
          body: `withdrew ${ids.length} hash${ids.length === 1 ? '' : 'es'}`,
          details: { content_ids: ids },
        },
        VICTIM_CASE_ACTOR,
        now,
      );
    }
    return ids;
  });
  const fresh = new Set(withdrawn);
  return {
    outcome: 'withdrawn',
    withdrawn,
    alreadyWithdrawn: chosen.filter((id) => !fresh.has(id)).sort((a, b) => a - b),
  };
}

/**
 * Marks the items withdrawn and announces 'remove' for the signals of those that
 * were matchable (as content.ts's updateContent does for one item). Returns the
 * ids that were not withdrawn before, in id order.
 */
async function tombstone(db: Kysely<Schema>, contentIds: readonly number[]): Promise<number[]> {
  if (contentIds.length === 0) return [];
  return withFeed(db, async (trx, feed) => {
    const before = await trx
      .selectFrom('bank_content as c')
      .innerJoin('banks as b', 'b.id', 'c.bank_id')
      .select(['c.id', 'c.status', 'c.disabled_until', 'b.enabled', sql<Date>`now()`.as('db_now')])
      .where('c.id', 'in', contentIds)
      .where('c.status', '<>', 'withdrawn')
      .orderBy('c.id')
      .forUpdate('c')
      .execute();
    if (before.length === 0) return [];
    const ids = before.map((r) => r.id);
    await trx
      .updateTable('bank_content')
      .set({ status: 'withdrawn', disabled_until: null, updated_at: sql<Date>`now()` })
      .where('id', 'in', ids)
      .execute();
    const leaving = before.filter((r) => r.enabled && isMatchable(r, r.db_now)).map((r) => r.id);
    await feed.content(leaving, 'remove');
    return ids;
  });
}
