/**
 * Tips: taking one in and putting it in its cluster.
 *
 * A tip joins an existing cluster of its organisation when
 *   1. its channel key (tip-links.ts) is a key of that cluster, or
 *   2. one of its screenshots has the SHA-256 of a screenshot there, or
 *   3. one of its screenshots is within PDQ distance 31 of one there;
 * in that order of precedence. Otherwise it opens a new cluster. The keys a
 * tip brings (channel, screenshot SHA-256s) are added to its cluster, so a
 * screenshot-only tip followed by a tip with that screenshot and a link makes
 * the link find the cluster too. Clusters are never merged: when a link and a
 * screenshot point at two different clusters, the link wins.
 *
 * Concurrency, with the database as the truth:
 * - keys are unique per organisation (tip_cluster_keys primary key). A new
 *   cluster claims its first key with INSERT ... ON CONFLICT DO NOTHING; if
 *   another tip claimed it first, nothing of the new cluster remains (it was
 *   never visible) and the tip joins the winner. Twenty identical tips at
 *   once make one cluster.
 * - PDQ joins cannot be a unique constraint, so tips with screenshots take an
 *   advisory lock per organisation (and schema) for their transaction; the
 *   screenshot index catches up under it (tip-screenshots.ts). Link-only tips,
 *   most of the volume, take no lock: they are written in groups, a share of
 *   one statement each (tip-batch.ts).
 *
 * Screenshot bytes never reach this module: only their hashes and bank
 * matches. Keeping a screenshot as evidence is the vault's job (see
 * TipSubmission.screenshots and v1-tips.ts's evidence hook).
 *
 * Contacts of named tips are stored as given, in clear: there is no
 * field-level encryption helper yet. The receipt tells the tipster so.
 */
import { randomBytes } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { BankCategory, Schema } from '../db/schema.js';
import type { TipKind } from '../db/schema-tips.js';
import { ChannelTipBatcher } from './tip-batch.js';
import { insertClusterClaiming, insertTipWithScreenshots } from './tip-join.js';
import type { ChannelRef } from './tip-links.js';
import { MIN_JOIN_QUALITY, type ScreenshotRow, TipScreenshotIndex } from './tip-screenshots.js';
import type { DescriptionSignals } from './tip-triage.js';

export interface TipBankMatch {
  readonly bank: string;
  readonly category: BankCategory;
  readonly contentId: number;
  readonly distance: number;
}

export interface TipScreenshot {
  /** 64 hex digits, or null when the picture gave none. */
  readonly pdq: string | null;
  readonly quality: number | null;
  readonly md5: string | null;
  readonly sha256: string | null;
  readonly bytes: number | null;
  /** Block-bank matches found at intake. */
  readonly bankMatches: readonly TipBankMatch[];
}

export interface TipSubmission {
  readonly kind: TipKind;
  readonly channel: ChannelRef | null;
  readonly description: string;
  readonly contactName: string | null;
  readonly contact: string | null;
  readonly screenshots: readonly TipScreenshot[];
  readonly signals: DescriptionSignals;
}

/** The database, the clock, and what one server process keeps for tips (make one with tipDeps). */
export interface TipDeps {
  readonly db: Kysely<Schema>;
  readonly now: () => Date;
  /** PDQ index of tip screenshots. */
  readonly screenshots: TipScreenshotIndex;
  /** Group commit of tips with a link and no screenshot. */
  readonly channelTips: ChannelTipBatcher;
}

/** One process's tip intake over `db`: create once, share across requests. */
export function tipDeps(db: Kysely<Schema>, now: () => Date = () => new Date()): TipDeps {
  return {
    db,
    now,
    screenshots: new TipScreenshotIndex(),
    channelTips: new ChannelTipBatcher(db),
  };
}

export interface SubmittedTip {
  readonly tipId: number;
  /** For the tipster; reveals nothing about the cluster. */
  readonly receipt: string;
  readonly clusterId: number;
  /** True when the tip joined a cluster that existed before it. */
  readonly joined: boolean;
  readonly receivedAt: Date;
}

const TIP_LOCK_CLASS = 0x50544931; // "PTI1"

type Trx = Transaction<Schema>;

/** Takes one tip into its organisation's clusters (see the top of this file). */
export async function submitTip(deps: TipDeps, orgId: number, tip: TipSubmission): Promise<SubmittedTip> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await submitOnce(deps, orgId, tip);
    } catch (err) {
      // A deadlock between a link-only tip and a locked one is resolved by PostgreSQL aborting one; retry it.
      if (attempt >= 3 || !isRetryable(err)) throw err;
    }
  }
}

function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === '40P01' || code === '40001';
}

async function submitOnce(deps: TipDeps, orgId: number, tip: TipSubmission): Promise<SubmittedTip> {
  const now = deps.now();
  const receipt = newReceipt();
  if (tip.screenshots.length === 0) return submitLinkOnly(deps, orgId, receipt, tip, now);
  const keys = clusterKeys(tip);
  const pdqs = joinablePdqs(tip);
  return deps.db.transaction().execute(async (trx) => {
    await lockOrganisation(trx, orgId);
    const held = await readUnderLock(trx, orgId, keys, deps.screenshots);
    let clusterId = keys.map((k) => held.get(k)).find((id) => id !== undefined) ?? null;
    clusterId ??= pdqs.length > 0 ? (deps.screenshots.nearest(orgId, pdqs)?.clusterId ?? null) : null;
    let joined = clusterId !== null;
    if (clusterId === null) {
      const opened = await openCluster(trx, orgId, tip, keys[0] ?? null, now);
      clusterId = opened.clusterId;
      joined = !opened.created;
      if (keys[0]) held.set(keys[0], clusterId);
    }
    const newKeys = keys.filter((k) => !held.has(k));
    const tipId = await insertTipWithScreenshots(trx, { orgId, clusterId, receipt, tip, newKeys, join: joined, now });
    return { tipId, receipt, clusterId, joined, receivedAt: now };
  });
}

/**
 * Most tips of a wave: a link, no screenshot. One statement when the channel
 * has a cluster; otherwise one transaction of one statement opens it. Losing
 * the race to open it means the winner has committed: join it.
 */
async function submitLinkOnly(
  deps: TipDeps,
  orgId: number,
  receipt: string,
  tip: TipSubmission,
  now: Date,
): Promise<SubmittedTip> {
  // A lost claim means the channel's cluster now exists (or is being committed): the next try joins it.
  for (let attempt = 0; attempt < 3; attempt++) {
    const placed = await deps.channelTips.write({ orgId, receipt, tip, now });
    if (placed)
      return { tipId: placed.tipId, clusterId: placed.clusterId, receipt, joined: !placed.opened, receivedAt: now };
  }
  throw new Error(`tip for ${tip.channel?.key}: its cluster was neither found nor opened`);
}

/** The channel first (it takes precedence), then each screenshot's SHA-256, each once. */
export function clusterKeys(tip: Pick<TipSubmission, 'channel' | 'screenshots'>): string[] {
  const keys = new Set<string>();
  if (tip.channel) keys.add(tip.channel.key);
  for (const s of tip.screenshots) if (s.sha256) keys.add(`sha256:${s.sha256.toLowerCase()}`);
  return [...keys];
}

function joinablePdqs(tip: TipSubmission): Buffer[] {
  return tip.screenshots
    .filter((s) => s.pdq !== null && (s.quality === null || s.quality >= MIN_JOIN_QUALITY))
    .map((s) => Buffer.from(s.pdq!, 'hex'));
}

async function lockOrganisation(trx: Trx, orgId: number): Promise<void> {
  // Advisory locks are per database; the schema keeps test schemas (and tenants) apart.
  await sql`select pg_advisory_xact_lock(${TIP_LOCK_CLASS}::int, hashtext(coalesce(current_schema(), '') || '/' || ${String(orgId)}))`.execute(
    trx,
  );
}

/**
 * After taking the lock, in one read: which of `keys` a cluster already holds,
 * and the organisation's screenshots this process has not seen (into its index).
 */
async function readUnderLock(
  trx: Trx,
  orgId: number,
  keys: readonly string[],
  screenshots: TipScreenshotIndex,
): Promise<Map<string, number>> {
  const r = await sql<{
    key: string | null;
    cluster_id: number;
    id: number | null;
    pdq: Buffer | null;
    quality: number | null;
  }>`
    select key, cluster_id, null::bigint as id, null::bytea as pdq, null::smallint as quality
      from tip_cluster_keys
      where org_id = ${orgId} and key in (select jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))
    union all
    select null, cluster_id, id, pdq, quality
      from tip_screenshots
      where org_id = ${orgId} and id > ${screenshots.readAfter(orgId)}::bigint and pdq is not null`.execute(trx);
  const held = new Map<string, number>();
  const shots: ScreenshotRow[] = [];
  for (const row of r.rows) {
    if (row.key !== null) held.set(row.key, Number(row.cluster_id));
    else shots.push({ id: Number(row.id), cluster_id: Number(row.cluster_id), pdq: row.pdq, quality: row.quality });
  }
  screenshots.absorb(orgId, shots);
  return held;
}

/**
 * A new cluster holding this one tip, claiming its first key. If a link-only
 * tip (which takes no lock) claimed that key meanwhile, the new row is deleted
 * (no one else ever saw it) and that tip's cluster is returned instead.
 */
async function openCluster(
  trx: Trx,
  orgId: number,
  tip: TipSubmission,
  firstKey: string | null,
  now: Date,
): Promise<{ clusterId: number; created: boolean }> {
  const opened = await insertClusterClaiming(trx, orgId, tip, firstKey, now);
  if (firstKey === null || opened.claimed) return { clusterId: opened.clusterId, created: true };
  await trx.deleteFrom('tip_clusters').where('id', '=', opened.clusterId).execute();
  // The conflicting insert has committed (ON CONFLICT waited for it); this statement's snapshot sees it.
  const owner = await trx
    .selectFrom('tip_cluster_keys')
    .select('cluster_id')
    .where('org_id', '=', orgId)
    .where('key', '=', firstKey)
    .executeTakeFirstOrThrow();
  return { clusterId: owner.cluster_id, created: false };
}

/** Crockford base32 without I, L, O, U: easy to read out on a phone call. */
const RECEIPT_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** "TIP-XXXX-XXXX-XXXX-XXXX": 80 random bits, unguessable, carries no sequence. */
export function newReceipt(): string {
  const bytes = randomBytes(16);
  let out = '';
  for (let i = 0; i < 16; i++) out += RECEIPT_ALPHABET[bytes[i]! & 31];
  return `TIP-${out.slice(0, 4)}-${out.slice(4, 8)}-${out.slice(8, 12)}-${out.slice(12, 16)}`;
}
