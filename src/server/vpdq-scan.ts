/**
 * vPDQ lookups: a query video against every indexed vPDQ signal, compared
 * frame by frame (python-threatexchange's rule: query% >= 80).
 *
 * The live index keeps only the ids of vPDQ signals; their frames are read
 * from the database on first use and kept here, deduplicated and filtered by
 * quality. A brute-force scan is fine at the scale of video banks today
 * (hundreds to thousands of videos); a frame index would replace it at larger
 * scale.
 */
import { getVpdqFrames } from '../banks/signal-index.js';
import { makeVpdqFeature, type VpdqFeature } from '../core/vpdq/feature.js';
import { matchVpdqBrute, prepareVpdqFeatures } from '../core/vpdq/match.js';
import type { MatchingServices } from './services.js';

export interface VpdqHit {
  signalId: number;
  contentId: number;
  bankId: number;
  queryMatchPercent: number;
  compareMatchPercent: number;
}

export class VpdqScanner {
  private readonly frames = new Map<number, VpdqFeature[]>();

  constructor(private readonly services: MatchingServices) {}

  async query(query: readonly VpdqFeature[]): Promise<VpdqHit[]> {
    const { index } = this.services;
    this.forgetRemoved();
    const hits: VpdqHit[] = [];
    for (const signalId of [...index.vpdq]) {
      const stored = await this.framesOf(signalId);
      const r = matchVpdqBrute(query, stored);
      if (!r.isMatch || !index.signals.has(signalId)) continue;
      hits.push({
        signalId,
        contentId: index.signals.contentOf(signalId),
        bankId: index.signals.bankOf(signalId),
        queryMatchPercent: r.queryMatchPercent,
        compareMatchPercent: r.compareMatchPercent,
      });
    }
    return hits;
  }

  private async framesOf(signalId: number): Promise<VpdqFeature[]> {
    let features = this.frames.get(signalId);
    if (!features) {
      const rows = await getVpdqFrames(this.services.database.db, signalId);
      features = prepareVpdqFeatures(rows.map((f) => makeVpdqFeature(f.frameNumber, f.quality, f.hash, f.timestampS)));
      this.frames.set(signalId, features);
    }
    return features;
  }

  private forgetRemoved(): void {
    for (const id of this.frames.keys()) if (!this.services.index.vpdq.has(id)) this.frames.delete(id);
  }
}
