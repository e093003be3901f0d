/**
 * The in-memory matching index of one process, loaded from the database and
 * kept current through the signal change feed.
 *
 * Loading: take the feed position first, then read every matchable signal in
 * pages. The PDQ index is rebuilt from what has been read each time the count
 * doubles, and swapped in, so queries are answered (partially, flagged as
 * such) while a large bank loads. Changes made during the load are replayed
 * from the feed afterwards; add/remove by signal id is idempotent, so nothing
 * is lost or doubled.
 *
 * Freshness: writes made through this process call `apply` at once; other
 * processes' writes arrive through the ChangeFollower (NOTIFY on PostgreSQL,
 * polling everywhere).
 */

import { latestChangeSeq, readChanges, type SignalChange } from '../banks/changes.js';
import { ChangeFollower } from '../banks/follower.js';
import { getVpdqFramesBySignal, type IndexSignal, iterateSignalsForIndex } from '../banks/signal-index.js';
import { hash256ToWords } from '../core/hash256.js';
import { HammingIndex } from '../core/matching/hamming-index.js';
import { makeVpdqFeature } from '../core/vpdq/feature.js';
import type { Database } from '../db/open.js';
import type { SignalType } from '../db/schema.js';
import { SignalTable } from './signal-table.js';
import { VideoIndex } from './video-index.js';

export interface IndexStatus {
  state: 'empty' | 'loading' | 'ready' | 'stopped';
  /** Signals loaded so far, per type. */
  counts: Record<SignalType, number>;
  /** Good frames of the vPDQ signals in the video index. */
  vpdqFrames: number;
  /** Feed position applied. */
  changeSeq: number;
  loadStartedAt: string | null;
  loadedAt: string | null;
  loadSeconds: number | null;
  /** Approximate bytes of the in-memory structures. */
  bytes: number;
}

export interface LiveIndexOptions {
  pollIntervalMs?: number;
  pageSize?: number;
  onError?: (err: unknown) => void;
}

/** Exact-match table: lowercase hex digest -> signal ids. */
class DigestTable {
  private readonly map = new Map<string, number | number[]>();
  size = 0;
  add(hex: string, id: number): void {
    const cur = this.map.get(hex);
    if (cur === undefined) this.map.set(hex, id);
    else if (typeof cur === 'number') {
      if (cur === id) return;
      this.map.set(hex, [cur, id]);
    } else if (!cur.includes(id)) cur.push(id);
    else return;
    this.size++;
  }
  remove(hex: string, id: number): void {
    const cur = this.map.get(hex);
    if (cur === undefined) return;
    if (typeof cur === 'number') {
      if (cur !== id) return;
      this.map.delete(hex);
    } else {
      const i = cur.indexOf(id);
      if (i < 0) return;
      cur.splice(i, 1);
      if (cur.length === 1) this.map.set(hex, cur[0]!);
    }
    this.size--;
  }
  get(hex: string): number[] {
    const cur = this.map.get(hex);
    return cur === undefined ? [] : typeof cur === 'number' ? [cur] : [...cur];
  }
}

export class LiveIndex {
  readonly pdq = new HammingIndex();
  readonly md5 = new DigestTable();
  readonly sha256 = new DigestTable();
  readonly signals = new SignalTable();
  /** Ids of the matchable vPDQ signals. */
  readonly vpdq = new Set<number>();
  /** Their frames, in a Hamming index of their own (see video-index.ts). */
  readonly video = new VideoIndex();
  /** Frame loads in flight for vPDQ signals added by the feed. */
  private videoLoads: Promise<void> = Promise.resolve();
  private readonly hexOf = new Map<number, { type: 'md5' | 'sha256'; hex: string }>();
  private state: IndexStatus['state'] = 'empty';
  private seq = 0;
  private loadStartedAt: Date | null = null;
  private loadedAt: Date | null = null;
  private follower: ChangeFollower | null = null;
  private pending: SignalChange[] | null = null;
  private database: Database | null = null;

  constructor(private readonly options: LiveIndexOptions = {}) {}

  /** Loads everything, then follows the feed. Queries are served during the load. */
  async start(database: Database): Promise<void> {
    if (this.state !== 'empty') throw new Error('LiveIndex already started');
    this.state = 'loading';
    this.database = database;
    this.loadStartedAt = new Date();
    const startSeq = await latestChangeSeq(database.db);
    this.pending = [];
    await this.load(database);
    const buffered = this.pending;
    this.pending = null;
    this.seq = startSeq;
    this.follower = new ChangeFollower(database, {
      afterSeq: startSeq,
      onChanges: (changes) => this.apply(changes),
      ...(this.options.pollIntervalMs ? { pollIntervalMs: this.options.pollIntervalMs } : {}),
      ...(this.options.onError ? { onError: this.options.onError } : {}),
    });
    this.apply(buffered);
    await this.follower.start();
    this.state = 'ready';
    this.loadedAt = new Date();
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    await this.follower?.stop();
    this.follower = null;
  }

  /**
   * Reads the feed now: called after a write in this process, so that the
   * write is matchable (or unmatchable) before the API call returns. Safe to
   * race the follower: apply() skips what it has already seen.
   */
  async refresh(): Promise<void> {
    if (!this.database || this.pending) return;
    for (;;) {
      const batch = await readChanges(this.database.db, this.seq, 1000);
      this.apply(batch);
      if (batch.length < 1000) break;
    }
    await this.videoLoads;
  }

  private async load(database: Database): Promise<void> {
    const ids: number[] = [];
    let words: Uint32Array<ArrayBuffer> = new Uint32Array(8 * 65536);
    let nextRebuild = 65536;
    for await (const page of iterateSignalsForIndex(database.db, { pageSize: this.options.pageSize ?? 50_000 })) {
      for (const s of page) {
        if (s.type === 'pdq') {
          if (ids.length * 8 + 8 > words.length) words = growWords(words);
          hash256ToWords(s.hash, words, ids.length * 8);
          ids.push(s.signalId);
          this.signals.set(s.signalId, s.bankId, s.contentId, s.quality);
        } else this.addSignal(s);
      }
      if (ids.length >= nextRebuild) {
        this.pdq.build(ids, words.subarray(0, ids.length * 8));
        nextRebuild = ids.length * 2;
      }
    }
    this.pdq.build(ids, words.subarray(0, ids.length * 8));
    await this.loadVideoFrames(database, [...this.vpdq]);
  }

  /** Reads the frames of vPDQ signals into the video index, a few hundred signals per query. */
  private async loadVideoFrames(database: Database, signalIds: number[]): Promise<void> {
    for (let i = 0; i < signalIds.length; i += 500) {
      const batch = signalIds.slice(i, i + 500);
      const frames = await getVpdqFramesBySignal(database.db, batch);
      for (const id of batch) {
        // The signal may have been removed by the feed while its frames were read.
        if (!this.vpdq.has(id)) continue;
        const rows = frames.get(id) ?? [];
        this.video.add(
          id,
          rows.map((f) => makeVpdqFeature(f.frameNumber, f.quality, f.hash, f.timestampS)),
        );
      }
    }
  }

  /** Applies feed changes (idempotent by signal id). */
  apply(changes: readonly SignalChange[]): void {
    if (this.pending) {
      this.pending.push(...changes);
      return;
    }
    for (const c of changes) {
      if (c.seq <= this.seq) continue;
      this.seq = c.seq;
      if (c.op === 'remove' || !c.signal) this.removeSignal(c.signalId);
      else {
        this.addSignal({
          signalId: c.signalId,
          bankId: c.bankId,
          contentId: c.contentId,
          type: c.signal.type,
          hash: c.signal.hash,
          quality: c.signal.quality,
        });
      }
    }
  }

  private addSignal(s: IndexSignal): void {
    this.removeSignal(s.signalId);
    this.signals.set(s.signalId, s.bankId, s.contentId, s.quality);
    if (s.type === 'pdq') this.pdq.insert(s.signalId, s.hash);
    else if (s.type === 'vpdq') {
      this.vpdq.add(s.signalId);
      // During the initial load the frames are read in bulk afterwards.
      if (this.state !== 'loading' && this.database) this.queueVideoLoad(this.database, s.signalId);
    } else {
      const hex = s.hash.toString('hex');
      this.hexOf.set(s.signalId, { type: s.type, hex });
      this[s.type].add(hex, s.signalId);
    }
  }

  private queueVideoLoad(database: Database, signalId: number): void {
    this.videoLoads = this.videoLoads
      .then(() => this.loadVideoFrames(database, [signalId]))
      .catch((err) => this.options.onError?.(err));
  }

  private removeSignal(signalId: number): void {
    if (!this.signals.delete(signalId)) return;
    this.pdq.delete(signalId);
    this.vpdq.delete(signalId);
    this.video.remove(signalId);
    const digest = this.hexOf.get(signalId);
    if (digest) {
      this[digest.type].remove(digest.hex, signalId);
      this.hexOf.delete(signalId);
    }
  }

  /** True once loaded and following the feed: a miss is then final. Cheap; lookups ask it. */
  get ready(): boolean {
    return this.state === 'ready';
  }

  status(): IndexStatus {
    const started = this.loadStartedAt;
    return {
      state: this.state,
      counts: { pdq: this.pdq.size, md5: this.md5.size, sha256: this.sha256.size, vpdq: this.vpdq.size },
      vpdqFrames: this.video.frameCount,
      changeSeq: this.seq,
      loadStartedAt: started?.toISOString() ?? null,
      loadedAt: this.loadedAt?.toISOString() ?? null,
      loadSeconds: started && this.loadedAt ? (this.loadedAt.getTime() - started.getTime()) / 1000 : null,
      bytes: this.pdq.stats().byteLength + this.signals.byteLength,
    };
  }
}

function growWords(words: Uint32Array): Uint32Array<ArrayBuffer> {
  const next = new Uint32Array(words.length * 2);
  next.set(words);
  return next;
}
