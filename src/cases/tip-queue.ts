/**
 * The triage side of tips: the queue of clusters, most severe first
 * (tip-triage.ts), one cluster with its tips, and status changes including
 * linking a cluster to a case (an event on the case's timeline).
 *
 * Everything takes the caller's organisation: another organisation's cluster
 * is "not found", never "forbidden".
 */
import { type Kysely, type Selectable, sql } from 'kysely';
import type { Schema } from '../db/schema.js';
import { TIP_CLUSTER_STATUSES, type TipClusterStatus, type TipClustersTable, type TipKind } from '../db/schema-tips.js';
import { addCaseEvent, type CaseActor, caseNotFound, getCase, inTransaction } from './cases.js';
import { CaseError } from './errors.js';

export interface TipCluster {
  id: number;
  status: TipClusterStatus;
  severity: number;
  bankTier: number;
  bankMatches: number;
  minors: boolean;
  personalData: boolean;
  tipCount: number;
  screenshotCount: number;
  /** The first channel link seen; null for screenshot-only clusters. */
  link: string | null;
  /** Set once linked to a case. */
  caseReference: string | null;
  firstTipAt: Date;
  lastTipAt: Date;
}

/** Where the next page starts: after this cluster in queue order. */
export interface QueueCursor {
  severity: number;
  lastTipAt: Date;
  id: number;
}

export interface QueueQuery {
  /** Default: the open work, new and triaged. */
  statuses?: readonly TipClusterStatus[];
  limit?: number;
  after?: QueueCursor | null;
}

/** The cursor as an opaque string for an API. */
export function encodeQueueCursor(c: QueueCursor): string {
  return Buffer.from(`${c.severity}.${c.lastTipAt.getTime()}.${c.id}`).toString('base64url');
}

export function decodeQueueCursor(raw: string): QueueCursor {
  const parts = Buffer.from(raw, 'base64url').toString('utf8').split('.').map(Number);
  if (parts.length !== 3 || !parts.every(Number.isSafeInteger))
    throw new CaseError('validation', 'cursor is not valid');
  return { severity: parts[0]!, lastTipAt: new Date(parts[1]!), id: parts[2]! };
}

/** "new,triaged" -> the statuses; undefined for none given. */
export function parseClusterStatuses(raw: string | undefined): TipClusterStatus[] | undefined {
  if (!raw) return undefined;
  const wanted = raw.split(',').map((s) => s.trim());
  for (const s of wanted) {
    if (!(TIP_CLUSTER_STATUSES as readonly string[]).includes(s)) {
      throw new CaseError('validation', `status must be among ${TIP_CLUSTER_STATUSES.join(', ')}`);
    }
  }
  return wanted as TipClusterStatus[];
}

export const DEFAULT_QUEUE_STATUSES: readonly TipClusterStatus[] = ['new', 'triaged'];
export const MAX_QUEUE_PAGE = 200;

/** Clusters by severity, then most recent tip, then newest; keyset-paged so a growing queue pages stably. */
export async function listTipQueue(
  db: Kysely<Schema>,
  orgId: number,
  query: QueueQuery = {},
): Promise<{ clusters: TipCluster[]; next: QueueCursor | null }> {
  const limit = Math.min(Math.max(1, query.limit ?? 50), MAX_QUEUE_PAGE);
  const statuses = query.statuses?.length ? query.statuses : DEFAULT_QUEUE_STATUSES;
  let q = clusterQuery(db)
    .where('c.org_id', '=', orgId)
    .where('c.status', 'in', statuses)
    .orderBy('c.severity', 'desc')
    .orderBy('c.last_tip_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(limit);
  const after = query.after;
  if (after) {
    q = q.where(sql<boolean>`(c.severity, c.last_tip_at, c.id) < (${after.severity}, ${after.lastTipAt}, ${after.id})`);
  }
  const rows = await q.execute();
  const clusters = rows.map(toCluster);
  const last = clusters.at(-1);
  const next =
    clusters.length === limit && last ? { severity: last.severity, lastTipAt: last.lastTipAt, id: last.id } : null;
  return { clusters, next };
}

export interface TipRecord {
  id: number;
  receipt: string;
  kind: TipKind;
  link: string | null;
  messageId: number | null;
  description: string;
  contactName: string | null;
  contact: string | null;
  signals: Record<string, unknown>;
  screenshots: {
    pdq: string | null;
    quality: number | null;
    md5: string | null;
    sha256: string | null;
    bankMatches: unknown[];
  }[];
  createdAt: Date;
}

export interface TipClusterDetail extends TipCluster {
  /** What tips join this cluster by: channel keys and screenshot SHA-256s. */
  keys: string[];
  /** The latest tips, newest first (at most `tipLimit`). */
  tips: TipRecord[];
}

/** One cluster of the organisation with its keys and latest tips, or null. */
export async function getTipCluster(
  db: Kysely<Schema>,
  orgId: number,
  clusterId: number,
  tipLimit = 100,
): Promise<TipClusterDetail | null> {
  const row = await clusterQuery(db).where('c.org_id', '=', orgId).where('c.id', '=', clusterId).executeTakeFirst();
  if (!row) return null;
  const [keys, tips] = await Promise.all([
    db
      .selectFrom('tip_cluster_keys')
      .select('key')
      .where('cluster_id', '=', clusterId)
      .orderBy('created_at')
      .orderBy('key')
      .execute(),
    db
      .selectFrom('tips')
      .selectAll()
      .where('cluster_id', '=', clusterId)
      .orderBy('id', 'desc')
      .limit(tipLimit)
      .execute(),
  ]);
  const shots = tips.length
    ? await db
        .selectFrom('tip_screenshots')
        .select(['tip_id', 'pdq', 'quality', 'md5', 'sha256', 'bank_matches'])
        .where('cluster_id', '=', clusterId)
        .where(
          'tip_id',
          'in',
          tips.map((t) => t.id),
        )
        .orderBy('id')
        .execute()
    : [];
  const hex = (b: Buffer | null) => (b ? b.toString('hex') : null);
  return {
    ...toCluster(row),
    keys: keys.map((k) => k.key),
    tips: tips.map((t) => ({
      id: t.id,
      receipt: t.receipt,
      kind: t.kind,
      link: t.link,
      messageId: t.message_id,
      description: t.description,
      contactName: t.contact_name,
      contact: t.contact,
      signals: t.signals,
      screenshots: shots
        .filter((s) => s.tip_id === t.id)
        .map((s) => ({
          pdq: hex(s.pdq),
          quality: s.quality,
          md5: hex(s.md5),
          sha256: hex(s.sha256),
          bankMatches: s.bank_matches,
        })),
      createdAt: t.created_at,
    })),
  };
}

export interface ClusterStatusChange {
  status: TipClusterStatus;
  /** Required for 'linked': the case (of the same organisation) the cluster belongs to. */
  caseReference?: string | undefined;
  /** Why; kept on the case's timeline when linking. */
  note?: string | undefined;
}

/**
 * Sets a cluster's status. Linking needs a case of the same organisation and
 * puts a 'tip' event on its timeline. Returns the cluster before and after.
 */
export async function setTipClusterStatus(
  db: Kysely<Schema>,
  orgId: number,
  clusterId: number,
  change: ClusterStatusChange,
  actor: CaseActor,
  now: Date,
): Promise<{ before: TipCluster; after: TipCluster }> {
  if (change.status === 'linked' && !change.caseReference) {
    throw new CaseError('validation', 'invalid status change: linking needs case_reference');
  }
  return inTransaction(db, async (trx) => {
    const before = await clusterQuery(trx)
      .where('c.org_id', '=', orgId)
      .where('c.id', '=', clusterId)
      .forUpdate('c')
      .executeTakeFirst();
    if (!before) throw new CaseError('not-found', `tip cluster ${clusterId} not found`);
    let caseId: number | null = before.case_id;
    if (change.status === 'linked') {
      const found = await getCase(trx, orgId, change.caseReference!);
      if (!found) throw caseNotFound(change.caseReference!);
      caseId = found.id;
      if (before.case_id !== found.id) await linkEvent(trx, found.id, toCluster(before), change.note, actor, now);
    }
    await trx
      .updateTable('tip_clusters')
      .set({ status: change.status, case_id: caseId, updated_at: now })
      .where('id', '=', clusterId)
      .execute();
    const after = await clusterQuery(trx).where('c.id', '=', clusterId).executeTakeFirstOrThrow();
    return { before: toCluster(before), after: toCluster(after) };
  });
}

function linkEvent(
  trx: Kysely<Schema>,
  caseId: number,
  cluster: TipCluster,
  note: string | undefined,
  actor: CaseActor,
  now: Date,
) {
  const what = cluster.link ?? `${cluster.screenshotCount} screenshot(s)`;
  return addCaseEvent(
    trx,
    caseId,
    {
      kind: 'tip',
      targetKind: 'tip',
      targetId: `cluster:${cluster.id}`,
      body: note?.trim() || `tip cluster ${cluster.id} linked: ${cluster.tipCount} tip(s) about ${what}`,
      details: {
        cluster_id: cluster.id,
        tip_count: cluster.tipCount,
        severity: cluster.severity,
        link: cluster.link,
      },
    },
    actor,
    now,
  );
}

function clusterQuery(db: Kysely<Schema>) {
  return db
    .selectFrom('tip_clusters as c')
    .leftJoin('cases as k', 'k.id', 'c.case_id')
    .selectAll('c')
    .select('k.reference as case_reference');
}

type ClusterRow = Selectable<TipClustersTable> & { case_reference: string | null };

function toCluster(r: ClusterRow): TipCluster {
  return {
    id: r.id,
    status: r.status,
    severity: r.severity,
    bankTier: r.bank_tier,
    bankMatches: r.bank_matches,
    minors: r.minors,
    personalData: r.personal_data,
    tipCount: r.tip_count,
    screenshotCount: r.screenshot_count,
    link: r.link,
    caseReference: r.case_reference,
    firstTipAt: r.first_tip_at,
    lastTipAt: r.last_tip_at,
  };
}
