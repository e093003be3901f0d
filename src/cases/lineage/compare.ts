/**
 * Scores one candidate channel against a reference channel and writes down the
 * evidence: which media hashes, forward sources and admins they share, and the
 * two titles. Pure: the media intersection is passed in when known exactly.
 */
import { estimateJaccard } from '../../core/lineage/minhash.js';
import {
  type CombinedScore,
  type ComponentScores,
  combineScores,
  entryOverlap,
  isProbableSuccessor,
  mediaComponent,
} from '../../core/lineage/score.js';
import { jaccardOfCounts, overlapOfCounts, sharedFromJaccard } from '../../core/lineage/sets.js';
import type { ChannelProfile } from './profile.js';
import { compareTitles } from './title.js';

/** Shared hashes, sources and admins listed in the evidence (the counts are always complete). */
export const EVIDENCE_SAMPLE = 20;

export interface MediaOverlap {
  /** Shared media hash elements. */
  shared: number;
  /** 'exact': counted from both hash sets; 'minhash': estimated from the signatures. */
  method: 'exact' | 'minhash';
  /** Some shared hashes: "md5:<hex>" or "pdq:<hex>". */
  sample: string[];
}

export interface Comparison {
  score: number;
  probable: boolean;
  combined: CombinedScore;
  parts: ComponentScores;
  evidence: LineageEvidence;
}

export interface LineageEvidence {
  version: 1;
  /** The channel the check started from; sizes below are [reference, candidate]. */
  reference: { source: string; chat_id: string };
  candidate: { source: string; chat_id: string };
  relation: 'successor' | 'predecessor';
  weights: CombinedScore['weights'];
  media: {
    score: number;
    jaccard: number;
    overlap: number;
    shared: number;
    sizes: [number, number];
    method: 'exact' | 'minhash';
    sample: string[];
  };
  forwards: { score: number; shared: string[]; shared_count: number; sizes: [number, number] };
  title: { score: number; titles: [string | null, string | null]; skeletons: [string, string] };
  admins: { score: number; shared: string[]; shared_count: number; sizes: [number, number] };
  first_seen: [string | null, string | null];
}

/** The media overlap estimated from MinHash signatures alone (no sample). */
export function estimatedMedia(ref: ChannelProfile, cand: ChannelProfile): MediaOverlap {
  if (!ref.signature || !cand.signature) return { shared: 0, method: 'minhash', sample: [] };
  const j = estimateJaccard(ref.signature, cand.signature);
  return { shared: sharedFromJaccard(j, ref.mediaCount, cand.mediaCount), method: 'minhash', sample: [] };
}

/** Which way the link points: the channel seen first is the older one. */
export function relationOf(ref: ChannelProfile, cand: ChannelProfile): 'successor' | 'predecessor' {
  if (ref.firstSeen && cand.firstSeen && cand.firstSeen < ref.firstSeen) return 'predecessor';
  return 'successor';
}

export function compareChannels(
  ref: ChannelProfile,
  cand: ChannelProfile,
  media: MediaOverlap,
  threshold?: number,
): Comparison {
  const mediaJ = jaccardOfCounts(media.shared, ref.mediaCount, cand.mediaCount);
  const mediaO = overlapOfCounts(media.shared, ref.mediaCount, cand.mediaCount);
  const forwards = entryOverlap(ref.forwards, cand.forwards);
  const admins = entryOverlap(ref.admins, cand.admins);
  const title = compareTitles(ref.title, cand.title);
  const parts: ComponentScores = {
    media: {
      score: mediaComponent(mediaJ, mediaO, media.shared),
      observed: ref.mediaCount > 0,
      shared: media.shared > 0,
    },
    forwards: { score: forwards.score, observed: ref.forwards.length > 0, shared: forwards.shared.length > 0 },
    title: { score: title.score, observed: title.skeletons[0] !== '', shared: false },
    admins: { score: admins.score, observed: ref.admins.length > 0, shared: admins.shared.length > 0 },
  };
  const combined = combineScores(parts);
  const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
  const evidence: LineageEvidence = {
    version: 1,
    reference: { source: ref.source, chat_id: ref.chatId },
    candidate: { source: cand.source, chat_id: cand.chatId },
    relation: relationOf(ref, cand),
    weights: combined.weights,
    media: {
      score: r4(parts.media.score),
      jaccard: r4(mediaJ),
      overlap: r4(mediaO),
      shared: media.shared,
      sizes: [ref.mediaCount, cand.mediaCount],
      method: media.method,
      sample: media.sample.slice(0, EVIDENCE_SAMPLE),
    },
    forwards: {
      score: r4(forwards.score),
      shared: forwards.shared.slice(0, EVIDENCE_SAMPLE),
      shared_count: forwards.shared.length,
      sizes: [ref.forwards.length, cand.forwards.length],
    },
    title: { score: title.score, titles: [ref.title, cand.title], skeletons: title.skeletons },
    admins: {
      score: r4(admins.score),
      shared: admins.shared.slice(0, EVIDENCE_SAMPLE),
      shared_count: admins.shared.length,
      sizes: [ref.admins.length, cand.admins.length],
    },
    first_seen: [ref.firstSeen?.toISOString() ?? null, cand.firstSeen?.toISOString() ?? null],
  };
  return {
    score: combined.score,
    probable: isProbableSuccessor(combined, parts, threshold),
    combined,
    parts,
    evidence,
  };
}
