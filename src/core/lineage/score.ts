/**
 * How the evidence that one channel continues another becomes one score in [0, 1].
 *
 * Four components, each in [0, 1]:
 * - media (weight 0.50): the same files reappearing is the strongest sign. Half
 *   Jaccard over the media hash sets, half the overlap coefficient (shared /
 *   smaller set), the latter damped while fewer than MEDIA_FULL_CONFIDENCE
 *   hashes are shared, so a tiny channel sharing one meme does not score 1.
 * - forwards (0.20): the channels both forward from the same sources.
 * - title (0.15): folded-title trigram similarity ("Albkings ✓" ~ "albkings backup 2").
 * - admins (0.15): the same people post as or administer both.
 *
 * A component is left out, and the other weights scaled up, when the reference
 * channel has no data for it (no admins known, no forwards): missing data is no
 * evidence either way. A candidate lacking what the reference has scores 0 there.
 *
 * A title alone never makes a link: imitators copy names. A probable successor
 * needs the score at or above the threshold AND something shared beyond the
 * title (media, a forward source or an admin).
 */

export const LINEAGE_WEIGHTS = { media: 0.5, forwards: 0.2, title: 0.15, admins: 0.15 } as const;
export type LineageComponent = keyof typeof LINEAGE_WEIGHTS;
export const LINEAGE_COMPONENTS = Object.keys(LINEAGE_WEIGHTS) as LineageComponent[];

/** Default score at which a candidate is recorded as a probable successor. */
export const DEFAULT_LINK_THRESHOLD = 0.35;
/** Shared media hashes at which the overlap coefficient counts in full. */
export const MEDIA_FULL_CONFIDENCE = 6;

export interface ComponentScore {
  score: number;
  /** False when the reference channel has nothing to compare on this component. */
  observed: boolean;
  /** Something concrete is shared (hashes, sources, admins); always false for the title. */
  shared: boolean;
}

export type ComponentScores = Record<LineageComponent, ComponentScore>;

export interface CombinedScore {
  score: number;
  /** The weights used after leaving out unobserved components (they sum to 1, or all 0). */
  weights: Record<LineageComponent, number>;
}

export function mediaComponent(jaccard: number, overlap: number, shared: number): number {
  const damp = Math.min(1, shared / MEDIA_FULL_CONFIDENCE);
  return clamp01(0.5 * jaccard + 0.5 * overlap * damp);
}

export function combineScores(parts: ComponentScores): CombinedScore {
  let total = 0;
  for (const c of LINEAGE_COMPONENTS) if (parts[c].observed) total += LINEAGE_WEIGHTS[c];
  const weights = {} as Record<LineageComponent, number>;
  let score = 0;
  for (const c of LINEAGE_COMPONENTS) {
    const w = total > 0 && parts[c].observed ? LINEAGE_WEIGHTS[c] / total : 0;
    weights[c] = round(w);
    score += w * clamp01(parts[c].score);
  }
  return { score: round(score), weights };
}

export function isProbableSuccessor(
  combined: CombinedScore,
  parts: ComponentScores,
  threshold = DEFAULT_LINK_THRESHOLD,
): boolean {
  const hardEvidence = parts.media.shared || parts.forwards.shared || parts.admins.shared;
  return hardEvidence && combined.score >= threshold;
}

/** A forward source or an admin: known by one or more keys (id, folded name), shown by its label. */
export interface KeyedEntry {
  keys: readonly string[];
  label: string;
}

export interface EntryOverlap {
  /** Jaccard over entries, an entry matching another when they share any key. */
  score: number;
  /** Labels of the reference's entries found in the candidate. */
  shared: string[];
}

/**
 * Entries rather than plain keys because sources name things differently: a Bot
 * API update has a channel's id, an HTML export only its name. Two entries are
 * the same when any of their keys agree.
 */
export function entryOverlap(reference: readonly KeyedEntry[], candidate: readonly KeyedEntry[]): EntryOverlap {
  const keys = new Set<string>();
  for (const e of candidate) for (const k of e.keys) keys.add(k);
  const shared = reference.filter((e) => e.keys.some((k) => keys.has(k))).map((e) => e.label);
  const union = reference.length + candidate.length - shared.length;
  return { score: union > 0 ? shared.length / union : 0, shared };
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
