/**
 * The chain of custody: every access to a preserved item (view, decrypt, export, verify,
 * and refused attempts) is a row in evidence_custody and an entry in the evidence log,
 * written in one transaction before anything is handed out.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Schema } from '../../db/schema.js';
import { rowMac, rowMacMatches } from './crypto.js';
import { type EvidenceLog, type LogAppendResult, leafHashHex, VAULT_LOG_KINDS } from './evidence-log.js';
import type { Actor } from './record.js';

export type CustodyAction = 'capture' | 'view' | 'decrypt' | 'export' | 'verify';
export type CustodyOutcome = 'ok' | 'refused' | 'failed';

export interface CustodyEventInput {
  readonly captureId: string;
  readonly caseId: string;
  /** UTC, ISO 8601 with milliseconds. */
  readonly at: string;
  readonly action: CustodyAction;
  readonly outcome: CustodyOutcome;
  readonly actor: Actor;
  readonly purpose: string;
  /** Facts that make the event readable later (what was included, why it failed). Never secrets. */
  readonly details: Record<string, unknown>;
}

export interface CustodyEvent extends Omit<CustodyEventInput, 'caseId'> {
  readonly id: number;
  readonly logSeq: number;
  readonly logLeafHash: string;
}

/** JSON with object keys sorted: jsonb does not keep key order, the MAC needs one. */
export function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${sortedJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The string a custody event's log digest and MAC cover (the offline verifier recomputes it). */
export function canonicalCustodyBody(e: CustodyEventInput): string {
  return JSON.stringify([
    'perisai:custody:v1',
    e.captureId,
    e.caseId,
    e.at,
    e.action,
    e.outcome,
    e.actor.kind,
    e.actor.id,
    e.purpose,
    sortedJson(e.details),
  ]);
}

function canonicalWithLog(e: CustodyEventInput, seq: number, leafHashHex: string): string {
  return JSON.stringify([canonicalCustodyBody(e), seq, leafHashHex]);
}

/**
 * Appends one custody event inside `trx`. A capture's own event reuses the capture's log
 * entry (`logged`); every later access gets its own entry, which commits to the event
 * by digest. `macKey` is null only when the case's data key could not be unwrapped.
 */
export async function appendCustody(
  trx: Kysely<Schema>,
  log: EvidenceLog,
  macKey: Uint8Array | null,
  event: CustodyEventInput,
  logged?: LogAppendResult,
): Promise<void> {
  const entry =
    logged ??
    (await log.append(
      VAULT_LOG_KINDS.custody,
      {
        captureId: event.captureId,
        caseId: event.caseId,
        action: event.action,
        outcome: event.outcome,
        digest: createHash('sha256').update(canonicalCustodyBody(event)).digest('hex'),
      },
      trx,
    ));
  const leafHex = leafHashHex(entry);
  await trx
    .insertInto('evidence_custody')
    .values({
      capture_id: event.captureId,
      at: new Date(event.at),
      action: event.action,
      outcome: event.outcome,
      actor_kind: event.actor.kind,
      actor_id: event.actor.id,
      purpose: event.purpose,
      details: JSON.stringify(event.details),
      log_seq: entry.seq,
      log_leaf_hash: Buffer.from(leafHex, 'hex'),
      mac: macKey ? rowMac(macKey, canonicalWithLog(event, entry.seq, leafHex)) : null,
    })
    .execute();
}

export interface StoredCustody {
  readonly event: CustodyEvent;
  readonly mac: Uint8Array | null;
}

export async function readCustody(db: Kysely<Schema>, captureId: string): Promise<StoredCustody[]> {
  const rows = await db
    .selectFrom('evidence_custody')
    .selectAll()
    .where('capture_id', '=', captureId)
    .orderBy('id')
    .execute();
  return rows.map((row) => ({
    event: {
      id: row.id,
      captureId: row.capture_id,
      at: row.at.toISOString(),
      action: row.action,
      outcome: row.outcome,
      actor: { kind: row.actor_kind, id: row.actor_id },
      purpose: row.purpose,
      details: row.details,
      logSeq: row.log_seq,
      logLeafHash: row.log_leaf_hash.toString('hex'),
    },
    mac: row.mac,
  }));
}

/** Problems with a chain's rows: a MAC that does not match, or one missing where it must exist. */
export function custodyProblems(chain: readonly StoredCustody[], caseId: string, macKey: Uint8Array): string[] {
  const problems: string[] = [];
  for (const { event, mac } of chain) {
    const { id, logSeq, logLeafHash, ...rest } = event;
    const canonical = canonicalWithLog({ ...rest, caseId }, logSeq, logLeafHash);
    if (mac === null) {
      // Only an access that failed to unwrap the key could not be authenticated.
      if (event.outcome !== 'failed') problems.push(`custody event ${id} has no MAC`);
    } else if (!rowMacMatches(macKey, canonical, mac)) {
      problems.push(`custody event ${id} was altered (MAC mismatch)`);
    }
  }
  if (chain[0]?.event.action !== 'capture') problems.push('the chain of custody does not start with the capture');
  return problems;
}
