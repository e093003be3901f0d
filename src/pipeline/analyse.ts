/**
 * The last stage: once every media item of a message has settled (hashed,
 * failed or missing), combine its text signals and its media's bank matches into
 * a finding. Idempotent: a finding is keyed by its message, and a message is
 * marked analysed in the same transaction that writes it.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Schema } from '../db/schema.js';
import type { TextSignals } from '../signals/analyze.js';
import { type Assessment, assessMessage, type MediaMatch, NO_SIGNALS } from './assess.js';

type Db = Kysely<Schema> | Transaction<Schema>;

/** Upserts the findings of assessed messages (null: nothing found, any old finding is removed). */
export async function writeFindings(
  db: Db,
  assessed: readonly { id: number; scanId: number | null; assessment: Assessment | null }[],
): Promise<number> {
  const found = assessed.filter((a) => a.assessment !== null);
  const cleared = assessed.filter((a) => a.assessment === null).map((a) => a.id);
  if (cleared.length > 0) await db.deleteFrom('findings').where('message_row', 'in', cleared).execute();
  if (found.length === 0) return 0;
  await db
    .insertInto('findings')
    .values(
      found.map(({ id, scanId, assessment }) => ({
        message_row: id,
        scan_id: scanId,
        severity: assessment!.severity,
        rank: assessment!.rank,
        matches: JSON.stringify(assessment!.matches),
        personal_data: JSON.stringify(assessment!.personalData),
        intent: JSON.stringify(assessment!.intent),
      })),
    )
    .onConflict((oc) =>
      oc.column('message_row').doUpdateSet({
        severity: sql`excluded.severity`,
        rank: sql`excluded.rank`,
        matches: sql`excluded.matches`,
        personal_data: sql`excluded.personal_data`,
        intent: sql`excluded.intent`,
      }),
    )
    .execute();
  return found.length;
}

/**
 * Assesses the given messages (or, without ids, every unanalysed one) whose
 * media have all settled. Returns how many were assessed. Safe to run from
 * several workers: each message is locked while it is assessed.
 */
export async function analyseSettled(
  db: Kysely<Schema>,
  messageRows?: readonly number[],
  options: { limit?: number; banks?: ReadonlySet<string> } = {},
): Promise<number> {
  if (messageRows && messageRows.length === 0) return 0;
  return db.transaction().execute(async (trx) => {
    let query = trx
      .selectFrom('messages as m')
      .select(['m.id', 'm.signals', 'm.scan_id'])
      .where('m.analysed_at', 'is', null)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('media_items as i')
              .select('i.id')
              .whereRef('i.message_row', '=', 'm.id')
              .where('i.state', 'in', ['pending', 'claimed']),
          ),
        ),
      )
      .orderBy('m.id')
      .limit(options.limit ?? 1000)
      .forUpdate()
      .skipLocked();
    if (messageRows) query = query.where('m.id', 'in', [...messageRows]);
    const messages = await query.execute();
    if (messages.length === 0) return 0;
    const ids = messages.map((m) => m.id);
    const media = await trx
      .selectFrom('media_items')
      .select(['message_row', 'matches'])
      .where('message_row', 'in', ids)
      .where('state', '=', 'done')
      .execute();
    const matchesByMessage = new Map<number, MediaMatch[]>();
    for (const item of media) {
      const kept = ((item.matches ?? []) as MediaMatch[]).filter((m) => !options.banks || options.banks.has(m.bank));
      if (kept.length === 0) continue;
      const list = matchesByMessage.get(item.message_row) ?? [];
      list.push(...kept);
      matchesByMessage.set(item.message_row, list);
    }
    const assessed = messages.map((m) => ({
      id: m.id,
      scanId: m.scan_id,
      assessment: assessMessage(
        { ...NO_SIGNALS, ...(m.signals as Partial<TextSignals>) },
        matchesByMessage.get(m.id) ?? [],
      ),
    }));
    await writeFindings(trx, assessed);
    await trx.updateTable('messages').set({ analysed_at: new Date() }).where('id', 'in', ids).execute();
    return messages.length;
  });
}
