/** Exact set measures and character trigrams: the precise side of lineage scoring. */

export function intersection<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): T[] {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  const out: T[] = [];
  for (const x of small) if (large.has(x)) out.push(x);
  return out;
}

/** |A ∩ B| / |A ∪ B|; 0 when both are empty (nothing in common is no evidence). */
export function jaccard<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): number {
  const shared = intersection(a, b).length;
  const union = a.size + b.size - shared;
  return union === 0 ? 0 : shared / union;
}

/** Jaccard from counts: shared elements and the two set sizes. */
export function jaccardOfCounts(shared: number, sizeA: number, sizeB: number): number {
  const union = sizeA + sizeB - shared;
  return union <= 0 ? 0 : Math.min(1, shared / union);
}

/**
 * |A ∩ B| / min(|A|, |B|): 1 when the smaller set lies wholly inside the larger.
 * A young backup channel holds few files, most of them the old channel's; its
 * Jaccard with the old channel stays low while this is high.
 */
export function overlapOfCounts(shared: number, sizeA: number, sizeB: number): number {
  const smaller = Math.min(sizeA, sizeB);
  return smaller <= 0 ? 0 : Math.min(1, shared / smaller);
}

/**
 * Shared count recovered from a Jaccard estimate and the two sizes:
 * J = s / (a + b - s)  =>  s = J (a + b) / (1 + J).
 */
export function sharedFromJaccard(j: number, sizeA: number, sizeB: number): number {
  if (j <= 0) return 0;
  return Math.min(sizeA, sizeB, Math.round((j * (sizeA + sizeB)) / (1 + j)));
}

/** Character trigrams of a word, padded so that short words and word ends count too. */
export function trigrams(word: string): Set<string> {
  const out = new Set<string>();
  if (word.length === 0) return out;
  const padded = `  ${word} `;
  const chars = Array.from(padded);
  for (let i = 0; i + 3 <= chars.length; i++) out.add(chars.slice(i, i + 3).join(''));
  return out;
}

export function trigramSimilarity(a: string, b: string): number {
  if (a.length === 0 || b.length === 0) return 0;
  if (a === b) return 1;
  return jaccard(trigrams(a), trigrams(b));
}
