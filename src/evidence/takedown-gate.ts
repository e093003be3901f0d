/**
 * Preserve before takedown, the vault's side: a takedown may go out only when
 * the evidence of everything it asks to remove is captured in the vault and its
 * capture record is in the tamper-evident log.
 *
 * What counts as "its evidence": the capture ids named in the takedown's
 * evidence reference ("cap_..., cap_..."), else one capture per item that names
 * a chat and a message id. An item given only as a URL cannot be checked here,
 * so a takedown with such items needs capture ids in its evidence reference.
 */
import type { Kysely } from 'kysely';
import type { EvidenceCheck, EvidenceGate } from '../actions/takedowns/gate.js';
import type { Takedown } from '../actions/takedowns/model.js';
import type { Schema } from '../db/schema.js';

const CAPTURE_ID = /[A-Za-z0-9_-]{8,}/g;

export function vaultEvidenceGate(db: Kysely<Schema>): EvidenceGate {
  return {
    async isPreserved(takedown: Takedown): Promise<EvidenceCheck> {
      const named = takedown.evidenceRef?.match(CAPTURE_ID) ?? [];
      if (named.length > 0) return capturesByIds(db, [...new Set(named)]);
      const items = takedown.items.filter((i) => i.chat && i.message_id);
      if (items.length === 0 || items.length < takedown.items.length) return { preserved: false };
      const found: string[] = [];
      for (const item of items) {
        const row = await db
          .selectFrom('evidence_captures')
          .select(['id', 'log_seq'])
          .where('chat_id', '=', item.chat!)
          .where('message_id', '=', item.message_id!)
          .orderBy('captured_at')
          .executeTakeFirst();
        if (!row) return { preserved: false };
        found.push(`${row.id} (log #${row.log_seq})`);
      }
      return { preserved: true, reference: found.join(', ') };
    },
  };
}

async function capturesByIds(db: Kysely<Schema>, ids: string[]): Promise<EvidenceCheck> {
  const rows = await db.selectFrom('evidence_captures').select(['id', 'log_seq']).where('id', 'in', ids).execute();
  if (rows.length !== ids.length) return { preserved: false };
  return { preserved: true, reference: rows.map((r) => `${r.id} (log #${r.log_seq})`).join(', ') };
}
