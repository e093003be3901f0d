/**
 * Which tip cluster a screenshot belongs to, by PDQ distance: an in-memory
 * Hamming index of the screenshots of every organisation this process has
 * taken tips for.
 *
 * The database is the truth; this index is a copy that catches up before each
 * use. tips.ts takes an organisation's tip lock before inserting screenshots,
 * so within an organisation screenshot ids are committed in increasing order.
 * Reading the rows after the highest id seen (under that lock) therefore sees
 * every screenshot any process has committed, and the index can never miss one:
 * several server processes on one PostgreSQL stay correct, each with its own
 * copy. The first read for an organisation loads all of its screenshots.
 */
import type { Kysely } from 'kysely';
import { HammingIndex } from '../core/matching/index.js';
import type { Schema } from '../db/schema.js';

/** PDQ distance at or below which two screenshots are the same picture (the matcher's bank threshold). */
export const TIP_PDQ_RADIUS = 31;
/**
 * Below this PDQ quality a hash says little about the picture (flat or nearly
 * blank images all hash alike), so it never joins clusters; such screenshots
 * still join by exact SHA-256.
 */
export const MIN_JOIN_QUALITY = 50;

export interface ScreenshotHit {
  readonly clusterId: number;
  readonly distance: number;
}

export interface ScreenshotRow {
  readonly id: number;
  readonly cluster_id: number;
  readonly pdq: Buffer | null;
  readonly quality: number | null;
}

export class TipScreenshotIndex {
  private readonly index = new HammingIndex();
  /** Screenshot id -> its organisation and cluster. */
  private readonly owners = new Map<number, { org: number; cluster: number }>();
  /** Organisation -> the highest screenshot id read. */
  private readonly seenUpTo = new Map<number, number>();

  /** Reads the organisation's screenshots committed since the last read. Call under its tip lock. */
  async catchUp(db: Kysely<Schema>, orgId: number): Promise<void> {
    const rows = await db
      .selectFrom('tip_screenshots')
      .select(['id', 'cluster_id', 'pdq', 'quality'])
      .where('org_id', '=', orgId)
      .where('id', '>', this.readAfter(orgId))
      .where('pdq', 'is not', null)
      .execute();
    this.absorb(orgId, rows);
  }

  /** The id after which the organisation's screenshots have not been read (for callers that read them themselves). */
  readAfter(orgId: number): number {
    return this.seenUpTo.get(orgId) ?? 0;
  }

  /** Takes the organisation's screenshots with ids above readAfter(orgId), read under its tip lock. */
  absorb(orgId: number, rows: readonly ScreenshotRow[]): void {
    let last = this.readAfter(orgId);
    for (const r of rows) {
      if (r.pdq) this.add(orgId, r.id, r.cluster_id, r.pdq, r.quality);
      last = Math.max(last, r.id);
    }
    this.seenUpTo.set(orgId, last);
  }

  /** The closest cluster of the organisation holding a screenshot within TIP_PDQ_RADIUS of any of `pdqs`. */
  nearest(orgId: number, pdqs: readonly Uint8Array[]): ScreenshotHit | null {
    let best: ScreenshotHit | null = null;
    for (const pdq of pdqs) {
      for (const m of this.index.query(pdq, TIP_PDQ_RADIUS)) {
        const owner = this.owners.get(m.id);
        if (!owner || owner.org !== orgId) continue;
        const better =
          !best || m.distance < best.distance || (m.distance === best.distance && owner.cluster < best.clusterId);
        if (better) best = { clusterId: owner.cluster, distance: m.distance };
      }
    }
    return best;
  }

  get size(): number {
    return this.index.size;
  }

  private add(org: number, id: number, cluster: number, pdq: Uint8Array, quality: number | null): void {
    if (quality !== null && quality < MIN_JOIN_QUALITY) return;
    if (this.owners.has(id)) return;
    this.index.insert(id, pdq);
    this.owners.set(id, { org, cluster });
  }
}
