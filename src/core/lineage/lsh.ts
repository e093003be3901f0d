/**
 * Locality-sensitive hashing over MinHash signatures ("banding"): the signature
 * is cut into `bands` groups of `rows` slots, and two sets become candidates when
 * all slots of at least one band agree. The probability of that is
 * 1 - (1 - J^rows)^bands for Jaccard similarity J.
 *
 * Lineage wants low overlaps found: a backup channel often re-posts only part of
 * the old channel's media, among much new material (Jaccard 0.2-0.4). With 64
 * bands of 2 rows a pair at J = 0.3 becomes a candidate with probability 0.997,
 * at J = 0.2 with 0.93, at J = 0.05 with 0.15; candidates are then scored
 * exactly, so the cost of loose banding is only more scoring.
 *
 * A band key is `band * 2^32 + hash(rows)`: one integer (below 2^53, so a JS
 * number and a Postgres bigint) that also names its band, so one indexed column
 * holds every band.
 */
import { fmix32, isEmptySignature } from './minhash.js';

export interface LshShape {
  bands: number;
  rows: number;
}

export const DEFAULT_LSH: LshShape = { bands: 64, rows: 2 };

const TWO_32 = 4294967296;

/** The band keys of a signature; none for an empty set (it has nothing to share). */
export function bandKeys(sig: Uint32Array, shape: LshShape = DEFAULT_LSH): number[] {
  const { bands, rows } = shape;
  if (bands * rows > sig.length) {
    throw new RangeError(`${bands} bands of ${rows} rows need ${bands * rows} slots; the signature has ${sig.length}`);
  }
  if (isEmptySignature(sig)) return [];
  const keys: number[] = [];
  for (let band = 0; band < bands; band++) {
    let h = band + 1;
    for (let r = 0; r < rows; r++) h = fmix32((Math.imul(h, 0x9e3779b1) ^ sig[band * rows + r]!) >>> 0);
    keys.push(band * TWO_32 + h);
  }
  return keys;
}

/** The probability that a pair at Jaccard similarity `j` shares a band. */
export function candidateProbability(j: number, shape: LshShape = DEFAULT_LSH): number {
  return 1 - (1 - j ** shape.rows) ** shape.bands;
}

/**
 * An in-memory band index: what the database's channel_lsh table does, for
 * tests, tools and small sets. `candidates` counts shared bands per id, a rough
 * similarity order before exact scoring.
 */
export class LshIndex<Id> {
  private readonly buckets = new Map<number, Id[]>();

  constructor(private readonly shape: LshShape = DEFAULT_LSH) {}

  add(id: Id, sig: Uint32Array): void {
    for (const key of bandKeys(sig, this.shape)) {
      const bucket = this.buckets.get(key);
      if (bucket) bucket.push(id);
      else this.buckets.set(key, [id]);
    }
  }

  candidates(sig: Uint32Array): Map<Id, number> {
    const hits = new Map<Id, number>();
    for (const key of bandKeys(sig, this.shape)) {
      for (const id of this.buckets.get(key) ?? []) hits.set(id, (hits.get(id) ?? 0) + 1);
    }
    return hits;
  }
}
