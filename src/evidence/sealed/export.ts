/**
 * Builds a sealed evidence package for police and courts: the items (sealed to a
 * recipient's X25519 key, or in clear where allowed), their capture records,
 * custody chains and inclusion proofs, a freshly signed tree head with the log's
 * public key, a human-readable index.html, and a signed manifest over all of it.
 *
 * Order matters: exporting appends 'export' custody events to the log, so the tree
 * head is signed after the items are read, and every proof is against that head.
 */
import { createHash, randomUUID, sign } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Schema } from '../../db/schema.js';
import { VERSION } from '../../version.js';
import { exportPublicKey, type LogKey } from '../log/log-key.js';
import type { EvidenceLog } from '../log/log-store.js';
import { canonicalCustodyBody } from '../vault/custody.js';
import { captureDigest } from '../vault/record.js';
import type { EvidenceVault } from '../vault/vault.js';
import { renderPackageIndex } from './index-html.js';
import {
  type LoggedEntry,
  MANIFEST_FILE,
  type Manifest,
  type ManifestItem,
  PACKAGE_FORMAT,
  SIGNATURE_FILE,
} from './manifest.js';
import { writeZip, type ZipEntry } from './zip.js';

export interface ExportPackageOptions {
  db: Kysely<Schema>;
  vault: EvidenceVault;
  log: EvidenceLog;
  logKey: LogKey;
  /** Cases to export; null: every case. */
  caseIds: readonly string[] | null;
  /** The recipient's X25519 public key; null exports in clear (refused when any item is csam). */
  recipientPublicKey: Uint8Array | null;
  actor: { kind: 'user' | 'rule' | 'system'; id: string };
  purpose: string;
}

export class PackageRefusedError extends Error {}

export async function exportPackage(options: ExportPackageOptions): Promise<{ zip: Buffer; manifest: Manifest }> {
  const ids = await captureIds(options.db, options.caseIds);
  if (ids.length === 0) throw new PackageRefusedError('no preserved items to export for the given case(s)');
  if (!options.recipientPublicKey && (await hasCsam(options.db, ids))) {
    throw new PackageRefusedError(
      'child sexual abuse material is exported only sealed to a recipient key, never in clear',
    );
  }
  const access = { actor: options.actor, purpose: options.purpose };
  const files: ZipEntry[] = [];
  const opened: {
    id: string;
    record: ManifestItem['record'];
    media: string | null;
    evidence: string;
    mediaBytes: Uint8Array | null;
  }[] = [];
  for (const id of ids) {
    const dir = `items/${id}`;
    if (options.recipientPublicKey) {
      const sealed = await options.vault.exportSealed(id, {
        ...access,
        recipientPublicKey: options.recipientPublicKey,
      });
      if (sealed.sealedMedia) files.push({ name: `${dir}/media.sealed`, data: sealed.sealedMedia });
      files.push({ name: `${dir}/evidence.json.sealed`, data: sealed.sealedEvidence });
      const media = sealed.sealedMedia ? `${dir}/media.sealed` : null;
      opened.push({ id, record: sealed.record, media, evidence: `${dir}/evidence.json.sealed`, mediaBytes: null });
    } else {
      const item = await options.vault.open(id, {
        ...access,
        action: 'decrypt',
        purpose: `clear export: ${options.purpose}`,
      });
      if (item.media) files.push({ name: `${dir}/media.bin`, data: item.media });
      files.push({ name: `${dir}/evidence.json`, data: Buffer.from(JSON.stringify(item.evidence, null, 2)) });
      const media = item.media ? `${dir}/media.bin` : null;
      opened.push({ id, record: item.record, media, evidence: `${dir}/evidence.json`, mediaBytes: item.media });
    }
  }
  const head = await options.log.signTreeHead();
  const items: ManifestItem[] = [];
  for (const o of opened) {
    const chain = await options.vault.custodyChain(o.id);
    items.push({
      record: o.record,
      log_entry: captureEntry(o.record),
      inclusion: await inclusion(options.log, o.record.logSeq, head.treeSize),
      custody: await Promise.all(
        chain
          .filter((e) => e.logSeq < head.treeSize)
          .map(async (event) => ({
            event,
            log_entry: custodyEntry(event, o.record),
            inclusion: await inclusion(options.log, event.logSeq, head.treeSize),
          })),
      ),
      files: { media: o.media, evidence: o.evidence },
    });
  }
  const key = exportPublicKey(options.logKey);
  const { timestampedAt: _t, ...treeHead } = head;
  const manifest: Manifest = {
    format: PACKAGE_FORMAT,
    package_id: randomUUID(),
    created_at: new Date().toISOString(),
    tool_version: VERSION,
    cases: [...new Set(items.map((i) => i.record.caseId))].sort(),
    recipient: options.recipientPublicKey
      ? { sealed: true, public_key_sha256: sha256Hex(options.recipientPublicKey) }
      : { sealed: false },
    log: { public_key_pem: key.pem, log_id: key.logId, tree_head: treeHead },
    items,
    files: {},
  };
  const index = await renderPackageIndex(manifest, opened);
  files.push({ name: 'index.html', data: Buffer.from(index) });
  for (const f of files) manifest.files[f.name] = sha256Hex(f.data);
  const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2));
  const signature = sign(null, manifestBytes, options.logKey.privateKey).toString('hex');
  const zip = writeZip([
    { name: MANIFEST_FILE, data: manifestBytes },
    { name: SIGNATURE_FILE, data: Buffer.from(signature) },
    ...files,
  ]);
  return { zip, manifest };
}

/** What the vault logged for a capture: ids and a digest of the record, never the content. */
export function captureEntry(record: ManifestItem['record']): LoggedEntry {
  return {
    kind: 'evidence.capture',
    payload: { captureId: record.id, caseId: record.caseId, digest: captureDigest(record) },
  };
}

/** What the vault logged for a custody event; the capture's own event shares the capture's entry. */
export function custodyEntry(
  event: ManifestItem['custody'][number]['event'],
  record: ManifestItem['record'],
): LoggedEntry {
  if (event.logSeq === record.logSeq) return captureEntry(record);
  const digest = createHash('sha256')
    .update(canonicalCustodyBody({ ...event, caseId: record.caseId }))
    .digest('hex');
  return {
    kind: 'evidence.custody',
    payload: {
      captureId: event.captureId,
      caseId: record.caseId,
      action: event.action,
      outcome: event.outcome,
      digest,
    },
  };
}

async function inclusion(log: EvidenceLog, seq: number, treeSize: number) {
  const p = await log.inclusionProof(seq, treeSize);
  return { leaf_index: p.leafIndex, leaf_hash: p.leafHash, proof: p.proof };
}

async function captureIds(db: Kysely<Schema>, caseIds: readonly string[] | null): Promise<string[]> {
  let query = db.selectFrom('evidence_captures').select('id').orderBy('captured_at').orderBy('id');
  if (caseIds) query = query.where('case_id', 'in', [...caseIds]);
  return (await query.execute()).map((r) => r.id);
}

async function hasCsam(db: Kysely<Schema>, ids: string[]): Promise<boolean> {
  const row = await db
    .selectFrom('evidence_captures')
    .select('id')
    .where('id', 'in', ids)
    .where('category', '=', 'csam')
    .executeTakeFirst();
  return row !== undefined;
}

function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export { MANIFEST_FILE, SIGNATURE_FILE };
