/**
 * Appending to the evidence log (migrations/0003_evidence_log.ts).
 *
 * Each append takes one transaction-scoped advisory lock (per schema), reads the
 * highest seq and inserts the next. Appenders in every process serialize, so seq is
 * gapless, equals the leaf's index in the Merkle tree, and commit order is seq order: a
 * reader always sees a prefix of the log. Called with a transaction, `appendLeaf` joins
 * it, so a capture record and its log entry commit (or roll back) together; the lock is
 * then held until that transaction ends, so keep such transactions short.
 *
 * Entry payloads are permanent and end up in evidence packages: put hashes and ids in
 * them, never secrets or clear personal data. The entry's own time is not hashed; put
 * one in the payload if it matters (the first signed head after it bounds it anyway).
 */
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../../db/schema.js';
import { toHex } from './bytes.js';
import { canonicalJson } from './canonical-json.js';
import { evidenceLeafHash } from './leaf.js';
import { sha256 } from './node-sha256.js';

const APPEND_LOCK_CLASS = 0x50454c31; // "PEL1"
const MAX_PAYLOAD_CHARS = 64 * 1024;

export interface AppendedLeaf {
  seq: number;
  /** 64 lowercase hex digits. */
  leafHash: string;
}

/** Takes a transaction-scoped advisory lock of `lockClass` for the current schema. */
export async function lockLog(trx: Kysely<Schema>, lockClass: number): Promise<void> {
  await sql`select pg_advisory_xact_lock(${lockClass}::int, hashtext(coalesce(current_schema(), '')))`.execute(trx);
}

/**
 * Appends one entry; joins `db` if it is a transaction. The leaf data is the canonical
 * JSON of {kind, payload} (leaf.ts).
 */
export async function appendLeaf(
  db: Kysely<Schema>,
  kind: string,
  payload: Record<string, unknown>,
): Promise<AppendedLeaf> {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new TypeError('an evidence log payload is a JSON object');
  }
  const hash = evidenceLeafHash(sha256, kind, payload); // validates kind and payload
  const json = canonicalJson(payload);
  if (json.length > MAX_PAYLOAD_CHARS) throw new TypeError(`evidence log payload over ${MAX_PAYLOAD_CHARS} characters`);
  // An escaped NUL preceded by an even run of backslashes: PostgreSQL's jsonb refuses it.
  if (/(?:^|[^\\])(?:\\\\)*\\u0000/.test(json)) throw new TypeError('evidence log payload strings cannot hold NUL');
  const insert = async (trx: Kysely<Schema>): Promise<AppendedLeaf> => {
    await lockLog(trx, APPEND_LOCK_CLASS);
    const seq = await nextSeq(trx);
    await trx
      .insertInto('evidence_log_leaves')
      .values({ seq, leaf_hash: Buffer.from(hash), kind, payload: json })
      .execute();
    return { seq, leafHash: toHex(hash) };
  };
  return db.isTransaction ? insert(db) : db.transaction().execute(insert);
}

async function nextSeq(db: Kysely<Schema>): Promise<number> {
  const row = await db
    .selectFrom('evidence_log_leaves')
    .select((eb) => eb.fn.max('seq').as('max'))
    .executeTakeFirst();
  return row?.max === null || row?.max === undefined ? 0 : Number(row.max) + 1;
}

/** Number of committed entries. */
export async function logSize(db: Kysely<Schema>): Promise<number> {
  return nextSeq(db);
}
