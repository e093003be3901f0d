/** Signal counts per bank and type, active content only, for listings and status pages. */
import { type Kysely, sql } from 'kysely';
import type { Schema, SignalType } from '../db/schema.js';

export async function countBankSignals(db: Kysely<Schema>): Promise<Map<number, Partial<Record<SignalType, number>>>> {
  const rows = await db
    .selectFrom('signals as s')
    .innerJoin('bank_content as c', 'c.id', 's.content_id')
    .select(['s.bank_id as bankId', 's.type', sql<string>`count(*)`.as('n')])
    .where('c.status', '!=', 'withdrawn')
    .groupBy(['s.bank_id', 's.type'])
    .execute();
  const out = new Map<number, Partial<Record<SignalType, number>>>();
  for (const r of rows) {
    const entry = out.get(r.bankId) ?? {};
    entry[r.type] = Number(r.n);
    out.set(r.bankId, entry);
  }
  return out;
}
