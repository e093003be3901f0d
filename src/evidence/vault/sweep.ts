/**
 * Removing orphaned ciphertext: blobs written by a capture that crashed (or failed)
 * before its transaction committed. Nothing references them, and they hold no clear
 * data, so they are harmless until swept.
 */
import type { Kysely } from 'kysely';
import type { Schema } from '../../db/schema.js';
import type { BlobStore } from './blob-store.js';

export interface SweepResult {
  /** Unreferenced blobs older than the grace period, deleted. */
  readonly removed: number;
  /** Blobs still referenced, or too recent to judge (a capture may be committing). */
  readonly kept: number;
  /** Leftover temp files of interrupted writes (ciphertext), deleted. */
  readonly temporaries: number;
}

const BATCH = 500;

/**
 * Deletes the blobs no capture references that were not touched since `cutoff`. A capture
 * touches (or writes) its blobs before committing, and deletion re-checks the time
 * atomically (BlobStore.deleteIfUntouched), so a capture in progress never loses a blob.
 */
export async function sweepOrphans(db: Kysely<Schema>, store: BlobStore, cutoff: Date): Promise<SweepResult> {
  let removed = 0;
  let kept = 0;
  let batch: string[] = [];
  const flush = async () => {
    const referenced = await referencedNames(db, batch);
    for (const name of batch) {
      if (!referenced.has(name) && (await store.deleteIfUntouched(name, cutoff))) removed++;
      else kept++;
    }
    batch = [];
  };
  for await (const blob of store.list()) {
    if (blob.touchedAt >= cutoff) {
      kept++;
      continue;
    }
    batch.push(blob.name);
    if (batch.length >= BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  const temporaries = (await store.removeStaleTemporaries?.(cutoff)) ?? 0;
  return { removed, kept, temporaries };
}

async function referencedNames(db: Kysely<Schema>, names: readonly string[]): Promise<Set<string>> {
  const rows = await db
    .selectFrom('evidence_captures')
    .select(['media_blob', 'record_blob'])
    .where((eb) => eb.or([eb('media_blob', 'in', names), eb('record_blob', 'in', names)]))
    .execute();
  return new Set(rows.flatMap((r) => [r.media_blob, r.record_blob]).filter((n): n is string => n !== null));
}
