/**
 * The matching service: hashes in, bank matches out, with each bank's rules.
 *
 * - PDQ matches within the bank's threshold, if both the query and the stored
 *   signal meet the bank's quality floor (a signal without quality passes).
 * - MD5 / SHA-256 match exactly.
 * - A hit in an enabled allow bank (known false positives, benign images)
 *   suppresses the block-bank matches of that query: they are returned marked
 *   `suppressed`, never acted on.
 * - A signal flooding (matching far above its usual rate) has its matches
 *   returned marked `held` until an analyst releases it.
 */

import { type Bank, listBanks } from '../banks/banks.js';
import { type BankContent, loadContent } from '../banks/content.js';
import { hexToHash256 } from '../core/hash256.js';
import type { VpdqFeature } from '../core/vpdq/feature.js';
import type { VpdqMatchOptions } from '../core/vpdq/match.js';
import type { Database } from '../db/open.js';
import type { SignalType } from '../db/schema.js';
import { BatchLoader } from '../util/batch-loader.js';
import type { FloodDetector } from './flood.js';
import type { LiveIndex } from './live-index.js';

export interface MatchQuery {
  pdq?: string;
  /** Quality of the query hash, when known (hashing a file gives it). */
  quality?: number;
  /** The 8 dihedral PDQ hashes of the query image: matches rotated/flipped copies. */
  pdqDihedral?: readonly string[];
  md5?: string;
  sha256?: string;
  /** vPDQ frames of a query video. */
  vpdq?: readonly VpdqFeature[];
  /**
   * Fill metadata, note and case reference from the database (default true).
   * Callers that only need bank, content id and distance (HMA lookups) skip
   * the read: the index alone answers them.
   */
  details?: boolean;
}

export interface Match {
  bank: string;
  bankId: number;
  bankKind: Bank['kind'];
  category: Bank['category'];
  contentId: number;
  signalId: number;
  signalType: SignalType;
  /** Hamming distance for PDQ; 0 for exact digests; the closest frame pair for vPDQ. */
  distance: number;
  /** For vPDQ: the reference's percentages of matching frames, each way. */
  vpdq?: { queryMatchPercent: number; compareMatchPercent: number };
  metadata: Record<string, unknown>;
  note: string | null;
  caseRef: string | null;
  /** True when an allow-bank hit vetoes this match. */
  suppressed: boolean;
  /** True when the signal is quarantined for flooding: review before acting. */
  held: boolean;
}

export interface MatchResult {
  matches: Match[];
  /** Allow-bank hits (also in `matches`, with bankKind 'allow'). */
  allowed: boolean;
  /** False while the index is still loading: a miss is not yet final. */
  indexComplete: boolean;
}

interface Hit {
  signalId: number;
  type: SignalType;
  distance: number;
  vpdq?: { queryMatchPercent: number; compareMatchPercent: number };
}

export interface MatcherOptions {
  /** vPDQ rules: frame quality floor, frame distance, query% and compared% thresholds. */
  vpdq?: VpdqMatchOptions;
}

const BANK_REFRESH_MS = 2000;
const CONTENT_CACHE_MS = 5000;
const CONTENT_CACHE_MAX = 100_000;

export class Matcher {
  private banks = new Map<number, Bank>();
  private banksLoadedAt = 0;
  private readonly contentCache = new Map<number, { content: BankContent; at: number }>();
  private refreshing: Promise<void> | null = null;
  private readonly contentLoader: BatchLoader<number, BankContent>;

  constructor(
    private readonly database: Database,
    readonly index: LiveIndex,
    private readonly flood: FloodDetector,
    private readonly options: MatcherOptions = {},
  ) {
    this.contentLoader = new BatchLoader(
      async (ids) => new Map((await loadContent(database.db, ids)).map((c) => [c.id, c])),
    );
  }

  /** The owning organisation of a bank as last loaded (null: no owner, or unknown). */
  bankOrganisation(bankId: number): number | null {
    return this.banks.get(bankId)?.orgId ?? null;
  }

  /** Re-reads bank settings (threshold, quality floor, enabled, kind). */
  async refreshBanks(): Promise<void> {
    const banks = await listBanks(this.database.db);
    this.banks = new Map(banks.map((b) => [b.id, b]));
    this.banksLoadedAt = Date.now();
  }

  private async currentBanks(): Promise<Map<number, Bank>> {
    if (Date.now() - this.banksLoadedAt > BANK_REFRESH_MS) {
      this.refreshing ??= this.refreshBanks().finally(() => {
        this.refreshing = null;
      });
      await this.refreshing;
    }
    return this.banks;
  }

  /** The widest PDQ threshold over enabled banks: the radius the index must search. */
  private searchRadius(banks: Map<number, Bank>): number {
    let r = -1;
    for (const b of banks.values()) if (b.enabled) r = Math.max(r, b.pdqThreshold);
    return r;
  }

  async lookup(query: MatchQuery): Promise<MatchResult> {
    const banks = await this.currentBanks();
    const hits = this.findHits(query, this.searchRadius(banks));
    const accepted = hits.filter((h) => this.accepts(banks, h, query.quality));
    const allowed = accepted.some((h) => banks.get(this.index.signals.bankOf(h.signalId))?.kind === 'allow');
    const matches = await this.describe(banks, accepted, allowed, query.details ?? true);
    return { matches, allowed, indexComplete: this.index.ready };
  }

  /** Raw index hits, before bank rules: the best distance per signal. */
  private findHits(query: MatchQuery, radius: number): Hit[] {
    const best = new Map<number, Hit>();
    const keep = (h: Hit) => {
      const cur = best.get(h.signalId);
      if (!cur || h.distance < cur.distance) best.set(h.signalId, h);
    };
    if (radius >= 0) {
      const pdqHashes = [...(query.pdq ? [query.pdq] : []), ...(query.pdqDihedral ?? [])].map(hexToHash256);
      if (pdqHashes.length === 1) {
        for (const m of this.index.pdq.query(pdqHashes[0]!, radius))
          keep({ signalId: m.id, type: 'pdq', distance: m.distance });
      } else if (pdqHashes.length > 1) {
        for (const m of this.index.pdq.queryDihedral(pdqHashes, radius))
          keep({ signalId: m.id, type: 'pdq', distance: m.distance });
      }
    }
    if (query.md5)
      for (const id of this.index.md5.get(query.md5.toLowerCase())) keep({ signalId: id, type: 'md5', distance: 0 });
    if (query.sha256) {
      for (const id of this.index.sha256.get(query.sha256.toLowerCase()))
        keep({ signalId: id, type: 'sha256', distance: 0 });
    }
    if (query.vpdq && query.vpdq.length > 0) {
      for (const v of this.index.video.query(query.vpdq, this.options.vpdq ?? {})) {
        const { queryMatchPercent, compareMatchPercent } = v;
        keep({
          signalId: v.signalId,
          type: 'vpdq',
          distance: v.bestFrameDistance,
          vpdq: { queryMatchPercent, compareMatchPercent },
        });
      }
    }
    return [...best.values()];
  }

  private accepts(banks: Map<number, Bank>, hit: Hit, queryQuality: number | undefined): boolean {
    const signals = this.index.signals;
    if (!signals.has(hit.signalId)) return false;
    const bank = banks.get(signals.bankOf(hit.signalId));
    if (!bank?.enabled) return false;
    if (hit.type !== 'pdq') return true;
    if (hit.distance > bank.pdqThreshold) return false;
    if (queryQuality !== undefined && queryQuality < bank.minQuality) return false;
    const stored = signals.qualityOf(hit.signalId);
    return stored === null || stored >= bank.minQuality;
  }

  /**
   * Content details (metadata, note, case) of matched items. Hits repeat (a
   * circulating image matches again and again), so details are cached briefly:
   * a database read per hit would dominate lookup latency. Matchability is
   * never cached (the index decides it); only descriptive fields may lag by
   * CONTENT_CACHE_MS after an edit.
   */
  private async contentDetails(ids: number[]): Promise<Map<number, BankContent>> {
    const now = Date.now();
    const out = new Map<number, BankContent>();
    const missing: number[] = [];
    for (const id of ids) {
      const cached = this.contentCache.get(id);
      if (cached && now - cached.at < CONTENT_CACHE_MS) out.set(id, cached.content);
      else missing.push(id);
    }
    if (missing.length === 0) return out;
    // Concurrent lookups (a media worker matches several files at once) share one read.
    const loaded = await Promise.all(missing.map((id) => this.contentLoader.get(id)));
    if (this.contentCache.size > CONTENT_CACHE_MAX) this.contentCache.clear();
    loaded.forEach((c, i) => {
      if (!c) return;
      this.contentCache.set(missing[i]!, { content: c, at: now });
      out.set(missing[i]!, c);
    });
    return out;
  }

  private async describe(banks: Map<number, Bank>, hits: Hit[], allowed: boolean, details: boolean): Promise<Match[]> {
    if (hits.length === 0) return [];
    const signals = this.index.signals;
    const contentIds = [...new Set(hits.map((h) => signals.contentOf(h.signalId)))];
    const content = details ? await this.contentDetails(contentIds) : null;
    const matches: Match[] = [];
    for (const h of hits.sort((a, b) => a.distance - b.distance || a.signalId - b.signalId)) {
      const bank = banks.get(signals.bankOf(h.signalId))!;
      const contentId = signals.contentOf(h.signalId);
      const item = content?.get(contentId);
      if (content && !item) continue; // deleted between index hit and read
      const held = bank.kind === 'block' && this.flood.record(h.signalId).flooded;
      matches.push({
        bank: bank.name,
        bankId: bank.id,
        bankKind: bank.kind,
        category: bank.category,
        contentId,
        signalId: h.signalId,
        signalType: h.type,
        distance: h.distance,
        ...(h.vpdq ? { vpdq: h.vpdq } : {}),
        metadata: item?.metadata ?? {},
        note: item?.note ?? null,
        caseRef: item?.caseRef ?? null,
        suppressed: allowed && bank.kind === 'block',
        held,
      });
    }
    return matches;
  }
}
