/**
 * Bulk import: many content items in a handful of statements, for loading
 * large banks (a million hashes from a partner) in minutes, not hours.
 *
 * Ids are drawn from the sequences first, then content and signals are each
 * inserted by one `unnest` of parallel arrays. Hashes travel as hex text and
 * are decoded in SQL. The feed rows are written in the same transaction, as
 * for every other bank write. Items with vPDQ frames take the ordinary path.
 */
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../db/schema.js';
import { requireBankForWrite } from './banks.js';
import { withFeed } from './changes.js';
import { importContent, type NewContentInput, newContentInput } from './content.js';
import { validationError } from './errors.js';
import { toStoredSignal } from './hashes.js';

const FEED_CHUNK = 50_000;

interface Columns {
  contentIds: string[];
  notes: (string | null)[];
  metadata: string[];
  sources: string[];
  caseRefs: (string | null)[];
  sigContent: string[];
  sigType: string[];
  sigHash: string[];
  sigQuality: (number | null)[];
}

/** Adds many items to a bank in one transaction (all or none); returns their ids in input order. */
export async function importContentBulk(
  db: Kysely<Schema>,
  bankName: string,
  inputs: readonly NewContentInput[],
): Promise<number[]> {
  const parsed = inputs.map((input, i) => {
    const result = newContentInput.safeParse(input);
    if (!result.success) throw validationError(`content item ${i}`, result.error);
    return { ...result.data, stored: result.data.signals.map(toStoredSignal) };
  });
  const plain = parsed.filter((p) => p.stored.every((s) => s.frames.length === 0));
  if (plain.length !== parsed.length) {
    // Video items carry frame rows; they are rare in bulk files and take the ordinary path.
    const ids: number[] = [];
    for (const item of inputs) ids.push(...(await importContent(db, bankName, [item])).map((c) => c.id));
    return ids;
  }
  if (parsed.length === 0) return [];
  return withFeed(db, async (trx, feed) => {
    const bank = await requireBankForWrite(trx, bankName);
    const ids = await nextIds(trx, 'bank_content', parsed.length);
    const cols: Columns = {
      contentIds: [],
      notes: [],
      metadata: [],
      sources: [],
      caseRefs: [],
      sigContent: [],
      sigType: [],
      sigHash: [],
      sigQuality: [],
    };
    parsed.forEach((item, i) => {
      const id = String(ids[i]);
      cols.contentIds.push(id);
      cols.notes.push(item.note ?? null);
      cols.metadata.push(JSON.stringify(item.metadata ?? {}));
      cols.sources.push(item.source);
      cols.caseRefs.push(item.caseRef ?? null);
      for (const s of item.stored) {
        cols.sigContent.push(id);
        cols.sigType.push(s.type);
        cols.sigHash.push(s.hash.toString('hex'));
        cols.sigQuality.push(s.quality);
      }
    });
    await sql`
      insert into bank_content (id, bank_id, note, metadata, source, case_ref)
      select c.id, ${bank.id}, c.note, c.metadata, c.source, c.case_ref
      from unnest(${cols.contentIds}::bigint[], ${cols.notes}::text[], ${cols.metadata}::jsonb[],
                  ${cols.sources}::text[], ${cols.caseRefs}::text[]) as c(id, note, metadata, source, case_ref)
    `.execute(trx);
    await sql`
      insert into signals (content_id, bank_id, type, hash, quality)
      select s.content_id, ${bank.id}, s.type, decode(s.hash, 'hex'), s.quality
      from unnest(${cols.sigContent}::bigint[], ${cols.sigType}::text[], ${cols.sigHash}::text[],
                  ${cols.sigQuality}::int[]) as s(content_id, type, hash, quality)
    `.execute(trx);
    if (bank.enabled) {
      for (let i = 0; i < ids.length; i += FEED_CHUNK) await feed.content(ids.slice(i, i + FEED_CHUNK), 'add');
    }
    return ids;
  });
}

/** Draws `n` values from a table's id sequence. */
async function nextIds(trx: Kysely<Schema>, table: 'bank_content', n: number): Promise<number[]> {
  const { rows } = await sql<{ id: string | number }>`
    select nextval(pg_get_serial_sequence(${table}, 'id')) as id from generate_series(1, ${n})
  `.execute(trx);
  return rows.map((r) => Number(r.id));
}
