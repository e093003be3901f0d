/**
 * Per-case data keys: created on a case's first capture, stored wrapped by the master
 * key (evidence_data_keys), unwrapped on demand and kept in memory while the vault is
 * open. Rotating the master key re-wraps every data key in one transaction; blobs,
 * which are encrypted with the data keys, are never touched.
 */
import type { Kysely } from 'kysely';
import type { Schema } from '../../db/schema.js';
import { assertCaseId, newDataKey, unwrapDataKey, type WrappedDataKey, wrapDataKey } from './crypto.js';
import { KeyUnwrapError } from './errors.js';
import type { MasterKey } from './master-key.js';

export interface DataKey {
  readonly caseId: string;
  readonly version: number;
  readonly key: Uint8Array;
}

const FIRST_VERSION = 1;

export class DataKeyRing {
  private readonly cache = new Map<string, DataKey>();
  /** Newest version per case, so a capture costs no key lookup after the case's first. */
  private readonly newest = new Map<string, number>();

  constructor(
    private readonly db: Kysely<Schema>,
    private master: MasterKey,
  ) {}

  /** The case's newest data key, created (version 1) when the case has none. */
  async current(caseId: string): Promise<DataKey> {
    assertCaseId(caseId);
    const known = this.newest.get(caseId);
    if (known !== undefined) return this.get(caseId, known);
    const latest = await this.db
      .selectFrom('evidence_data_keys')
      .select('key_version')
      .where('case_id', '=', caseId)
      .orderBy('key_version', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (latest) {
      this.newest.set(caseId, latest.key_version);
      return this.get(caseId, latest.key_version);
    }
    const fresh = newDataKey();
    const wrapped = wrapDataKey(this.master, caseId, FIRST_VERSION, fresh);
    fresh.fill(0);
    // Two first captures of a case may race: the first insert wins and both use its key.
    await this.db
      .insertInto('evidence_data_keys')
      .values(toRow(wrapped))
      .onConflict((oc) => oc.columns(['case_id', 'key_version']).doNothing())
      .execute();
    this.newest.set(caseId, FIRST_VERSION);
    return this.get(caseId, FIRST_VERSION);
  }

  /** One version of a case's data key; throws KeyUnwrapError when it is missing or altered. */
  async get(caseId: string, version: number): Promise<DataKey> {
    const id = `${caseId}\0${version}`;
    const cached = this.cache.get(id);
    if (cached) return cached;
    const key: DataKey = { caseId, version, key: await this.unwrapStored(caseId, version) };
    this.cache.set(id, key);
    return key;
  }

  /** Reads and unwraps the stored key, bypassing the cache (verification); the caller zeroes it. */
  async unwrapStored(caseId: string, version: number): Promise<Uint8Array> {
    const row = await this.db
      .selectFrom('evidence_data_keys')
      .selectAll()
      .where('case_id', '=', caseId)
      .where('key_version', '=', version)
      .executeTakeFirst();
    if (!row) throw new KeyUnwrapError(`case ${caseId} has no data key version ${version}`);
    return unwrapDataKey(this.master, fromRow(row));
  }

  /** Re-wraps every data key under `next` and uses it from now on. */
  async rotateMaster(next: MasterKey): Promise<RewrapResult> {
    const result = await rewrapDataKeys(this.db, this.master, next);
    this.master = next;
    return result;
  }

  /** Forgets cached keys (and overwrites them); call when closing, or to re-read altered rows. */
  clear(): void {
    for (const key of this.cache.values()) key.key.fill(0);
    this.cache.clear();
    this.newest.clear();
  }
}

export interface RewrapResult {
  /** Data keys now wrapped by the new master key. */
  readonly rewrapped: number;
  /** Already wrapped by the new key (a rotation that was run before, or resumed). */
  readonly alreadyCurrent: number;
}

/**
 * Re-wraps every data key from `oldMaster` to `newMaster` in one transaction: either all
 * keys move or none (a failure, e.g. one altered row, leaves everything as it was).
 * Keys already under `newMaster` are skipped, so running it twice is harmless.
 */
export async function rewrapDataKeys(
  db: Kysely<Schema>,
  oldMaster: MasterKey,
  newMaster: MasterKey,
): Promise<RewrapResult> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx.selectFrom('evidence_data_keys').selectAll().forUpdate().execute();
    let rewrapped = 0;
    let alreadyCurrent = 0;
    for (const row of rows) {
      if (row.master_key_id === newMaster.id) {
        alreadyCurrent++;
        continue;
      }
      const plain = unwrapDataKey(oldMaster, fromRow(row));
      const next = wrapDataKey(newMaster, row.case_id, row.key_version, plain);
      plain.fill(0);
      await trx
        .updateTable('evidence_data_keys')
        .set({
          master_key_id: next.masterKeyId,
          nonce: Buffer.from(next.nonce),
          wrapped: Buffer.from(next.wrapped),
          rewrapped_at: new Date(),
        })
        .where('case_id', '=', row.case_id)
        .where('key_version', '=', row.key_version)
        .execute();
      rewrapped++;
    }
    return { rewrapped, alreadyCurrent };
  });
}

type DataKeyRow = Pick<Schema['evidence_data_keys'], 'case_id' | 'key_version' | 'master_key_id' | 'nonce' | 'wrapped'>;

function fromRow(row: DataKeyRow): WrappedDataKey {
  return {
    caseId: row.case_id,
    keyVersion: row.key_version,
    masterKeyId: row.master_key_id,
    nonce: row.nonce,
    wrapped: row.wrapped,
  };
}

function toRow(key: WrappedDataKey) {
  return {
    case_id: key.caseId,
    key_version: key.keyVersion,
    master_key_id: key.masterKeyId,
    nonce: Buffer.from(key.nonce),
    wrapped: Buffer.from(key.wrapped),
  };
}
