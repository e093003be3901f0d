/**
 * The vPDQ index: every good frame (quality >= 50, deduplicated per video) of
 * every matchable video signal in one exact Hamming index. A query video's
 * frames are looked up there; the videos they hit are the candidates, and the
 * hits themselves give both of the reference's percentages:
 *   query%    = query frames with a hit in the video / query frames
 *   compared% = the video's frames hit by some query frame / the video's frames
 * which is what comparing the two frame lists pairwise at distance <= 31 gives,
 * without touching videos that share no frame with the query.
 */
import { HammingIndex } from '../core/matching/hamming-index.js';
import type { VpdqFeature } from '../core/vpdq/feature.js';
import {
  isVpdqMatch,
  prepareVpdqFeatures,
  VPDQ_DISTANCE_THRESHOLD,
  VPDQ_QUALITY_THRESHOLD,
  type VpdqMatchOptions,
} from '../core/vpdq/match.js';

export interface VideoHit {
  signalId: number;
  queryMatchPercent: number;
  compareMatchPercent: number;
  isMatch: boolean;
  /** Smallest frame distance seen between the two videos. */
  bestFrameDistance: number;
}

export class VideoIndex {
  private readonly frames = new HammingIndex();
  private readonly frameSignal = new Map<number, number>();
  private readonly signalFrames = new Map<number, number[]>();
  private nextFrameId = 1;

  constructor(private readonly qualityThreshold = VPDQ_QUALITY_THRESHOLD) {}

  get size(): number {
    return this.signalFrames.size;
  }

  get frameCount(): number {
    return this.frameSignal.size;
  }

  has(signalId: number): boolean {
    return this.signalFrames.has(signalId);
  }

  /** Adds (or replaces) a video signal's frames. */
  add(signalId: number, features: readonly VpdqFeature[]): void {
    this.remove(signalId);
    const ids: number[] = [];
    for (const f of prepareVpdqFeatures(features, this.qualityThreshold)) {
      const id = this.nextFrameId++;
      this.frames.insert(id, f.hash);
      this.frameSignal.set(id, signalId);
      ids.push(id);
    }
    this.signalFrames.set(signalId, ids);
  }

  remove(signalId: number): boolean {
    const ids = this.signalFrames.get(signalId);
    if (!ids) return false;
    for (const id of ids) {
      this.frames.delete(id);
      this.frameSignal.delete(id);
    }
    this.signalFrames.delete(signalId);
    return true;
  }

  /** Candidate videos of a query, scored; only those with isMatch unless `all`. */
  query(query: readonly VpdqFeature[], options: VpdqMatchOptions & { all?: boolean } = {}): VideoHit[] {
    const distance = options.distanceThreshold ?? VPDQ_DISTANCE_THRESHOLD;
    const q = prepareVpdqFeatures(query, options.qualityThreshold ?? this.qualityThreshold);
    if (q.length === 0) return [];
    const queryHits = new Map<number, number>();
    const framesHit = new Map<number, Set<number>>();
    const best = new Map<number, number>();
    for (const f of q) {
      const seen = new Set<number>();
      for (const hit of this.frames.query(f.hash, distance)) {
        const signalId = this.frameSignal.get(hit.id);
        if (signalId === undefined) continue;
        const set = framesHit.get(signalId) ?? new Set<number>();
        framesHit.set(signalId, set);
        set.add(hit.id);
        best.set(signalId, Math.min(best.get(signalId) ?? 256, hit.distance));
        if (!seen.has(signalId)) {
          seen.add(signalId);
          queryHits.set(signalId, (queryHits.get(signalId) ?? 0) + 1);
        }
      }
    }
    const out: VideoHit[] = [];
    for (const [signalId, hits] of queryHits) {
      const total = this.signalFrames.get(signalId)?.length ?? 0;
      if (total === 0) continue;
      const queryMatchPercent = (hits * 100) / q.length;
      const compareMatchPercent = ((framesHit.get(signalId)?.size ?? 0) * 100) / total;
      const isMatch = isVpdqMatch(queryMatchPercent, compareMatchPercent, options);
      if (isMatch || options.all) {
        out.push({ signalId, queryMatchPercent, compareMatchPercent, isMatch, bestFrameDistance: best.get(signalId)! });
      }
    }
    return out.sort((a, b) => b.queryMatchPercent - a.queryMatchPercent || a.signalId - b.signalId);
  }
}
