/**
 * Stages 2-4 of the pipeline for queued media: claim a batch of items, hash each
 * file (or reuse the hashes of the same SHA-256), match against the banks, then
 * settle the batch in one transaction and assess the messages it completed.
 *
 * Durability: claiming sets a lease (claimed_at). A worker killed mid-batch
 * leaves claimed rows that any worker takes again once the lease has run out;
 * settling is keyed by item id and hashes by SHA-256, so a batch processed twice
 * writes the same rows. An item that keeps failing stops after maxAttempts.
 */
import { sql } from 'kysely';
import type { Database } from '../db/open.js';
import type { Matcher } from '../matching/matcher.js';
import { isMediaError } from '../media/errors.js';
import { BatchLoader } from '../util/batch-loader.js';
import { mapOrdered } from '../util/map-ordered.js';
import { analyseSettled } from './analyse.js';
import type { MediaMatch } from './assess.js';
import { storableJson } from './json-safe.js';
import {
  type ContentHashes,
  hashesFromRow,
  hashesToRow,
  hashMediaItem,
  type MediaHashOptions,
  queryOfHashes,
} from './media-hash.js';

export interface MediaWorkerOptions extends MediaHashOptions {
  /** Null: hash only (no banks to match). */
  matcher: Matcher | null;
  /** Only matches from these banks count (default: every enabled bank). */
  banks?: ReadonlySet<string>;
  /** Files hashed at once: decoding runs on libuv threads while PDQ runs here. Default 3. */
  concurrency?: number;
  batchSize?: number;
  leaseMs?: number;
  maxAttempts?: number;
  /** Called for each settled item, for progress displays. */
  onSettled?: (item: SettledItem) => void;
}

export interface SettledItem {
  id: number;
  state: 'done' | 'failed';
  reused: boolean;
  matches: number;
  error?: string;
}

interface ClaimedItem {
  id: number;
  message_row: number;
  media_id: string;
  type: string;
  path: string | null;
  attempts: number;
}

interface Outcome extends SettledItem {
  messageRow: number;
  hashes?: ContentHashes;
  mediaMatches?: MediaMatch[];
  /** The SHA-256 this item registered in `inFlight`: removed once the batch is settled. */
  inFlightKey?: string;
}

export class MediaWorker {
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  /** SHA-256s hashed in this process and still being written: one decode per content. */
  private readonly inFlight = new Map<string, Promise<ContentHashes | undefined>>();
  /** Stored hashes by SHA-256, looked up many at a time. */
  private readonly stored: BatchLoader<string, ContentHashes>;

  constructor(
    private readonly database: Database,
    private readonly options: MediaWorkerOptions,
  ) {
    this.batchSize = options.batchSize ?? 32;
    this.leaseMs = options.leaseMs ?? 5 * 60_000;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.stored = new BatchLoader(async (keys) => {
      const rows = await database.db
        .selectFrom('media_hashes')
        .selectAll()
        .where(
          'sha256',
          'in',
          keys.map((h) => Buffer.from(h, 'hex')),
        )
        .execute();
      return new Map(rows.map((r) => [r.sha256.toString('hex'), hashesFromRow(r)]));
    });
  }

  /** Processes batches until no claimable item is left; returns how many items it settled. */
  async drain(signal?: AbortSignal): Promise<number> {
    let total = 0;
    while (!signal?.aborted) {
      const n = await this.runBatch();
      if (n === 0) break;
      total += n;
    }
    return total;
  }

  /** Claims and processes one batch; returns its size (0: nothing to do). */
  async runBatch(): Promise<number> {
    const items = await this.claim();
    if (items.length === 0) return 0;
    const outcomes: Outcome[] = [];
    const source = (async function* () {
      yield* items;
    })();
    for await (const outcome of mapOrdered(source, this.options.concurrency ?? 3, (item) => this.process(item))) {
      outcomes.push(outcome);
    }
    await this.settle(outcomes);
    // Settled content is in media_hashes now; until then waiters used the in-flight promise.
    for (const o of outcomes) if (o.inFlightKey) this.inFlight.delete(o.inFlightKey);
    for (const o of outcomes) this.options.onSettled?.(o);
    await analyseSettled(this.database.db, [...new Set(outcomes.map((o) => o.messageRow))], {
      ...(this.options.banks ? { banks: this.options.banks } : {}),
    });
    return items.length;
  }

  private async claim(): Promise<ClaimedItem[]> {
    const { rows } = await sql<ClaimedItem>`
      update media_items set state = 'claimed', claimed_at = now(), attempts = attempts + 1
      where id in (
        select id from media_items
        where state = 'pending'
           or (state = 'claimed' and claimed_at < now() - make_interval(secs => ${this.leaseMs / 1000}))
        order by id limit ${this.batchSize}
        for update skip locked)
      returning id, message_row, media_id, type, path, attempts`.execute(this.database.db);
    return rows.sort((a, b) => a.id - b.id);
  }

  private async process(item: ClaimedItem): Promise<Outcome> {
    const base = { id: item.id, messageRow: item.message_row, reused: false, matches: 0 };
    if (item.attempts > this.maxAttempts) {
      return {
        ...base,
        state: 'failed',
        error: `gave up after ${this.maxAttempts} attempts (the worker stopped each time)`,
      };
    }
    // When this item turns out to hold new content, others with the same SHA-256 wait for it.
    let claimed: { sha256: string; resolve: (h: ContentHashes | undefined) => void } | undefined;
    const known = async (sha256: string) => {
      const found = await this.stored.get(sha256);
      if (found || this.inFlight.has(sha256)) return found ?? this.inFlight.get(sha256);
      let resolve!: (h: ContentHashes | undefined) => void;
      this.inFlight.set(sha256, new Promise((r) => (resolve = r)));
      claimed = { sha256, resolve };
      return undefined;
    };
    try {
      const { hashes, reused } = await hashMediaItem(item.path!, item.type, known, this.options);
      claimed?.resolve(hashes);
      const mediaMatches = await this.match(item.media_id, hashes);
      const inFlightKey = claimed?.sha256;
      return { ...base, state: 'done', reused, hashes, mediaMatches, matches: mediaMatches.length, inFlightKey };
    } catch (err) {
      claimed?.resolve(undefined);
      // Nothing will be written for it: a later item with these bytes hashes them itself.
      if (claimed) this.inFlight.delete(claimed.sha256);
      if (!isMediaError(err)) throw err;
      return { ...base, state: 'failed', error: err.message };
    }
  }

  private async match(mediaId: string, hashes: ContentHashes): Promise<MediaMatch[]> {
    const matcher = this.options.matcher;
    if (!matcher) return [];
    const result = await matcher.lookup(queryOfHashes(hashes));
    return result.matches
      .filter((m) => m.bankKind === 'block' && !m.suppressed)
      .filter((m) => !this.options.banks || this.options.banks.has(m.bank))
      .map((m) => ({
        mediaId,
        bank: m.bank,
        bankId: m.bankId,
        category: m.category,
        contentId: m.contentId,
        signalType: m.signalType,
        distance: m.distance,
        caseRef: m.caseRef,
        held: m.held,
      }));
  }

  /** Writes the batch's hashes and item states in one transaction. */
  private async settle(outcomes: readonly Outcome[]): Promise<void> {
    const fresh = new Map<string, ContentHashes>();
    for (const o of outcomes) if (o.hashes && !o.reused) fresh.set(o.hashes.sha256, o.hashes);
    await this.database.db.transaction().execute(async (trx) => {
      if (fresh.size > 0) {
        await trx
          .insertInto('media_hashes')
          .values([...fresh.values()].map(hashesToRow))
          .onConflict((oc) => oc.column('sha256').doNothing())
          .execute();
      }
      const rows = outcomes.map((o) => ({
        id: o.id,
        state: o.state,
        sha256: o.hashes?.sha256 ?? null,
        matches: o.mediaMatches ?? null,
        error: o.error ?? null,
      }));
      // One statement for the batch: per-row updates were a large share of PGlite's time.
      await sql`
        update media_items i
        set state = x.state, sha256 = decode(x.sha256, 'hex'), matches = x.matches, error = x.error, claimed_at = null
        from jsonb_to_recordset(${storableJson(rows)}::jsonb)
          as x(id bigint, state text, sha256 text, matches jsonb, error text)
        where i.id = x.id`.execute(trx);
    });
  }
}
