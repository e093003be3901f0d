/**
 * A scan runs one source end to end: messages are stored in batches while media
 * workers hash and match what is queued, then the remaining messages are
 * assessed. Memory stays bounded whatever the export size: the source streams,
 * and everything between stages lives in the database, not in arrays.
 *
 * Scanning the same location again resumes the earlier scan: stored messages are
 * recognised by key and skipped, unfinished media are taken up again.
 */
import type { Database } from '../db/open.js';
import { defaultHashThreads, PhotoHashPool } from '../hashing/photo-pool.js';
import { FloodDetector } from '../matching/flood.js';
import { LiveIndex } from '../matching/live-index.js';
import { Matcher } from '../matching/matcher.js';
import type { NormalizedMessage, Source, SourceIssue } from '../sources/types.js';
import { analyseSettled } from './analyse.js';
import { MessageStore } from './ingest.js';
import { MediaLoop } from './media-loop.js';
import { MediaWorker, type MediaWorkerOptions, type SettledItem } from './media-worker.js';

export interface ScanOptions {
  source: Source;
  /** Where the source was read from: identifies the scan for resuming. */
  location: string;
  /** Only matches from these banks count (default: every enabled bank). */
  banks?: readonly string[];
  country?: string;
  /** Messages stored per transaction (default 200: short enough not to keep the hashing threads waiting). */
  batchSize?: number;
  photo?: MediaWorkerOptions['photo'];
  concurrency?: number;
  /** Threads that decode and hash photos (default: one per core beyond the main thread); 0: the main thread. */
  hashThreads?: number;
  onProgress?: (progress: ScanProgress) => void;
  onIssue?: (issue: SourceIssue) => void;
  /** Stops the scan between batches; what is stored stays stored. */
  signal?: AbortSignal;
}

export interface ScanProgress {
  messages: number;
  mediaQueued: number;
  mediaSettled: number;
  mediaFailed: number;
  mediaReused: number;
  mediaMissing: number;
  matches: number;
  issues: number;
  sourceDone: boolean;
  /**
   * Set when the source broke off (a truncated or corrupt export): what was read
   * before is stored, hashed and assessed; the scan reports the break and fails.
   */
  sourceError?: string;
}

export interface ScanResult {
  scanId: number;
  progress: ScanProgress;
  /** Seconds spent in each stage (stages overlap, so they may sum past the total). */
  timings: { total: number; ingest: number; media: number; analyse: number };
}

export async function runScan(database: Database, options: ScanOptions): Promise<ScanResult> {
  const started = performance.now();
  const scanId = await openScan(database, options);
  const progress: ScanProgress = {
    messages: 0,
    mediaQueued: 0,
    mediaSettled: 0,
    mediaFailed: 0,
    mediaReused: 0,
    mediaMissing: 0,
    matches: 0,
    issues: 0,
    sourceDone: false,
  };
  const report = () => options.onProgress?.(progress);
  const timings = { total: 0, ingest: 0, media: 0, analyse: 0 };
  const index = new LiveIndex();
  await index.start(database);
  const threads = options.hashThreads ?? defaultHashThreads();
  const pool = threads > 0 ? new PhotoHashPool(threads) : null;
  try {
    const matcher = new Matcher(database, index, new FloodDetector());
    const worker = new MediaWorker(database, {
      matcher,
      ...(pool ? { photoHasher: (file, photo) => pool.hash(file, photo) } : {}),
      ...(options.banks?.length ? { banks: new Set(options.banks) } : {}),
      ...(options.photo ? { photo: options.photo } : {}),
      concurrency: inFlight(options.concurrency ?? 3, pool),
      onSettled: (item: SettledItem) => {
        progress.mediaSettled++;
        if (item.state === 'failed') progress.mediaFailed++;
        if (item.reused) progress.mediaReused++;
        progress.matches += item.matches;
        report();
      },
    });
    // Two batches at once keep the hashing threads fed while the other batch is written.
    const media = new MediaLoop(worker, options.signal, { lanes: pool ? 2 : 1 });
    const hashing = media.run().then(() => {
      timings.media = media.busySeconds;
    });
    try {
      const t0 = performance.now();
      await ingestAll(database, scanId, options, progress, report, () => media.wake());
      timings.ingest = (performance.now() - t0) / 1000;
    } finally {
      progress.sourceDone = true;
      media.finish();
      await hashing;
    }
    const t1 = performance.now();
    const banks = options.banks?.length ? { banks: new Set(options.banks) } : {};
    while ((await analyseSettled(database.db, undefined, banks)) > 0) {}
    timings.analyse = (performance.now() - t1) / 1000;
    report();
  } finally {
    await pool?.close();
    await index.stop();
  }
  timings.total = (performance.now() - started) / 1000;
  await closeScan(database, scanId, progress, timings);
  return { scanId, progress, timings };
}

/**
 * Media items in progress per batch. Hashing on threads, the main thread only
 * reads files and dispatches; it also stores and analyses messages in chunks that
 * take it away for a tenth of a second or more. A queue of about eight photos per
 * thread keeps the threads busy through such a chunk.
 */
function inFlight(concurrency: number, pool: PhotoHashPool | null): number {
  return pool ? Math.max(concurrency, 8 * pool.size) : concurrency;
}

/** The scan row of this location, created or resumed; claims left by a killed run are released. */
async function openScan(database: Database, options: ScanOptions): Promise<number> {
  const row = await database.db
    .insertInto('scans')
    .values({
      source: options.source.kind,
      location: options.location,
      options: JSON.stringify({ banks: options.banks ?? [], country: options.country ?? null }),
    })
    .onConflict((oc) => oc.columns(['source', 'location']).doUpdateSet({ status: 'running', finished_at: null }))
    .returning('id')
    .executeTakeFirstOrThrow();
  if (database.kind === 'pglite') {
    // Embedded storage has one process by construction: any claim is a dead run's.
    await database.db
      .updateTable('media_items')
      .set({ state: 'pending', claimed_at: null })
      .where('state', '=', 'claimed')
      .execute();
  }
  return row.id;
}

async function closeScan(database: Database, scanId: number, progress: ScanProgress, timings: ScanResult['timings']) {
  await database.db
    .updateTable('scans')
    .set({
      status: progress.sourceError ? 'failed' : 'done',
      finished_at: new Date(),
      counters: JSON.stringify({ ...progress, timings }),
    })
    .where('id', '=', scanId)
    .execute();
}

async function ingestAll(
  database: Database,
  scanId: number,
  options: ScanOptions,
  progress: ScanProgress,
  report: () => void,
  queued: () => void,
): Promise<void> {
  const store = new MessageStore(database, { scanId, country: options.country });
  const size = options.batchSize ?? 200;
  let batch: NormalizedMessage[] = [];
  const flush = async () => {
    const result = await store.ingest(batch).catch((err: unknown) => {
      throw new StoreError(err);
    });
    batch = [];
    progress.mediaQueued += result.queued;
    progress.mediaMissing += result.missing;
    if (result.queued > 0) queued();
    report();
  };
  const onIssue = (issue: SourceIssue) => {
    progress.issues++;
    options.onIssue?.(issue);
  };
  try {
    for await (const message of options.source.messages(onIssue)) {
      batch.push(message);
      progress.messages++;
      if (batch.length >= size) await flush();
      if (options.signal?.aborted) break;
    }
  } catch (err) {
    // Only the source's own failures: a database error in flush() is not the export's fault.
    if (err instanceof StoreError) throw err.cause;
    progress.sourceError = `the source broke off after ${progress.messages} messages: ${(err as Error).message}`;
    onIssue({ kind: 'malformed', message: progress.sourceError });
  }
  if (batch.length > 0) await flush();
}

/** Marks a storage failure so it is not taken for a broken source. */
class StoreError extends Error {
  constructor(cause: unknown) {
    super('storing messages failed', { cause });
  }
}
