/**
 * vPDQ lookups for the HMA routes: a query video against the frame index of
 * every matchable vPDQ signal (src/matching/video-index.ts), scored with
 * python-threatexchange's rule (query% >= 80). Candidates come from frame
 * hits, so videos sharing no frame with the query cost nothing.
 */
import type { VpdqFeature } from '../core/vpdq/feature.js';
import type { MatchingServices } from './services.js';

export interface VpdqHit {
  signalId: number;
  contentId: number;
  bankId: number;
  queryMatchPercent: number;
  compareMatchPercent: number;
}

export class VpdqScanner {
  constructor(private readonly services: MatchingServices) {}

  async query(query: readonly VpdqFeature[]): Promise<VpdqHit[]> {
    const { index } = this.services;
    return index.video
      .query(query)
      .filter((v) => index.signals.has(v.signalId))
      .map((v) => ({
        signalId: v.signalId,
        contentId: index.signals.contentOf(v.signalId),
        bankId: index.signals.bankOf(v.signalId),
        queryMatchPercent: v.queryMatchPercent,
        compareMatchPercent: v.compareMatchPercent,
      }));
  }
}
